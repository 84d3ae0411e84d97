using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Xml;

namespace CseAirgap.Engine.Vcd;

/// <summary>
/// The API versions a VCD lists at GET /api/versions (XML SupportedVersions/VersionInfo/Version, or the JSON form
/// versionInfo[].version), and the one this module speaks: the highest listed, if it is 35.0 or later (the first with
/// the defined-entity endpoints CSE's configuration lives behind).
/// </summary>
public static class VcdApiVersions
{
    public static readonly Version Minimum = new(35, 0);

    /// <summary>The versions in an answer; entries that are not numbers are skipped.</summary>
    public static IReadOnlyList<string> Parse(byte[] body, string? contentType)
    {
        var found = new List<string>();
        if (contentType != null && contentType.IndexOf("json", StringComparison.OrdinalIgnoreCase) >= 0)
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("versionInfo", out var list) && list.ValueKind == JsonValueKind.Array)
                foreach (var info in list.EnumerateArray())
                    if (info.ValueKind == JsonValueKind.Object && info.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.String)
                        found.Add(v.GetString()!);
            return found;
        }
        // Untrusted XML: no DTD, no external entities, bounded by the caller's read.
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true };
        using var reader = XmlReader.Create(new MemoryStream(body), settings);
        while (reader.Read())
            if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "Version")
                found.Add(reader.ReadElementContentAsString().Trim());
        return found;
    }

    /// <summary>The highest version listed that is at least <see cref="Minimum"/>, or null.</summary>
    public static string? Choose(IEnumerable<string> listed) =>
        listed.Select(text => (Text: text, Number: ToVersion(text)))
            .Where(v => v.Number != null && v.Number >= Minimum)
            .OrderByDescending(v => v.Number)
            .Select(v => v.Text)
            .FirstOrDefault();

    private static Version? ToVersion(string text)
    {
        // "38.0", "37.2"; a suffix such as "-alpha" is not a release a script should pick.
        if (!Version.TryParse(text, out var version)) return null;
        return new Version(version.Major, Math.Max(0, version.Minor));
    }
}
