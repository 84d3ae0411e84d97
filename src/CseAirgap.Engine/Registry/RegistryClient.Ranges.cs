using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry;

/// <summary>Byte ranges of a blob, for a ranged parallel fetch and for resuming a download cut midway.</summary>
public sealed partial class RegistryClient
{
    /// <summary>
    /// Asks for bytes <paramref name="first"/> to <paramref name="last"/> of a blob, both included: always a bounded range,
    /// never "N-" (an open-ended range makes a well-behaved server stream the whole remainder). The answer is returned
    /// whatever its status; the caller decides whether a 206 is what it asked for. The Range header follows a redirect to
    /// storage; the Authorization header does not (the transport decides it per origin).
    /// </summary>
    internal Task<HttpResponseMessage> GetBlobRangeAsync(string repository, string digest, long first, long last, CancellationToken ct) =>
        SendAsync(() =>
        {
            var r = new HttpRequestMessage(HttpMethod.Get, Url($"v2/{repository}/blobs/{digest}"));
            r.Headers.Range = new RangeHeaderValue(first, last);
            return r;
        }, RegistryScope.Pull(repository), $"{Address.Host}/{repository}@{digest}", ct);

    internal RangedFetchSettings RangedFetch => _options.RangedFetch;

    /// <summary>The blob downloads this registry's host carries at once, shared by every client of the session.</summary>
    internal HostConnectionBudget DownloadBudget => HostConnectionBudget.For(_transport, _concurrencyKey, _options.RangedFetch.ConnectionsPerHost);

    /// <summary>A diagnostic line (verbose); never given a secret.</summary>
    internal void Note(string line) => _options.Log?.Invoke(line);
}
