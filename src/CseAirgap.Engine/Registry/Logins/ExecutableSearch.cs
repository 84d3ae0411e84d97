using System;
using System.IO;
using System.Runtime.InteropServices;

namespace CseAirgap.Engine.Registry.Logins;

/// <summary>
/// How a program named by the Docker config (a credential helper) is found on PATH: the platform rule is an object so
/// the Windows form runs in the tests on Linux. Only absolute PATH entries are searched (a relative one would run a
/// program from whatever folder the shell is in), and on Windows only the .exe form is taken: a .bat or .cmd would run
/// through cmd.exe, and helpers are never run through a shell.
/// </summary>
public sealed class ExecutableSearch
{
    public static readonly ExecutableSearch Unix = new(':', '/', string.Empty, File.Exists);
    public static readonly ExecutableSearch Windows = new(';', '\\', ".exe", File.Exists);

    private readonly char _listSeparator;
    private readonly char _directorySeparator;
    private readonly string _suffix;
    private readonly Func<string, bool> _exists;

    public ExecutableSearch(char listSeparator, char directorySeparator, string suffix, Func<string, bool> exists)
    {
        _listSeparator = listSeparator;
        _directorySeparator = directorySeparator;
        _suffix = suffix;
        _exists = exists;
    }

    public static ExecutableSearch Current => RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? Windows : Unix;

    /// <summary>The same rule with another test for "this file is there" (tests give a list of files).</summary>
    public ExecutableSearch With(Func<string, bool> exists) => new(_listSeparator, _directorySeparator, _suffix, exists);

    /// <summary>The full path of <paramref name="program"/> (without its suffix) in the first PATH folder that holds it, or null.</summary>
    public string? Find(string program, string? path)
    {
        foreach (var raw in (path ?? string.Empty).Split(_listSeparator))
        {
            var folder = raw.Trim().Trim('"');
            if (!IsAbsolute(folder)) continue;
            var file = folder.TrimEnd('/', _directorySeparator) + _directorySeparator + program + _suffix;
            if (_exists(file)) return file;
        }
        return null;
    }

    private bool IsAbsolute(string folder)
    {
        if (folder.Length == 0) return false;
        if (_directorySeparator == '/') return folder[0] == '/';
        // C:\bin, C:/bin or \\server\share; "\bin" (the current drive's root) and "C:bin" (relative to C:'s folder) are not.
        return (folder.Length >= 3 && char.IsLetter(folder[0]) && folder[1] == ':' && (folder[2] == '\\' || folder[2] == '/'))
            || folder.StartsWith(@"\\", StringComparison.Ordinal);
    }
}
