using System;
using System.Linq;
using System.Text.Json.Nodes;

namespace CseAirgap.Engine.Vcd;

/// <summary>
/// The entity as it may be written to disk: CSE's configuration holds secrets (githubConfig.githubPersonalAccessToken,
/// and whatever a later CSE adds), and no secret is ever written by the module. A string under a name that says
/// token, password, secret or key is replaced by a marker; everything else keeps its value and its number text.
/// </summary>
public static class SecretRedaction
{
    public const string Marker = "<removed by CseAirgap: secrets are never written to disk; re-enter it in CSE Management>";

    private static readonly string[] SecretWords = { "token", "password", "passwd", "secret", "apikey", "privatekey", "credential" };

    /// <summary>A copy of <paramref name="entity"/>'s tree with every secret string replaced; the count replaced.</summary>
    public static (byte[] Json, int Removed) Redact(VcdKeConfigEntity entity)
    {
        var copy = JsonNode.Parse(entity.Original)!;
        var removed = Walk(copy);
        // Written as every PUT is: a parsed number keeps its text.
        return (VcdKeConfigEntity.Serialize(copy), removed);
    }

    public static bool IsSecretName(string name)
    {
        var folded = name.Replace("_", string.Empty).Replace("-", string.Empty).ToLowerInvariant();
        return SecretWords.Any(w => folded.Contains(w));
    }

    private static int Walk(JsonNode? node)
    {
        var removed = 0;
        switch (node)
        {
            case JsonObject obj:
                foreach (var name in obj.Select(p => p.Key).ToList())
                {
                    if (IsSecretName(name) && obj[name] is JsonValue v && v.TryGetValue<string>(out var text) && text.Length > 0)
                    {
                        obj[name] = Marker;
                        removed++;
                    }
                    else removed += Walk(obj[name]);
                }
                break;
            case JsonArray array:
                foreach (var item in array) removed += Walk(item);
                break;
        }
        return removed;
    }
}
