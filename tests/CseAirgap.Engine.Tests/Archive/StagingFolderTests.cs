using System.Diagnostics;
using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Artifact;
using Xunit;

namespace CseAirgap.Engine.Tests.Archive;

/// <summary>Leftover staging folders: an ended run's are removed by the next run into the same destination, a live run's stay.</summary>
public sealed class StagingFolderTests : IDisposable
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "cseairgap-staging-" + Guid.NewGuid().ToString("N"));

    public StagingFolderTests() => Directory.CreateDirectory(_scratch);

    public void Dispose() => ConfinedRoot.RemoveTree(_scratch);

    [UnixOnlyFact]
    public void RemovesTheLeftoversOfEndedProcessesAndKeepsALiveRunsAndOtherFolders()
    {
        var (deadPid, deadStart) = EndedProcess();
        using var me = Process.GetCurrentProcess();
        var myStart = new DateTimeOffset(me.StartTime.ToUniversalTime()).ToUnixTimeSeconds();
        var dead = Make($".dest.partial-{deadPid}-{deadStart}-0123abcd");
        var reused = Make($".dest.partial-{me.Id}-{myStart - 3600}-0123abcd");
        var live = Make($".dest.partial-{me.Id}-{myStart}-89abcdef");
        var otherDestination = Make($".other.partial-{deadPid}-{deadStart}-0123abcd");
        // An old tree moved aside by a commit whose delete failed (a file held open on Windows), of an ended process.
        var deadOld = Make($".dest.old-{deadPid}-{deadStart}-0123abcd");
        var unknownForm = Make(".dest.partial-0123abcd");
        var log = new List<string>();

        using (var staging = new StagingFolder(Path.Combine(_scratch, "dest"), log.Add))
        {
            Assert.StartsWith($".dest.partial-{me.Id}-", Path.GetFileName(staging.Folder), StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(dead));
        Assert.False(Directory.Exists(deadOld));
        Assert.False(Directory.Exists(reused));
        Assert.True(Directory.Exists(live));
        Assert.True(Directory.Exists(otherDestination));
        Assert.True(Directory.Exists(unknownForm));
        Assert.Equal(3, log.Count(l => l.Contains("interrupted run", StringComparison.Ordinal)));
    }

    private string Make(string name)
    {
        var path = Path.Combine(_scratch, name);
        Directory.CreateDirectory(Path.Combine(path, "half-written"));
        return path;
    }

    /// <summary>The id and start of a process that has ended.</summary>
    private static (int Pid, long Start) EndedProcess()
    {
        // cat runs until its input closes: its start is read while it surely lives, then it ends.
        using var process = Process.Start(new ProcessStartInfo("cat") { UseShellExecute = false, RedirectStandardInput = true })!;
        var start = new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeSeconds();
        process.StandardInput.Close();
        process.WaitForExit();
        return (process.Id, start);
    }
}
