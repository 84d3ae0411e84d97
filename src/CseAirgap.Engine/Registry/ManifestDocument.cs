using System;
using System.Collections.Generic;
using System.Text.Json;

namespace CseAirgap.Engine.Registry;

/// <summary>A content descriptor: what a manifest points at.</summary>
public sealed class Descriptor
{
    public Descriptor(string mediaType, Digest digest, long size, string? platform)
    {
        MediaType = mediaType;
        Digest = digest;
        Size = size;
        Platform = platform;
    }

    public string MediaType { get; }
    public Digest Digest { get; }
    public long Size { get; }

    /// <summary>os/architecture[/variant] for an index entry; null elsewhere.</summary>
    public string? Platform { get; }
}

/// <summary>
/// A manifest or index as fetched: the exact bytes (never re-serialised, so the digest survives the copy)
/// and what they point at.
/// </summary>
public sealed class ManifestDocument
{
    private ManifestDocument(byte[] bytes, string mediaType, Digest digest, IReadOnlyList<Descriptor> blobs, IReadOnlyList<Descriptor> children)
    {
        Bytes = bytes;
        MediaType = mediaType;
        Digest = digest;
        Blobs = blobs;
        Children = children;
    }

    public byte[] Bytes { get; }
    public string MediaType { get; }
    public Digest Digest { get; }

    /// <summary>Config and layers of an image manifest; empty for an index.</summary>
    public IReadOnlyList<Descriptor> Blobs { get; }

    /// <summary>The platform manifests of an index; empty for an image manifest.</summary>
    public IReadOnlyList<Descriptor> Children { get; }

    public bool IsIndex => MediaTypes.IsIndex(MediaType);

    /// <summary>The digest of these bytes with the algorithm of <paramref name="other"/> (sha256 or sha512).</summary>
    public Digest DigestLike(Digest other) => other.Algorithm == Digest.Algorithm ? Digest : Digest.Of(Bytes, other);

    /// <summary>
    /// This document checked against the digest it was asked for, with that digest's own algorithm, and against the
    /// size its descriptor gave where that is known; returned under that digest, so a child an index names by sha512
    /// keeps that name wherever it is written. Anything else is a substitution, refused as DigestMismatch.
    /// </summary>
    /// <param name="culprit">Who could have altered it, for the message: "the registry or a proxy altered it".</param>
    public ManifestDocument VerifiedAgainst(Digest expected, long? size, string target, string culprit)
    {
        if (size is long declared && declared != Bytes.Length)
            throw new RegistryException(RegistryErrorKind.DigestMismatch, target,
                $"The manifest of {target} is {Bytes.Length} bytes where {declared} were named with its digest {expected}: {culprit}.");
        var actual = DigestLike(expected);
        if (actual != expected)
            throw new RegistryException(RegistryErrorKind.DigestMismatch, target, $"The manifest of {target} hashes to {actual}, not {expected}: {culprit}.");
        return expected == Digest ? this : new ManifestDocument(Bytes, MediaType, expected, Blobs, Children);
    }

    /// <param name="contentType">The Content-Type the registry sent; the document's own mediaType wins when present.</param>
    public static ManifestDocument Parse(byte[] bytes, string? contentType, string target)
    {
        try
        {
            using var json = JsonDocument.Parse(bytes);
            var root = json.RootElement;
            var mediaType = root.TryGetProperty("mediaType", out var mt) && mt.ValueKind == JsonValueKind.String
                ? mt.GetString()!
                : contentType?.Split(';')[0].Trim() ?? string.Empty;
            if (mediaType.Length == 0)
                mediaType = root.TryGetProperty("manifests", out _) ? MediaTypes.OciIndex : MediaTypes.OciManifest;
            if (!MediaTypes.IsIndex(mediaType) && !MediaTypes.IsManifest(mediaType))
                throw new RegistryException(RegistryErrorKind.UnsupportedMediaType, target,
                    $"{target} is a '{mediaType}', which cannot be copied unchanged: only Docker schema 2 and OCI manifests and indexes are supported.");

            var blobs = new List<Descriptor>();
            var children = new List<Descriptor>();
            if (MediaTypes.IsIndex(mediaType))
            {
                foreach (var m in root.GetProperty("manifests").EnumerateArray()) children.Add(ReadDescriptor(m, target));
            }
            else
            {
                blobs.Add(ReadDescriptor(root.GetProperty("config"), target));
                foreach (var l in root.GetProperty("layers").EnumerateArray()) blobs.Add(ReadDescriptor(l, target));
            }
            return new ManifestDocument(bytes, mediaType, Digest.Sha256Of(bytes), blobs, children);
        }
        catch (Exception e) when (e is JsonException || e is KeyNotFoundException || e is InvalidOperationException)
        {
            throw new RegistryException(RegistryErrorKind.ProtocolError, target, $"The manifest of {target} is not valid JSON of a known shape: {e.Message}", e);
        }
    }

    private static long ReadSize(JsonElement e, string target)
    {
        var size = e.GetProperty("size").GetInt64();
        if (size < 0) throw new RegistryException(RegistryErrorKind.ProtocolError, target, $"{target} names a blob of {size} bytes.");
        return size;
    }

    private static Descriptor ReadDescriptor(JsonElement e, string target)
    {
        string? platform = null;
        if (e.TryGetProperty("platform", out var p))
        {
            platform = p.GetProperty("os").GetString() + "/" + p.GetProperty("architecture").GetString();
            if (p.TryGetProperty("variant", out var v)) platform += "/" + v.GetString();
        }
        return new Descriptor(
            e.TryGetProperty("mediaType", out var mt) ? mt.GetString() ?? string.Empty : string.Empty,
            Digest.Parse(e.GetProperty("digest").GetString(), target),
            ReadSize(e, target),
            platform);
    }
}
