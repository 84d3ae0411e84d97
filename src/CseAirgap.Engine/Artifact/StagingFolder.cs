using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
using CseAirgap.Engine.Archive;

namespace CseAirgap.Engine.Artifact;

/// <summary>
/// Extraction happens in a hidden sibling folder that becomes the destination only when everything was applied and
/// verified; on any failure it is removed, so a destination is never left half-expanded. The folder's name says
/// which process made it and when that process started (<c>.X.partial-&lt;pid&gt;-&lt;start&gt;-&lt;random&gt;</c>):
/// a run into a destination removes the ones whose process is gone (a kill or a crash), never a live run's.
/// <para>
/// Replacing a destination never deletes before the new tree is in place: the old tree is renamed aside
/// (<c>.X.old-&lt;pid&gt;-&lt;start&gt;-&lt;random&gt;</c>), the new one moved in, and only then is the old one deleted,
/// best effort. If moving the new one in fails, the old one is moved back. A delete that fails halfway (a file held
/// open or ReadOnly on Windows) leaves only the aside folder, which a later run removes like a staging leftover.
/// </para>
/// </summary>
public sealed class StagingFolder : IDisposable
{
    private static readonly Lazy<(int Pid, long Start)> Self = new(() =>
    {
        using var me = Process.GetCurrentProcess();
        return (me.Id, StartOf(me) ?? 0);
    });

    // Old trees this process has moved aside and may still move back: never removed as leftovers meanwhile.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> InFlight = new(StringComparer.Ordinal);

    private readonly string _destination;
    private readonly Action<string>? _log;
    private readonly IFolderMover _mover;
    private bool _committed;

    /// <param name="mover">How folders are renamed and deleted; the real file system by default.</param>
    public StagingFolder(string destination, Action<string>? log = null, IFolderMover? mover = null)
    {
        _destination = Path.GetFullPath(destination);
        _log = log;
        _mover = mover ?? FileSystemFolderMover.Instance;
        var parent = Path.GetDirectoryName(_destination) ?? throw new ArgumentException($"'{destination}' has no parent folder.");
        Directory.CreateDirectory(parent);
        RemoveStale(parent, Path.GetFileName(_destination), log);
        Folder = SiblingName("partial");
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    /// <summary>Replaces the destination (the caller has checked it may) with what was staged; see the class's comment.</summary>
    public void Commit()
    {
        string? aside = null;
        if (ConfinedRoot.KindOf(_destination) != PathKind.Missing)
        {
            aside = SiblingName("old");
            InFlight[aside] = true;
            // A rename fails whole or not at all: if it fails, the old tree is untouched and the new one is disposed.
            _mover.Move(_destination, aside);
        }
        try
        {
            try
            {
                _mover.Move(Folder, _destination);
            }
            catch (Exception e) when (aside != null && (e is IOException || e is UnauthorizedAccessException))
            {
                try
                {
                    _mover.Move(aside, _destination);
                }
                catch (Exception back) when (back is IOException || back is UnauthorizedAccessException)
                {
                    throw new IOException($"Could not move the new content into '{_destination}' ({e.Message}), nor the previous content back ({back.Message}): " +
                        $"the previous content is in '{aside}' and the new content in '{Folder}'. Rename one of them to '{Path.GetFileName(_destination)}'.", e);
                }
                throw;
            }
            _committed = true;
            if (aside == null) return;
            try
            {
                _mover.RemoveTree(aside);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                _log?.Invoke($"Could not delete the previous content of '{_destination}', moved aside to '{aside}' ({e.Message}): the next run into this destination removes it.");
            }
        }
        finally
        {
            if (aside != null) InFlight.TryRemove(aside, out _);
        }
    }

    /// <summary>A hidden sibling of the destination that says which process made it (<c>.X.&lt;kind&gt;-&lt;pid&gt;-&lt;start&gt;-&lt;random&gt;</c>).</summary>
    private string SiblingName(string kind)
    {
        var (pid, start) = Self.Value;
        return Path.Combine(Path.GetDirectoryName(_destination)!, string.Format(CultureInfo.InvariantCulture, ".{0}.{1}-{2}-{3}-{4}",
            Path.GetFileName(_destination), kind, pid, start, Guid.NewGuid().ToString("N").Substring(0, 8)));
    }

    public void Dispose()
    {
        if (_committed) return;
        try
        {
            ConfinedRoot.RemoveTree(Folder);
        }
        catch (IOException)
        {
            // A file still open on Windows: the next run into this destination removes it.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Removes the staging folders of earlier runs into this destination whose process has ended, and old trees moved
    /// aside that could not be deleted: those of an ended process, and this process's own once no commit may move them back.
    /// </summary>
    private static void RemoveStale(string parent, string name, Action<string>? log)
    {
        var pattern = new Regex("^" + Regex.Escape("." + name + ".") + "(partial|old)-([0-9]{1,10})-([0-9]{1,20})-[0-9a-f]{8}$", RegexOptions.CultureInvariant);
        foreach (var candidate in Directory.EnumerateDirectories(parent, "." + name + ".*-*"))
        {
            var match = pattern.Match(Path.GetFileName(candidate));
            if (!match.Success || ConfinedRoot.KindOf(candidate) != PathKind.Directory) continue;
            if (!int.TryParse(match.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ||
                !long.TryParse(match.Groups[3].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var start))
                continue;
            var oldTreeOfThisProcess = match.Groups[1].Value == "old" && (pid, start) == Self.Value && !InFlight.ContainsKey(candidate);
            if (!oldTreeOfThisProcess && IsRunning(pid, start)) continue;
            try
            {
                ConfinedRoot.RemoveTree(candidate);
                log?.Invoke(oldTreeOfThisProcess
                    ? $"Removed '{candidate}', the previous content of the destination, which an earlier run could not delete."
                    : $"Removed '{candidate}', left by an interrupted run (process {pid}, which has ended).");
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                log?.Invoke($"Could not remove '{candidate}', left by an interrupted run: {e.Message}");
            }
        }
    }

    /// <summary>Whether the process that made a staging folder still runs: same id and same start time (ids are reused).</summary>
    private static bool IsRunning(int pid, long start)
    {
        Process process;
        try
        {
            process = Process.GetProcessById(pid);
        }
        catch (ArgumentException)
        {
            return false;
        }
        using (process)
        {
            try
            {
                if (process.HasExited) return false;
            }
            catch (Exception e) when (e is InvalidOperationException || e is System.ComponentModel.Win32Exception || e is NotSupportedException)
            {
                // Not ours to inspect: it may be a live run of another user, so it stays.
                return true;
            }
            // The run could not read its own start: the id alone says it may still be running.
            if (start == 0) return true;
            var actual = StartOf(process);
            // Start times are read twice from the OS clock and may differ by rounding; a reused id starts later.
            return actual == null || Math.Abs(actual.Value - start) <= 2;
        }
    }

    /// <summary>A process's start, in seconds since 1970 (UTC), or null when the OS will not say.</summary>
    private static long? StartOf(Process process)
    {
        try
        {
            var started = process.StartTime.ToUniversalTime();
            return (long)(started - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalSeconds;
        }
        catch (Exception e) when (e is InvalidOperationException || e is System.ComponentModel.Win32Exception || e is NotSupportedException)
        {
            return null;
        }
    }
}
