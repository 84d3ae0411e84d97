using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// Opens a blob for reading, in order, from the start: a large one (<see cref="RangedFetchSettings.Threshold"/>) as bounded
/// ranges fetched over several connections (<see cref="PartedBlobStream"/>), anything else, or a blob whose server will
/// not serve ranges, as one GET that resumes where it was cut (<see cref="ResumingBlobStream"/>). Either way the reader
/// sees one stream of the blob's bytes, so the digest is checked as they pass and the upload stays one pass.
/// </summary>
internal static class RangedBlobFetch
{
    public static async Task<Stream> OpenAsync(RegistryClient client, string repository, Descriptor blob, CancellationToken ct)
    {
        // The blob's own connection, held until the stream is disposed.
        var own = await client.DownloadBudget.TakeAsync(ct).ConfigureAwait(false);
        try
        {
            return await OpenAsync(client, repository, blob, own, ct).ConfigureAwait(false);
        }
        catch
        {
            own.Dispose();
            throw;
        }
    }

    private static async Task<Stream> OpenAsync(RegistryClient client, string repository, Descriptor blob, IDisposable own, CancellationToken ct)
    {
        var settings = client.RangedFetch;
        var digest = blob.Digest.Value;
        if (blob.Size < Math.Max(1, settings.Threshold) || settings.PartsInFlight < 2 || blob.Size <= settings.PartSize)
            return await OpenWholeAsync(client, repository, blob, own, resumable: true, ct).ConfigureAwait(false);

        // The first part asks whether the server serves ranges at all; its answer is used whatever it is.
        var probe = await client.GetBlobRangeAsync(repository, digest, 0, settings.PartSize - 1, ct).ConfigureAwait(false);
        if (probe.StatusCode == HttpStatusCode.OK)
        {
            // The server ignored Range: this answer is the whole blob, and fetching it again would cost it twice.
            client.Note($"{client.Address.Host} ignored a Range request for {digest}; it is read in one piece.");
            return new ResumingBlobStream(client, repository, digest, blob.Size, probe, own, resumable: false);
        }
        if (BlobRange.IsExactly(probe, 0, settings.PartSize - 1, blob.Size))
            return new PartedBlobStream(client, repository, digest, blob.Size, settings, probe, own, ct);

        // A wrong 206, or a refusal (storage behind a redirect that will not serve ranges): nothing of it is trusted.
        client.Note($"{client.Address.Host} answered HTTP {(int)probe.StatusCode} to a Range request for {digest} " +
            $"({BlobRange.Describe(probe)}); it is read in one piece.");
        probe.Dispose();
        return await OpenWholeAsync(client, repository, blob, own, resumable: false, ct).ConfigureAwait(false);
    }

    private static async Task<Stream> OpenWholeAsync(RegistryClient client, string repository, Descriptor blob, IDisposable own, bool resumable, CancellationToken ct)
    {
        var response = await client.OpenBlobAsync(repository, blob.Digest.Value, ct).ConfigureAwait(false);
        return new ResumingBlobStream(client, repository, blob.Digest.Value, blob.Size, response, own, resumable);
    }
}

/// <summary>The checks on a 206: exactly the bytes asked for, of a blob of the size expected.</summary>
internal static class BlobRange
{
    public static bool IsExactly(HttpResponseMessage response, long first, long last, long size)
    {
        if (response.StatusCode != HttpStatusCode.PartialContent) return false;
        var range = response.Content.Headers.ContentRange;
        if (range == null || !string.Equals(range.Unit, "bytes", StringComparison.OrdinalIgnoreCase)) return false;
        if (range.From != first || range.To != last) return false;
        if (range.Length.HasValue && range.Length.Value != size) return false;
        var declared = response.Content.Headers.ContentLength;
        return !declared.HasValue || declared.Value == last - first + 1;
    }

    /// <summary>For a message: what came back in place of the range (headers only, escaped).</summary>
    public static string Describe(HttpResponseMessage response) =>
        Failures.RemoteText.Escape($"Content-Range: {response.Content.Headers.ContentRange?.ToString() ?? "none"}, " +
            $"Content-Length: {response.Content.Headers.ContentLength?.ToString() ?? "none"}");

    public static RegistryException Refused(RegistryClient client, string digest, long first, long last, HttpResponseMessage response) =>
        new(RegistryErrorKind.ProtocolError, $"{client.Address.Host}@{digest}",
            $"{client.Address.Host} answered HTTP {(int)response.StatusCode} ({Describe(response)}) to a request for bytes {first}-{last} of {digest}; " +
            "the answer was not used.") { TransferMayRestart = true };

    /// <summary>
    /// A cut this stream has already asked again for as often as the policy allows: the transfer layer must not start
    /// the blob over on top of that (its attempts would multiply with ours), so it is no longer marked restartable.
    /// </summary>
    public static Exception Exhausted(Exception cut, string target) => cut is RegistryException r
        ? new RegistryException(r.Kind, r.Target, r.Message, r) { TransferMayRestart = false }
        : new RegistryException(RegistryErrorKind.Unreachable, target, cut.Message, cut) { TransferMayRestart = false };

    /// <summary>Whether a failure while reading a body is a cut (worth asking for the rest) rather than a refusal.</summary>
    public static bool IsCut(Exception e) =>
        RetryPolicy.IsWorthRetryingTransfer(e) || e is IOException || e is HttpRequestException;
}
