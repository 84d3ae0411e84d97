using System.Text;

namespace CseAirgap.Engine.Failures;

/// <summary>
/// Text that came from outside (an error body, a header, a name in an archive or a manifest) made safe to show: a
/// terminal acts on control characters, so a registry could retitle the window (ESC ]0;…BEL), erase a line
/// (ESC [2K), paint a fake success message or conceal the real one (ESC [8m). Every C0 and C1 control character and
/// DEL is shown as a visible escape (\x1b) instead, and so are the Unicode marks that reorder or break a line
/// (bidi overrides and isolates, line and paragraph separators), which can make text read as something else.
/// Our own messages hold none of these, so escaping a whole message never changes what the module itself says.
/// </summary>
public static class RemoteText
{
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? string.Empty;
        var at = 0;
        while (at < text!.Length && !NeedsEscape(text[at])) at++;
        if (at == text.Length) return text;
        var safe = new StringBuilder(text.Length + 16);
        safe.Append(text, 0, at);
        for (; at < text.Length; at++)
        {
            var c = text[at];
            if (!NeedsEscape(c)) safe.Append(c);
            else if (c <= 0xFF) safe.Append("\\x").Append(((int)c).ToString("x2"));
            else safe.Append("\\u").Append(((int)c).ToString("x4"));
        }
        return safe.ToString();
    }

    /// <summary>True when <paramref name="text"/> holds nothing <see cref="Escape"/> would change.</summary>
    public static bool IsSafe(string? text)
    {
        if (text == null) return true;
        foreach (var c in text)
            if (NeedsEscape(c)) return false;
        return true;
    }

    private static bool NeedsEscape(char c) =>
        c < 0x20 || (c >= 0x7F && c <= 0x9F)
        || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069')
        || c == '\u2028' || c == '\u2029';
}
