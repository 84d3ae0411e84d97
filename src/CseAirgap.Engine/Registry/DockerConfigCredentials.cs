using System;
using System.IO;
using System.Net;
using System.Text;
using System.Text.Json;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// Reads the <c>auths</c> of the Docker CLI config file (<c>$DOCKER_CONFIG/config.json</c>, else
/// <c>~/.docker/config.json</c>, which is <c>%USERPROFILE%\.docker\config.json</c> on Windows), so a host
/// the admin already logged in to with <c>docker login</c> needs no -Credential.
/// Credential helpers (<c>credsStore</c>) are not run: they are external programs.
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

    public static NetworkCredential? Find(string host, string? configPath = null)
    {
        var path = configPath ?? DefaultPath();
        if (!File.Exists(path)) return null;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(path));
            if (!json.RootElement.TryGetProperty("auths", out var auths) || auths.ValueKind != JsonValueKind.Object) return null;
            foreach (var entry in auths.EnumerateObject())
            {
                if (!string.Equals(HostOf(entry.Name), HostOf(host), StringComparison.OrdinalIgnoreCase)) continue;
                if (!entry.Value.TryGetProperty("auth", out var auth) || auth.ValueKind != JsonValueKind.String) continue;
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth.GetString()!));
                var colon = decoded.IndexOf(':');
                if (colon <= 0) continue;
                return new NetworkCredential(decoded.Substring(0, colon), decoded.Substring(colon + 1));
            }
        }
        catch (Exception e) when (e is JsonException || e is FormatException || e is IOException)
        {
            // A damaged config file must not stop an anonymous copy; the registry will say if it needs credentials.
        }
        return null;
    }

    /// <summary>
    /// The host a config key or a registry address names, with Docker Hub's many names made one: <c>docker login</c>
    /// writes <c>https://index.docker.io/v1/</c> (or <c>docker.io</c>) while its API answers at <c>registry-1.docker.io</c>.
    /// Keys are written as "host", "host:port", "https://host/v1/" and so on.
    /// </summary>
    internal static string HostOf(string key)
    {
        var k = key.Trim().ToLowerInvariant();
        var scheme = k.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) k = k.Substring(scheme + 3);
        var slash = k.IndexOf('/');
        if (slash >= 0) k = k.Substring(0, slash);
        return k == "index.docker.io" || k == "registry-1.docker.io" || k == "registry.hub.docker.com" ? ImageReference.DockerHub : k;
    }
}
