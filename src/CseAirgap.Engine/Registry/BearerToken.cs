using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// A token from a registry's token service. The grant (JWT <c>access</c> claim) is read, not verified:
/// it only serves to tell "wrong password" from "push not granted on this repository" (Harbor answers both as 401).
/// </summary>
internal sealed class BearerToken
{
    private BearerToken(string value, DateTimeOffset expires, IReadOnlyList<string> grants)
    {
        Value = value;
        Expires = expires;
        Grants = grants;
    }

    public string Value { get; }
    public DateTimeOffset Expires { get; }

    /// <summary>"repository:name:action" for every action granted; empty when the token is opaque.</summary>
    public IReadOnlyList<string> Grants { get; }

    public bool IsValid => DateTimeOffset.UtcNow < Expires;

    public bool Allows(string repository, string action) =>
        Grants.Contains($"repository:{repository}:{action}") || Grants.Contains($"repository:{repository}:*");

    public static BearerToken FromResponse(byte[] body, string target)
    {
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        var value = root.TryGetProperty("token", out var t) ? t.GetString()
            : root.TryGetProperty("access_token", out var a) ? a.GetString() : null;
        if (string.IsNullOrEmpty(value))
            throw new RegistryException(RegistryErrorKind.ProtocolError, target, $"The token service of {target} answered without a token.");
        var lifetime = root.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var s) && s > 0 ? s : 60;
        // Renew a little early so a token never expires mid-request.
        var expires = DateTimeOffset.UtcNow.AddSeconds(Math.Max(10, lifetime - 10));
        return new BearerToken(value!, expires, ReadGrants(value!));
    }

    private static IReadOnlyList<string> ReadGrants(string jwt)
    {
        var grants = new List<string>();
        var parts = jwt.Split('.');
        if (parts.Length != 3) return grants;
        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=');
            using var json = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload)));
            if (!json.RootElement.TryGetProperty("access", out var access) || access.ValueKind != JsonValueKind.Array) return grants;
            foreach (var entry in access.EnumerateArray())
            {
                var type = entry.GetProperty("type").GetString();
                var name = entry.GetProperty("name").GetString();
                foreach (var action in entry.GetProperty("actions").EnumerateArray())
                    grants.Add($"{type}:{name}:{action.GetString()}");
            }
        }
        catch (Exception e) when (e is FormatException || e is JsonException || e is KeyNotFoundException || e is InvalidOperationException)
        {
            // An opaque token is legal; we just cannot explain a refusal as precisely.
        }
        return grants;
    }
}
