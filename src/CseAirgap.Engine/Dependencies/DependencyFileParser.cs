using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.RegularExpressions;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Dependencies;

/// <summary>
/// Reads VMware's artifact format: one image a line as <c>registry repository tag</c> (spaces or tabs),
/// or a single full reference, since admins edit these files by hand. <c>#</c> at the start disables a line;
/// a <c># comment</c> after an image is ignored.
/// </summary>
public static class DependencyFileParser
{
    private static readonly Regex Fields = new(@"[ \t]+", RegexOptions.CultureInvariant);

    public static void Parse(string path, Action<DependencyLine> onImage, Action<DependencyLineError> onError)
    {
        // StreamReader drops a UTF-8 BOM and reads CRLF and LF alike.
        using var reader = new StreamReader(path, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
        var number = 0;
        string? text;
        while ((text = reader.ReadLine()) != null)
        {
            number++;
            var line = text.Trim();
            if (line.Length == 0) continue;
            var enabled = true;
            if (line.StartsWith("#", StringComparison.Ordinal))
            {
                enabled = false;
                line = line.TrimStart('#').Trim();
                // A disabled line that is prose, not an image, is a comment: nothing to report.
                if (line.Length == 0 || !TryRead(line, out var disabled, out _)) continue;
                onImage(new DependencyLine(disabled!, false, path, number));
                continue;
            }
            if (TryRead(line, out var reference, out var error))
                onImage(new DependencyLine(reference!, enabled, path, number));
            else
                onError(new DependencyLineError(path, number, text, error!));
        }
    }

    private static bool LooksLikeHost(string field) => field.Contains(".") || field.Contains(":") || field == "localhost";

    /// <summary>Reads one line's image: three fields, or one full reference; a trailing comment is dropped.</summary>
    public static bool TryRead(string line, out ImageReference? reference, out string? error)
    {
        var hash = line.IndexOf(" #", StringComparison.Ordinal);
        if (hash < 0) hash = line.IndexOf("\t#", StringComparison.Ordinal);
        if (hash >= 0) line = line.Substring(0, hash);
        var fields = Fields.Split(line.Trim());
        if (fields.Length == 3 && !LooksLikeHost(fields[0]))
        {
            reference = null;
            error = $"the first field '{fields[0]}' is not a registry host (such as projects.registry.vmware.com)";
            return false;
        }
        if (fields.Length == 3)
        {
            var separator = fields[2].StartsWith("sha256:", StringComparison.Ordinal) ? "@" : ":";
            return ImageReference.TryParse($"{fields[0]}/{fields[1].Trim('/')}{separator}{fields[2]}", out reference, out error);
        }
        if (fields.Length == 1 && fields[0].Contains("/"))
            return ImageReference.TryParse(fields[0], out reference, out error);
        reference = null;
        error = $"expected '<registry> <repository> <tag>' or one full reference such as projects.registry.vmware.com/tkg/pause:3.9, found {fields.Length} fields";
        return false;
    }
}
