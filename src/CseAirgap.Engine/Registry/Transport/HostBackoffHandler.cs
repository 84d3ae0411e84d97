using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry.Transport;

/// <summary>
/// Holds each request (each hop) back while its host has asked for patience (<see cref="HostBackoff"/>): one 429
/// slows every request to that host, instead of each discovering the limit on its own.
/// </summary>
internal sealed class HostBackoffHandler : DelegatingHandler
{
    private readonly HostBackoff _backoff;

    public HostBackoffHandler(HostBackoff backoff) => _backoff = backoff;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        await _backoff.WaitAsync(RegistryOrigin.HostKey(request.RequestUri!), ct).ConfigureAwait(false);
        return await base.SendAsync(request, ct).ConfigureAwait(false);
    }
}
