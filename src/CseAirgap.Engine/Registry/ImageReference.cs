using System;
using System.Text.RegularExpressions;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// An image reference as admins write it: <c>host[:port]/path[:tag][@sha256:hex]</c> (or <c>@sha512:hex</c>).
/// A reference without a registry host means Docker Hub, as the Docker CLI reads it.
/// </summary>
public sealed class ImageReference : IEquatable<ImageReference>
{
    public const string DockerHub = "docker.io";

    private static readonly Regex PathPattern = new(
        @"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$",
        RegexOptions.CultureInvariant);
    private static readonly Regex TagPattern = new(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", RegexOptions.CultureInvariant);
    private static readonly Regex DigestPattern = new(@"^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$", RegexOptions.CultureInvariant);

    public ImageReference(string registry, string repository, string? tag, string? digest)
    {
        if (string.IsNullOrEmpty(registry)) throw new ArgumentException("A registry host is required.", nameof(registry));
        if (!PathPattern.IsMatch(repository))
            throw new FormatException($"'{Failures.RemoteText.Escape(repository)}' is not a valid repository path: use lower-case letters, digits, '.', '_', '-' and '/'.");
        if (tag != null && !TagPattern.IsMatch(tag))
            throw new FormatException($"'{Failures.RemoteText.Escape(tag)}' is not a valid tag.");
        if (digest != null && !DigestPattern.IsMatch(digest))
            throw new FormatException($"'{Failures.RemoteText.Escape(digest)}' is not a valid digest: expected sha256: and 64 lower-case hex digits (or sha512: and 128).");
        Registry = registry;
        Repository = repository;
        Digest = digest;
        Tag = tag ?? (digest == null ? "latest" : null);
    }

    public string Registry { get; }
    public string Repository { get; }
    public string? Tag { get; }
    public string? Digest { get; }

    /// <summary>The tag if there is one, else the digest: what a manifest request names.</summary>
    public string ManifestReference => Digest ?? Tag!;

    public static ImageReference Parse(string text)
    {
        if (!TryParse(text, out var reference, out var error)) throw new FormatException(error);
        return reference!;
    }

    public static bool TryParse(string text, out ImageReference? reference, out string? error)
    {
        reference = null;
        error = null;
        var value = (text ?? string.Empty).Trim();
        if (value.Length == 0)
        {
            error = "The image reference is empty.";
            return false;
        }
        if (value.Contains("://"))
        {
            error = $"'{Failures.RemoteText.Escape(value)}' is a URL, not an image reference: write host/path:tag (for example projects.registry.vmware.com/tkg/pause:3.9).";
            return false;
        }

        string? digest = null;
        var at = value.IndexOf('@');
        if (at >= 0)
        {
            digest = value.Substring(at + 1);
            value = value.Substring(0, at);
        }

        string? tag = null;
        var lastSlash = value.LastIndexOf('/');
        var colon = value.LastIndexOf(':');
        if (colon > lastSlash)
        {
            tag = value.Substring(colon + 1);
            value = value.Substring(0, colon);
        }

        string registry;
        string path;
        var firstSlash = value.IndexOf('/');
        var first = firstSlash < 0 ? value : value.Substring(0, firstSlash);
        if (firstSlash > 0 && (first.Contains(".") || first.Contains(":") || first == "localhost"))
        {
            registry = first;
            path = value.Substring(firstSlash + 1);
        }
        else
        {
            registry = DockerHub;
            path = firstSlash < 0 ? "library/" + value : value;
        }

        try
        {
            reference = new ImageReference(registry, path, tag, digest);
            return true;
        }
        catch (FormatException e)
        {
            // References come from BOMs and locks too: what is quoted back is escaped (Failures.RemoteText).
            error = $"'{Failures.RemoteText.Escape(text)}' is not a valid image reference: {e.Message}";
            return false;
        }
    }

    /// <summary>The same image under another registry and path prefix: how a dependency lands at the base.</summary>
    public ImageReference Relocate(string registry, string? pathPrefix) =>
        new(registry, string.IsNullOrEmpty(pathPrefix) ? Repository : pathPrefix!.TrimEnd('/') + "/" + Repository, Tag, Digest);

    public ImageReference WithDigest(string digest) => new(Registry, Repository, Tag, digest);

    public override string ToString()
    {
        var s = Registry + "/" + Repository;
        if (Tag != null) s += ":" + Tag;
        if (Digest != null) s += "@" + Digest;
        return s;
    }

    public bool Equals(ImageReference? other) => other != null && ToString() == other.ToString();
    public override bool Equals(object? obj) => Equals(obj as ImageReference);
    public override int GetHashCode() => ToString().GetHashCode();
}
