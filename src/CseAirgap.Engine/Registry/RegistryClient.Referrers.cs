using System.Collections.Generic;
using CseAirgap.Engine.Failures;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry;

/// <summary>OCI distribution 1.1's referrers API: the manifests whose subject is a given manifest.</summary>
public sealed partial class RegistryClient
{
    /// <summary>
    /// The referrers of <paramref name="subject"/> in a repository (GET /v2/&lt;name&gt;/referrers/&lt;digest&gt;, every page),
    /// or null when the registry has no referrers API (404): the spec's client then reads the referrers tag schema
    /// instead. Each page is an index, read up to a manifest's size; at most <paramref name="maxReferrers"/> are taken.
    /// </summary>
    public async Task<IReadOnlyList<Descriptor>?> GetReferrersAsync(string repository, Digest subject, int maxReferrers, CancellationToken ct)
    {
        var target = $"{Address.Host}/{repository}@{subject}";
        var scope = RegistryScope.Pull(repository);
        var referrers = new List<Descriptor>();
        var walk = new PageWalk(Url($"v2/{repository}/referrers/{subject}"), _options.MaxPages, Address.Host, $"the referrers of {target}", maxNames: maxReferrers);
        while (walk.Next is { } page)
        {
            using var response = await SendAsync(() =>
            {
                var r = new HttpRequestMessage(HttpMethod.Get, page);
                r.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(MediaTypes.OciIndex));
                return r;
            }, scope, target, ct).ConfigureAwait(false);
            // Only the first page's 404 means "no API"; a registry with the API answers 200 for any digest.
            if (response.StatusCode == HttpStatusCode.NotFound && walk.Pages == 0) return null;
            if (!response.IsSuccessStatusCode) throw await RefusalAsync(response, scope, repository, target, RegistryResource.Manifest, ct).ConfigureAwait(false);
            var bytes = await ReadBoundedAsync(response, ContentLimits.Manifest, "referrers list", target, ct).ConfigureAwait(false);
            walk.CountBytes(bytes.Length);
            var list = ManifestDocument.Parse(bytes, MediaTypes.OciIndex, target);
            if (!list.IsIndex)
                throw new RegistryException(RegistryErrorKind.ProtocolError, target, $"{Address.Host} answered the referrers of {target} with a '{list.MediaType}', not an image index.");
            foreach (var referrer in list.Children)
            {
                walk.CountName();
                referrers.Add(referrer);
            }
            walk.Advance(response.Headers.TryGetValues("Link", out var links) ? links : null);
        }
        return referrers;
    }
}
