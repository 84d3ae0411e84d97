using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry.Transport;

/// <summary>
/// An HttpClient used as the platform under the transport (the tests' scripted registries come as one). Answers are
/// returned at their headers, as the platform handler does, never buffered whole.
/// </summary>
internal sealed class HttpClientForwarder : HttpMessageHandler
{
    private readonly HttpClient _client;

    public HttpClientForwarder(HttpClient client) => _client = client;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
}
