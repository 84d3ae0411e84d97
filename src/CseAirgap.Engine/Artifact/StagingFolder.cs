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
/// </summary>
public sealed class StagingFolder : IDisposable
{
    private static readonly Lazy<(int Pid, long Start)> Self = new(() =>
    {
        using var me = Process.GetCurrentProcess();
        return (me.Id, StartOf(me) ?? 0);
    });

    private readonly string _destination;
    private bool _committed;

    public StagingFolder(string destination, Action<string>? log = null)
    {
        _destination = Path.GetFullPath(destination);
        var parent = Path.GetDirectoryName(_destination) ?? throw new ArgumentException($"'{destination}' has no parent folder.");
        Directory.CreateDirectory(parent);
        RemoveStale(parent, Path.GetFileName(_destination), log);
        var (pid, start) = Self.Value;
        Folder = Path.Combine(parent, string.Format(CultureInfo.InvariantCulture, ".{0}.partial-{1}-{2}-{3}",
            Path.GetFileName(_destination), pid, start, Guid.NewGuid().ToString("N").Substring(0, 8)));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    /// <summary>Replaces the destination (the caller has checked it may) with what was staged.</summary>
    public void Commit()
    {
        ConfinedRoot.RemoveTree(_destination);
        Directory.Move(Folder, _destination);
        _committed = true;
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

    /// <summary>Removes the staging folders of earlier runs into this destination whose process has ended.</summary>
    private static void RemoveStale(string parent, string name, Action<string>? log)
    {
        var pattern = new Regex("^" + Regex.Escape("." + name + ".partial-") + "([0-9]{1,10})-([0-9]{1,20})-[0-9a-f]{8}$", RegexOptions.CultureInvariant);
        foreach (var candidate in Directory.EnumerateDirectories(parent, "." + name + ".partial-*"))
        {
            var match = pattern.Match(Path.GetFileName(candidate));
            if (!match.Success || ConfinedRoot.KindOf(candidate) != PathKind.Directory) continue;
            if (!int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ||
                !long.TryParse(match.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var start))
                continue;
            if (IsRunning(pid, start)) continue;
            try
            {
                ConfinedRoot.RemoveTree(candidate);
                log?.Invoke($"Removed '{candidate}', left by an interrupted run (process {pid}, which has ended).");
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
