using System;
using System.Collections.Generic;
using CseAirgap.Engine.Registry.Logins;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry.Logins;

public sealed class ExecutableSearchTests
{
    [Fact]
    public void OnWindowsTheExeInTheFirstAbsolutePathFolderIsTaken()
    {
        var files = new HashSet<string>(StringComparer.Ordinal)
        {
            @"tools\docker-credential-desktop.exe",
            @"C:\Scripts\docker-credential-desktop.cmd",
            @"C:\Program Files\Docker\Docker\resources\bin\docker-credential-desktop.exe",
            @"D:\later\docker-credential-desktop.exe",
        };
        var search = ExecutableSearch.Windows.With(files.Contains);
        var path = @"tools;C:\Scripts;""C:\Program Files\Docker\Docker\resources\bin"";D:\later";
        Assert.Equal(@"C:\Program Files\Docker\Docker\resources\bin\docker-credential-desktop.exe", search.Find("docker-credential-desktop", path));
    }

    [Fact]
    public void OnWindowsABatchFileOrADriveRelativeFolderIsNeverTaken()
    {
        var files = new HashSet<string>(StringComparer.Ordinal) { @"C:\Scripts\docker-credential-x.cmd", @"C:bin\docker-credential-x.exe", @"\bin\docker-credential-x.exe" };
        Assert.Null(ExecutableSearch.Windows.With(files.Contains).Find("docker-credential-x", @"C:\Scripts;C:bin;\bin"));
    }

    [Fact]
    public void OnUnixTheBareNameInAnAbsoluteFolderIsTakenAndRelativeFoldersAreSkipped()
    {
        var files = new HashSet<string>(StringComparer.Ordinal) { "bin/docker-credential-pass", "/usr/local/bin/docker-credential-pass" };
        var search = ExecutableSearch.Unix.With(files.Contains);
        Assert.Equal("/usr/local/bin/docker-credential-pass", search.Find("docker-credential-pass", "bin::.:/usr/local/bin/"));
        Assert.Null(search.Find("docker-credential-pass", null));
    }
}
