using System;
using System.Collections.Generic;

namespace CseAirgap.Engine.Archive;

/// <summary>
/// What names a file system can hold and when two names are the same file, for the platform the files are written on.
/// Extraction receives one of these instead of asking the OS inline, so Windows' rules (a name of a Debian layer such
/// as <c>libc6:amd64.list</c>, <c>xt_CONNMARK.h</c> beside <c>xt_connmark.h</c>, a file called <c>aux.h</c>) run in
/// the tests on Linux as they would on a Windows host.
/// </summary>
public abstract class PathRules
{
    public static PathRules Unix { get; } = new UnixPathRules();
    public static PathRules Windows { get; } = new WindowsPathRules();

    /// <summary>The rules of the OS this process runs on.</summary>
    public static PathRules ForThisPlatform => FileSystemLinks.IsUnix ? Unix : Windows;

    /// <summary>How names are compared to tell whether two of them are one file (Windows folds case).</summary>
    public abstract StringComparer NameComparer { get; }

    public bool FoldsCase => !ReferenceEquals(NameComparer, StringComparer.Ordinal);

    /// <summary>Whether extraction makes symbolic links (never on Windows: it needs a privilege a scheduled task lacks, and .NET Framework has no API).</summary>
    public abstract bool CreatesSymbolicLinks { get; }

    /// <summary>Why a single path component cannot be a file name here, or null when it can.</summary>
    public abstract string? WhyNotHoldable(string name);

    /// <summary>The form of a full path to hand to the OS (Windows: the <c>\\?\</c> form past the 260-character limit).</summary>
    public abstract string ForOs(string fullPath);
}

internal sealed class UnixPathRules : PathRules
{
    public override StringComparer NameComparer => StringComparer.Ordinal;

    public override bool CreatesSymbolicLinks => FileSystemLinks.CanCreateSymbolicLinks;

    // Only '/' and NUL, which EntryName and ConfinedRoot already refuse as unsafe.
    public override string? WhyNotHoldable(string name) => null;

    public override string ForOs(string fullPath) => fullPath;
}

/// <summary>
/// Win32's naming rules (learn.microsoft.com, "Naming Files, Paths, and Namespaces"): no <c>&lt;&gt;:"/\|?*</c> and no
/// character below 32 (on .NET Framework they throw ArgumentException, and ':' names an NTFS stream); no name ending in
/// '.' or ' ' (Win32 strips them, so "foo." is "foo"); no device name (CON, PRN, AUX, NUL, COM0-9, LPT0-9, and their
/// superscript-digit forms), with or without an extension, since "aux.h" opens the AUX device on the Windows versions
/// before 11. Names are compared ignoring case, as NTFS does by default.
/// </summary>
internal sealed class WindowsPathRules : PathRules
{
    // Win32 paths (MAX_PATH 260, less the 12 a folder must leave for an 8.3 child) beyond which the \\?\ form is needed.
    private const int LongestPlainPath = 247;
    private static readonly HashSet<string> Devices = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL",
        "COM0", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "COM\u00B9", "COM\u00B2", "COM\u00B3",
        "LPT0", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "LPT\u00B9", "LPT\u00B2", "LPT\u00B3",
        "CONIN$", "CONOUT$",
    };

    public override StringComparer NameComparer => StringComparer.OrdinalIgnoreCase;

    public override bool CreatesSymbolicLinks => false;

    public override string? WhyNotHoldable(string name)
    {
        foreach (var c in name)
        {
            if (c < 32) return "it holds a control character";
            if (c == ':') return "it holds ':', which Windows reads as a drive or a stream";
            if (c == '<' || c == '>' || c == '"' || c == '|' || c == '?' || c == '*') return $"it holds '{c}', which Windows does not allow in a name";
        }
        var last = name[name.Length - 1];
        if (last == '.' || last == ' ') return "it ends in a dot or a space, which Windows drops (it would become another name)";
        var dot = name.IndexOf('.');
        var stem = (dot < 0 ? name : name.Substring(0, dot)).TrimEnd(' ');
        if (Devices.Contains(stem)) return $"'{stem}' is a Windows device name";
        return null;
    }

    public override string ForOs(string fullPath)
    {
        if (fullPath.Length <= LongestPlainPath || fullPath.StartsWith(@"\\?\", StringComparison.Ordinal)) return fullPath;
        // The \\?\ form is taken literally, so only a full path (X:\... or \\server\share\...) with '\' separators qualifies.
        if (fullPath.Length >= 3 && char.IsLetter(fullPath[0]) && fullPath[1] == ':' && fullPath[2] == '\\') return @"\\?\" + fullPath;
        if (fullPath.StartsWith(@"\\", StringComparison.Ordinal) && fullPath.Length > 2 && fullPath[2] != '.' && fullPath[2] != '?')
            return @"\\?\UNC\" + fullPath.Substring(2);
        return fullPath;
    }
}
