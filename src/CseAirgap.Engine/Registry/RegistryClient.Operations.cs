using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Registry;

/// <summary>The registry API calls the commands need; each names its target in any error.</summary>
public sealed partial class RegistryClient
{
    /// <summary>
    /// Fetches a manifest or index by tag or digest. One asked for by digest is checked against that digest with its own
    /// algorithm (sha256 or sha512; any other is refused before a request); one asked for by tag against the
    /// Docker-Content-Digest the registry sent, when it sent one.
    /// </summary>
    public Task<ManifestDocument> GetManifestAsync(string repository, string reference, CancellationToken ct) =>
        GetManifestAsync(repository, reference, null, ct);

    /// <summary>A manifest an index names: checked against the descriptor's digest and its size.</summary>
    public Task<ManifestDocument> GetManifestAsync(string repository, Descriptor descriptor, CancellationToken ct) =>
        GetManifestAsync(repository, descriptor.Digest.Value, descriptor.Size, ct);

    private async Task<ManifestDocument> GetManifestAsync(string repository, string reference, long? size, CancellationToken ct)
    {
        var target = ReferenceTarget(repository, reference);
        var asked = IsDigestReference(reference) ? Digest.Parse(reference, target) : null;
        using var response = await SendAsync(() =>
        {
            var r = new HttpRequestMessage(HttpMethod.Get, Url($"v2/{repository}/manifests/{reference}"));
            foreach (var type in MediaTypes.AcceptedManifests) r.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            return r;
        }, RegistryScope.Pull(repository), target, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw await RefusalAsync(response, RegistryScope.Pull(repository), repository, target, RegistryResource.Manifest, ct).ConfigureAwait(false);
        var bytes = await ReadBoundedAsync(response, ContentLimits.Manifest, "manifest", target, ct).ConfigureAwait(false);
        var document = ManifestDocument.Parse(bytes, response.Content.Headers.ContentType?.MediaType, target);
        const string culprit = "the registry or a proxy altered it";
        if (asked != null) return document.VerifiedAgainst(asked, size, target, culprit);
        // Checked in the header's own algorithm; the document keeps its sha256 name, the module's choice for a tag.
        var header = HeaderDigest(response);
        if (header != null) document.VerifiedAgainst(Digest.Parse(header, $"the Docker-Content-Digest of {target}"), null, target, culprit);
        return document;
    }

    // A tag cannot hold a colon, so a reference with one is a digest, whatever its algorithm.
    private static bool IsDigestReference(string reference) => reference.IndexOf(':') >= 0;

    private string ReferenceTarget(string repository, string reference) =>
        $"{Address.Host}/{repository}{(IsDigestReference(reference) ? "@" : ":")}{reference}";

    /// <summary>The digest a tag or digest resolves to, or null when there is no such manifest.</summary>
    public async Task<string?> HeadManifestAsync(string repository, string reference, RegistryScope scope, CancellationToken ct)
    {
        var target = $"{Address.Host}/{repository}:{reference}";
        using var response = await SendAsync(() =>
        {
            var r = new HttpRequestMessage(HttpMethod.Head, Url($"v2/{repository}/manifests/{reference}"));
            foreach (var type in MediaTypes.AcceptedManifests) r.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            return r;
        }, scope, target, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (!response.IsSuccessStatusCode) throw await RefusalAsync(response, scope, repository, target, RegistryResource.Manifest, ct).ConfigureAwait(false);
        return HeaderDigest(response) ?? (await GetManifestAsync(repository, reference, ct).ConfigureAwait(false)).Digest;
    }

    /// <summary>The size of a blob if the repository has it, else null.</summary>
    public async Task<long?> HeadBlobAsync(string repository, string digest, RegistryScope scope, CancellationToken ct)
    {
        var target = $"{Address.Host}/{repository}@{digest}";
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, Url($"v2/{repository}/blobs/{digest}")), scope, target, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (!response.IsSuccessStatusCode) throw await RefusalAsync(response, scope, repository, target, RegistryResource.Blob, ct).ConfigureAwait(false);
        return response.Content.Headers.ContentLength ?? -1;
    }

    /// <summary>Opens a blob for streaming; the caller disposes the response.</summary>
    public async Task<HttpResponseMessage> OpenBlobAsync(string repository, string digest, CancellationToken ct)
    {
        var target = $"{Address.Host}/{repository}@{digest}";
        var scope = RegistryScope.Pull(repository);
        var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, Url($"v2/{repository}/blobs/{digest}")), scope, target, ct).ConfigureAwait(false);
        if (response.IsSuccessStatusCode) return response;
        using (response) throw await RefusalAsync(response, scope, repository, target, RegistryResource.Blob, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Asks the registry to mount a blob from another of its repositories. True when it did (201);
    /// false with an open upload session when it would not (202), so the caller uploads instead.
    /// </summary>
    public async Task<(bool Mounted, Uri? UploadLocation)> TryMountBlobAsync(string repository, string digest, string fromRepository, CancellationToken ct)
    {
        var target = $"{Address.Host}/{repository}@{digest}";
        var scope = RegistryScope.PushWithMount(repository, fromRepository);
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post,
            Url($"v2/{repository}/blobs/uploads/?mount={Uri.EscapeDataString(digest)}&from={Uri.EscapeDataString(fromRepository)}")), scope, target, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Created) return (true, null);
        if (response.StatusCode == HttpStatusCode.Accepted) return (false, Location(response, target));
        // Token registries refuse the whole request when the token grants no pull on the origin (another
        // project): that only means "no mount", and a plain upload may still be allowed.
        if (response.StatusCode == HttpStatusCode.Unauthorized || response.StatusCode == HttpStatusCode.Forbidden) return (false, null);
        throw await RefusalAsync(response, scope, repository, target, RegistryResource.BlobUpload, ct).ConfigureAwait(false);
    }

    public async Task<Uri> StartUploadAsync(string repository, CancellationToken ct)
    {
        var target = $"{Address.Host}/{repository}";
        var scope = RegistryScope.Push(repository);
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, Url($"v2/{repository}/blobs/uploads/")), scope, target, ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Accepted) throw await RefusalAsync(response, scope, repository, target, RegistryResource.BlobUpload, ct).ConfigureAwait(false);
        return Location(response, target);
    }

    /// <summary>
    /// Sends a blob's bytes into an upload session and commits it under its digest: one PUT, or PATCH chunks
    /// then an empty PUT for blobs above the session's threshold. The content is read once and not retried here.
    /// </summary>
    public async Task UploadBlobAsync(Uri location, string repository, string digest, long size, Stream content, CancellationToken ct)
    {
        var target = $"{Address.Host}/{repository}@{digest}";
        var scope = RegistryScope.Push(repository);
        if (size > _options.ChunkedUploadThreshold || _chunkedOnly)
        {
            long offset = 0;
            while (offset < size)
            {
                var length = Math.Min(_options.ChunkSize, size - offset);
                var start = offset;
                var session = location;
                using var patch = await SendAsync(() =>
                {
                    var r = new HttpRequestMessage(new HttpMethod("PATCH"), session) { Content = new StreamContent(new BoundedStream(content, length), 1 << 20) };
                    r.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                    r.Content.Headers.ContentLength = length;
                    r.Content.Headers.TryAddWithoutValidation("Content-Range", $"{start}-{start + length - 1}");
                    return r;
                }, scope, target, ct, retry: false).ConfigureAwait(false);
                if (patch.StatusCode != HttpStatusCode.Accepted) throw await RefusalAsync(patch, scope, repository, target, RegistryResource.BlobUpload, ct).ConfigureAwait(false);
                location = Location(patch, target);
                offset += length;
            }
            // Read the (empty) rest, so the verifying stream checks the digest before we commit.
            if (content.Read(new byte[1], 0, 1) != 0) throw new DigestMismatchException(digest, "a longer body", size + 1);
            await CommitAsync(location, digest, null, 0, scope, repository, target, ct).ConfigureAwait(false);
            return;
        }
        await CommitAsync(location, digest, content, size, scope, repository, target, ct).ConfigureAwait(false);
    }

    private async Task CommitAsync(Uri location, string digest, Stream? content, long size, RegistryScope scope, string repository, string target, CancellationToken ct)
    {
        var url = new Uri(location + (location.Query.Length > 0 ? "&" : "?") + "digest=" + Uri.EscapeDataString(digest));
        using var response = await SendAsync(() =>
        {
            var r = new HttpRequestMessage(HttpMethod.Put, url);
            r.Content = content == null ? new ByteArrayContent(Array.Empty<byte>()) : new StreamContent(content, 1 << 20);
            r.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            r.Content.Headers.ContentLength = size;
            return r;
        }, scope, target, ct, retry: content == null).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestEntityTooLarge && content != null)
        {
            // A proxy or registry that caps request bodies: from now on this registry gets chunks.
            _chunkedOnly = true;
            throw new RegistryException(RegistryErrorKind.ProtocolError, target, $"{Address.Host} refused a {size}-byte upload as too large; it will be sent in chunks.") { TransferMayRestart = true };
        }
        if (response.StatusCode != HttpStatusCode.Created) throw await RefusalAsync(response, scope, repository, target, RegistryResource.BlobUpload, ct).ConfigureAwait(false);
        var stored = HeaderDigest(response);
        if (stored != null && stored != digest)
            throw new RegistryException(RegistryErrorKind.DigestMismatch, target, $"{Address.Host} stored the blob as {stored}, not {digest}.");
    }

    /// <summary>Writes a manifest's exact bytes under a tag or digest and checks the digest the registry computed.</summary>
    public async Task PutManifestAsync(string repository, string reference, ManifestDocument manifest, CancellationToken ct)
    {
        var target = ReferenceTarget(repository, reference);
        var scope = RegistryScope.Push(repository);
        using var response = await SendAsync(() =>
        {
            var r = new HttpRequestMessage(HttpMethod.Put, Url($"v2/{repository}/manifests/{reference}")) { Content = new ByteArrayContent(manifest.Bytes) };
            r.Content.Headers.ContentType = new MediaTypeHeaderValue(manifest.MediaType);
            return r;
        }, scope, target, ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created) throw await RefusalAsync(response, scope, repository, target, RegistryResource.Manifest, ct).ConfigureAwait(false);
        var stored = HeaderDigest(response);
        // The registry may name what it stored with another algorithm (sha256 for a child named by sha512): compared in its own.
        if (stored != null && (!Digest.TryParse(stored, out var storedDigest) || manifest.DigestLike(storedDigest!) != storedDigest))
            throw new RegistryException(RegistryErrorKind.DigestMismatch, target, $"{Address.Host} stored the manifest as {stored}, not {manifest.Digest}.");
    }

    /// <summary>Checks that the registry answers the v2 API at all; returns the HTTP status it gave.</summary>
    public async Task<HttpStatusCode> PingAsync(CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, Url("v2/")), RegistryScope.Catalog(), Address.Host, ct).ConfigureAwait(false);
        return response.StatusCode;
    }

    /// <summary>Every repository the registry lists, or null when it does not allow listing (Harbor needs admin rights).</summary>
    public async Task<IReadOnlyList<string>?> ListCatalogAsync(CancellationToken ct)
    {
        var repositories = new List<string>();
        var walk = new PageWalk(Url("v2/_catalog?n=1000"), _options.MaxPages, Address.Host, "its catalog");
        while (walk.Next is { } page)
        {
            using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, page), RegistryScope.Catalog(), Address.Host, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) return null;
            await ReadPageAsync(response, walk, "repositories", "catalog page", Address.Host, repositories.Add, ct).ConfigureAwait(false);
            walk.Advance(response.Headers.TryGetValues("Link", out var links) ? links : null);
        }
        return repositories;
    }

    /// <summary>Every tag of a repository (following pagination, bounded in pages, bytes and names: <see cref="ListLimits"/>).</summary>
    public async Task<IReadOnlyList<string>> ListTagsAsync(string repository, CancellationToken ct)
    {
        var tags = new List<string>();
        await VisitTagsAsync(repository, tags.Add, keepsNames: true, ct).ConfigureAwait(false);
        return tags;
    }

    /// <summary>
    /// Each tag of a repository, page by page, to <paramref name="visit"/>: one page is held at a time, so a caller
    /// that keeps only what it needs (the newest version) is bounded by the bytes of the list, not its names.
    /// </summary>
    public Task VisitTagsAsync(string repository, Action<string> visit, CancellationToken ct) => VisitTagsAsync(repository, visit, keepsNames: false, ct);

    private async Task VisitTagsAsync(string repository, Action<string> visit, bool keepsNames, CancellationToken ct)
    {
        var target = $"{Address.Host}/{repository}";
        var walk = new PageWalk(Url($"v2/{repository}/tags/list?n=1000"), _options.MaxPages, Address.Host, $"the tags of {repository}",
            maxNames: keepsNames ? ListLimits.Names : null);
        var scope = RegistryScope.Pull(repository);
        while (walk.Next is { } page)
        {
            using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, page), scope, target, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) throw await RefusalAsync(response, scope, repository, target, RegistryResource.TagList, ct).ConfigureAwait(false);
            await ReadPageAsync(response, walk, "tags", "tag list page", target, visit, ct).ConfigureAwait(false);
            walk.Advance(response.Headers.TryGetValues("Link", out var links) ? links : null);
        }
    }

    /// <summary>One page, read up to <see cref="ListLimits.PageBytes"/>, its names counted by the walk and handed on.</summary>
    private static async Task ReadPageAsync(HttpResponseMessage response, PageWalk walk, string property, string what, string target, Action<string> take, CancellationToken ct)
    {
        var page = await ReadBoundedAsync(response, ListLimits.PageBytes, what, target, ct).ConfigureAwait(false);
        walk.CountBytes(page.Length);
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(page);
            if (json.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object ||
                !json.RootElement.TryGetProperty(property, out var list) || list.ValueKind != System.Text.Json.JsonValueKind.Array) return;
            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != System.Text.Json.JsonValueKind.String) continue;
                walk.CountName();
                take(item.GetString()!);
            }
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new RegistryException(RegistryErrorKind.ProtocolError, target, $"The {what} of {target} is not JSON: {e.Message}", e);
        }
    }

    /// <summary>Abandons an upload session (used to prove push rights without writing anything).</summary>
    public async Task CancelUploadAsync(Uri location, string repository, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, location), RegistryScope.Push(repository), Address.Host, ct).ConfigureAwait(false);
    }

    private static string? HeaderDigest(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;

    private Uri Location(HttpResponseMessage response, string target)
    {
        var location = response.Headers.Location
            ?? throw new RegistryException(RegistryErrorKind.ProtocolError, target, $"{Address.Host} opened an upload without a Location.");
        return location.IsAbsoluteUri ? location : new Uri(Address.BaseUri, location);
    }
}
