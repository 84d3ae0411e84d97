using System;
using System.IO;
using System.Net;
using System.Text;
using System.Text.Json;
using CseAirgap.Engine.Registry.Logins;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// Reads the logins of the Docker CLI config file (<c>$DOCKER_CONFIG/config.json</c>, else
/// <c>~/.docker/config.json</c>, which is <c>%USERPROFILE%\.docker\config.json</c> on Windows), so a host
/// the admin already logged in to with <c>docker login</c> needs no -Credential.
/// As the Docker CLI does, a host named in <c>credHelpers</c> asks that helper, any other host asks the
/// <c>credsStore</c> helper (Docker Desktop's <c>desktop</c> is one), and the inline <c>auths</c> entry is the last
/// resort. Helpers run under <see cref="CredentialHelper"/>'s limits; one that is missing or fails means no login.
/// </summary>
public static class DockerConfigCredentials
{
    public static string DefaultPath()
    {
        var dir = Environment.GetEnvironmentVariable("DOCKER_CONFIG");
        if (string.IsNullOrEmpty(dir))
            dir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");
        return Path.Combine(dir!, "config.json");
    }

    public static NetworkCredential? Find(string host, string? configPath = null) => Find(host, configPath, CredentialHelper.Default, null);

    /// <param name="helpers">How credential helpers are found and run (tests give a PATH and short limits).</param>
    /// <param name="log">Verbose lines: which helper was asked and why it gave nothing; never a secret.</param>
    public static NetworkCredential? Find(string host, string? configPath, CredentialHelper helpers, Action<string>? log)
    {
        var path = configPath ?? DefaultPath();
        if (!File.Exists(path)) return null;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            var helper = HelperFor(root, host);
            if (helper != null)
            {
                var fromHelper = helpers.Get(helper, ServerUrl(host), log);
                if (fromHelper != null) return fromHelper;
            }
            return Inline(root, host);
        }
        catch (Exception e) when (e is JsonException || e is FormatException || e is IOException)
        {
            // A damaged config file must not stop an anonymous copy; the registry will say if it needs credentials.
        }
        return null;
    }

    /// <summary>The helper name for a host: its credHelpers entry, else credsStore, else none.</summary>
    private static string? HelperFor(JsonElement root, string host)
    {
        if (root.TryGetProperty("credHelpers", out var perHost) && perHost.ValueKind == JsonValueKind.Object)
            foreach (var entry in perHost.EnumerateObject())
                if (entry.Value.ValueKind == JsonValueKind.String && string.Equals(HostOf(entry.Name), HostOf(host), StringComparison.OrdinalIgnoreCase))
                    return entry.Value.GetString();
        return root.TryGetProperty("credsStore", out var store) && store.ValueKind == JsonValueKind.String && store.GetString()!.Length > 0 ? store.GetString() : null;
    }

    /// <summary>What the Docker CLI gives a helper for a host: the host itself, and Docker Hub's historical URL for Docker Hub.</summary>
    internal static string ServerUrl(string host) => HostOf(host) == ImageReference.DockerHub ? "https://index.docker.io/v1/" : host;

    private static NetworkCredential? Inline(JsonElement root, string host)
    {
        if (!root.TryGetProperty("auths", out var auths) || auths.ValueKind != JsonValueKind.Object) return null;
        foreach (var entry in auths.EnumerateObject())
        {
            if (!string.Equals(HostOf(entry.Name), HostOf(host), StringComparison.OrdinalIgnoreCase)) continue;
            if (entry.Value.ValueKind != JsonValueKind.Object || !entry.Value.TryGetProperty("auth", out var auth) || auth.ValueKind != JsonValueKind.String) continue;
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth.GetString()!));
            var colon = decoded.IndexOf(':');
            if (colon <= 0) continue;
            return new NetworkCredential(decoded.Substring(0, colon), decoded.Substring(colon + 1));
        }
        return null;
    }

    /// <summary>
    /// The host a config key or a registry address names, with Docker Hub's many names made one: <c>docker login</c>
    /// writes <c>https://index.docker.io/v1/</c> (or <c>docker.io</c>) while its API answers at <c>registry-1.docker.io</c>.
    /// Keys are written as "host", "host:port", "https://host/v1/" and so on.
    /// </summary>
    public static string HostOf(string key)
    {
        var k = key.Trim().ToLowerInvariant();
        var scheme = k.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) k = k.Substring(scheme + 3);
        var slash = k.IndexOf('/');
        if (slash >= 0) k = k.Substring(0, slash);
        return k == "index.docker.io" || k == "registry-1.docker.io" || k == "registry.hub.docker.com" ? ImageReference.DockerHub : k;
    }
}
