using System;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry.Transport;

/// <summary>
/// The innermost layer: every silence of one request is bounded by the stall timeout. Connecting and the answer; for
/// a streamed upload, each write of its body (the registry must keep taking bytes) and then the answer; and then every
/// read of the answer's body (<see cref="StallGuardedContent"/>). The source of an upload has its own stall timeout
/// and is not counted against the registry.
/// </summary>
internal sealed class StallTimeoutHandler : DelegatingHandler
{
    private readonly TimeSpan _stall;

    public StallTimeoutHandler(TimeSpan stall) => _stall = stall;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var context = RegistryRequest.Of(request);
        var host = RegistryOrigin.HostKey(request.RequestUri!);
        HttpResponseMessage response;
        using (var watchdog = new TransferWatchdog(_stall, ct))
        {
            if (!context.Replayable && request.Content != null) request.Content = new TransferWatchdog.WatchedContent(request.Content, watchdog);
            try
            {
                response = await base.SendAsync(request, watchdog.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (watchdog.Fired(ct) && (e is OperationCanceledException || e is HttpRequestException || e is IOException))
            {
                throw new RegistryException(RegistryErrorKind.Timeout, host,
                    $"{host} kept {request.Method} {request.RequestUri!.AbsolutePath} waiting for more than {_stall.TotalSeconds:0.#} s " +
                    $"(waiting for {watchdog.Waiting}; -StallTimeoutSec sets the limit).", e) { TransferMayRestart = !context.Replayable };
            }
        }
        // Every body is read through the stall timeout: a registry that goes silent midway fails instead of hanging.
        if (response.Content != null) response.Content = new StallGuardedContent(response.Content, _stall, host, "the body of " + context.Target);
        return response;
    }
}
