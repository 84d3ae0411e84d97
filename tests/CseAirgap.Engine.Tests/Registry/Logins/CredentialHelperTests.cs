using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Registry.Logins;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry.Logins;

/// <summary>Real helper programs (bash scripts the test writes) run through the Docker config, as docker login's helpers are.</summary>
public sealed class CredentialHelperTests : IDisposable
{
    private const string Secret = "s3cret-from-the-keychain";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cseairgap-helpers-" + Guid.NewGuid().ToString("N"));
    private readonly List<string> _log = new();

    public CredentialHelperTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static bool CanRunScripts => !OperatingSystem.IsWindows();

    private void Helper(string name, string body)
    {
        var file = Path.Combine(_folder, "docker-credential-" + name);
        File.WriteAllText(file, "#!/bin/bash\n" + body + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private string Config(string json)
    {
        var path = Path.Combine(_folder, "config.json");
        File.WriteAllText(path, json);
        return path;
    }

    private CredentialHelper Runner(int maxOutput = CredentialHelper.DefaultMaxOutputBytes) =>
        new(ExecutableSearch.Unix, () => "relative/bin:" + _folder, TimeSpan.FromSeconds(2), maxOutput);

    // The helper checks that it was asked "get" with the server URL on stdin, as the docker-credential-helpers protocol says.
    private const string Answering = "[ \"$1\" = get ] || exit 3\nread -r -d '' url\n[ \"$url\" = \"registry.example:5000\" ] || exit 4\n" +
                                     "printf '{\"ServerURL\":\"%s\",\"Username\":\"robot\",\"Secret\":\"" + Secret + "\"}' \"$url\"";

    [Fact]
    public void AHostInCredHelpersGetsTheLoginItsHelperPrints()
    {
        if (!CanRunScripts) return;
        Helper("cseairgaptest", Answering);
        var config = Config("{\"credHelpers\":{\"registry.example:5000\":\"cseairgaptest\"},\"credsStore\":\"missing\"}");
        var found = DockerConfigCredentials.Find("registry.example:5000", config, Runner(), _log.Add);
        Assert.Equal("robot", found?.UserName);
        Assert.Equal(Secret, found?.Password);
        Assert.DoesNotContain(_log, l => l.Contains(Secret));
    }

    [Fact]
    public void AnyOtherHostAsksTheCredsStoreHelper()
    {
        if (!CanRunScripts) return;
        Helper("desktop", Answering);
        var config = Config("{\"credsStore\":\"desktop\",\"credHelpers\":{\"elsewhere.example\":\"missing\"}}");
        Assert.Equal(Secret, DockerConfigCredentials.Find("registry.example:5000", config, Runner(), _log.Add)?.Password);
    }

    [Theory]
    [InlineData("hang", "sleep 600")]
    [InlineData("ten-megabytes", "head -c 10485760 /dev/zero | tr '\\0' 'x'")]
    [InlineData("fails", "echo \"" + Secret + "\"; echo \"" + Secret + "\" >&2; exit 1")]
    [InlineData("not-json", "echo \"" + Secret + "\"")]
    public void AHelperThatHangsFloodsOrFailsMeansNoLoginAndNothingOfItIsLogged(string name, string body)
    {
        if (!CanRunScripts) return;
        Helper(name, body);
        var config = Config("{\"credsStore\":\"" + name + "\"}");
        var clock = Stopwatch.StartNew();
        var found = DockerConfigCredentials.Find("registry.example:5000", config, Runner(), _log.Add);
        Assert.Null(found);
        // A bound, not a timing: the helper's own run would take 600 s.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
        Assert.Contains(_log, l => l.Contains("docker-credential-" + name));
        Assert.DoesNotContain(_log, l => l.Contains(Secret) || l.Contains("xxxx"));
    }

    [Fact]
    public void AnIdentityTokenIsNotTakenForAPassword()
    {
        if (!CanRunScripts) return;
        Helper("oauth", "echo '{\"ServerURL\":\"x\",\"Username\":\"<token>\",\"Secret\":\"refresh\"}'");
        Assert.Null(DockerConfigCredentials.Find("registry.example:5000", Config("{\"credsStore\":\"oauth\"}"), Runner(), _log.Add));
    }

    [Fact]
    public void AMissingHelperFallsBackToTheInlineLoginAndSaysSo()
    {
        var auth = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("inline:pw"));
        var config = Config("{\"credsStore\":\"not-installed\",\"auths\":{\"registry.example:5000\":{\"auth\":\"" + auth + "\"}}}");
        Assert.Equal("inline", DockerConfigCredentials.Find("registry.example:5000", config, Runner(), _log.Add)?.UserName);
        Assert.Contains(_log, l => l.Contains("docker-credential-not-installed") && l.Contains("not on PATH"));
    }

    [Theory]
    [InlineData("../../tmp/evil")]
    [InlineData("/bin/sh")]
    [InlineData("a b")]
    public void AHelperNameWithAPathOrSpacesIsNotRun(string name)
    {
        var config = Config("{\"credsStore\":" + System.Text.Json.JsonSerializer.Serialize(name) + "}");
        Assert.Null(DockerConfigCredentials.Find("registry.example:5000", config, Runner(), _log.Add));
        Assert.Contains(_log, l => l.Contains("not a program name"));
    }
}
