using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CseAirgap.Engine.Vcd;

/// <summary>
/// The vcdKeConfig runtime defined entity as VCD returns it (id, entityType, name, entity, state, owner, org ...), kept
/// as a JSON tree: fields this module does not know go back as they came, and numbers keep their text (1.10 stays
/// 1.10, 3600 stays 3600) because a parsed node writes its original token. Only the fields a change names are touched.
/// </summary>
public sealed class VcdKeConfigEntity
{
    private static readonly JsonWriterOptions WriteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private VcdKeConfigEntity(JsonObject root, string? etag, byte[] original)
    {
        Root = root;
        ETag = etag;
        Original = original;
    }

    /// <summary>The whole defined entity (what PUT sends back).</summary>
    public JsonObject Root { get; }

    /// <summary>The entity's ETag when it was read, for If-Match; null when the server sent none.</summary>
    public string? ETag { get; }

    /// <summary>The bytes as read, for the backup file.</summary>
    public byte[] Original { get; }

    public string Id => Root["id"] is JsonValue v && v.TryGetValue<string>(out var id) ? id : string.Empty;

    public string Name => Root["name"] is JsonValue v && v.TryGetValue<string>(out var name) ? name : string.Empty;

    /// <summary>The configuration itself (entity.profiles ...).</summary>
    public JsonObject Entity => Root["entity"] as JsonObject ?? throw new VcdException(VcdErrorKind.InvalidConfiguration, Id, $"The entity {Id} has no 'entity' object: it is not a vcdKeConfig entity.");

    public static VcdKeConfigEntity Parse(byte[] json, string? etag, string target)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new VcdException(VcdErrorKind.ProtocolError, target, $"{target} answered with an entity that is not JSON: {e.Message}", e);
        }
        if (node is not JsonObject root || root["entity"] is not JsonObject entity)
            throw new VcdException(VcdErrorKind.ProtocolError, target, $"{target} answered with an entity without an 'entity' object.");
        if (entity["profiles"] is not JsonArray profiles || profiles.Count == 0 || profiles[0] is not JsonObject)
            throw new VcdException(VcdErrorKind.InvalidConfiguration, target, $"The vcdKeConfig entity on {target} has no profiles[0]: CSE's server configuration was never completed (CSE Management in the Kubernetes Container Clusters plug-in).");
        return new VcdKeConfigEntity(root, etag, json);
    }

    /// <summary>A copy to change (from the current tree: a change already applied survives), with the same ETag and original bytes.</summary>
    public VcdKeConfigEntity Clone() => new((JsonObject)JsonNode.Parse(Serialize(Root))!, ETag, Original);

    public byte[] ToJson() => Serialize(Root);

    public string? GetString(CseConfigurationField field) =>
        field.Find(Entity) is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public JsonNode? Get(CseConfigurationField field) => field.Find(Entity);

    /// <summary>The PEM strings of a certificate list (entries that are not strings are left out).</summary>
    public IReadOnlyList<string> GetStrings(CseConfigurationField field) =>
        field.Find(Entity) is JsonArray a
            ? a.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s : null).Where(s => s != null).Select(s => s!).ToList()
            : new List<string>();

    internal void Set(CseConfigurationField field, JsonNode? value) => field.Set(Entity, value);

    internal static byte[] Serialize(JsonNode node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriteOptions)) node.WriteTo(writer);
        return buffer.ToArray();
    }

    /// <summary>Whether two values are the same JSON (property order aside), for conflict checks and tests.</summary>
    public static bool SameValue(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);
}
