using System;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// Where a registry answers: its host (as references name it), the scheme to use and, for a
/// destination base, the path prefix under which everything lands (<c>harbor.corp.local/cse</c>).
/// </summary>
public sealed class RegistryAddress
{
    private RegistryAddress(string host, bool useHttps, string? pathPrefix)
    {
        Host = host;
        UseHttps = useHttps;
        PathPrefix = pathPrefix;
    }

    /// <summary>host[:port], as it appears in image references.</summary>
    public string Host { get; }
    public bool UseHttps { get; }
    public string? PathPrefix { get; }
    public Uri BaseUri => new((UseHttps ? "https://" : "http://") + Host + "/");

    /// <summary>
    /// Parses <c>[https://|http://]host[:port][/prefix]</c>; HTTPS unless written http://. Anything else fails as a
    /// <see cref="RegistryException"/> of kind <see cref="RegistryErrorKind.InvalidRegistry"/>.
    /// </summary>
    public static RegistryAddress Parse(string text)
    {
        var value = (text ?? string.Empty).Trim().TrimEnd('/');
        if (value.Length == 0) throw Invalid(text, "The registry is empty: give host[:port][/prefix], for example harbor.corp.local/cse.");
        var useHttps = true;
        var schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd >= 0)
        {
            var scheme = value.Substring(0, schemeEnd).ToLowerInvariant();
            if (scheme == "http") useHttps = false;
            else if (scheme != "https")
                throw Invalid(text, $"'{text}' uses the scheme '{scheme}': a registry is reached over https:// (the default) or http://.");
            value = value.Substring(schemeEnd + 3);
        }
        var slash = value.IndexOf('/');
        var host = slash < 0 ? value : value.Substring(0, slash);
        var prefix = slash < 0 ? null : value.Substring(slash + 1).Trim('/');
        if (host.Length == 0 || host.IndexOfAny(new[] { ' ', '@', '?', '#' }) >= 0)
            throw Invalid(text, $"'{text}' does not name a registry host: give host[:port][/prefix].");
        if (prefix != null && prefix.Length > 0 && prefix.ToLowerInvariant() != prefix)
            throw Invalid(text, $"The path '{prefix}' in '{text}' has upper-case letters; registry paths are lower-case.");
        return new RegistryAddress(host.ToLowerInvariant(), useHttps, string.IsNullOrEmpty(prefix) ? null : prefix);
    }

    /// <summary>A registry written wrongly: the error InvalidRegistry, about the text as given.</summary>
    private static RegistryException Invalid(string? text, string message) =>
        new(RegistryErrorKind.InvalidRegistry, text ?? string.Empty, message);

    public override string ToString() => PathPrefix == null ? Host : Host + "/" + PathPrefix;
}
