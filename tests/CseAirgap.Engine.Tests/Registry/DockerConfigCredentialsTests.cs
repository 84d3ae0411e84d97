using System;
using System.IO;
using System.Text;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry;

public sealed class DockerConfigCredentialsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cseairgap-dockercfg-" + Guid.NewGuid().ToString("N"));

    public DockerConfigCredentialsTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Config(string key, string user, string password)
    {
        var path = Path.Combine(_folder, "config.json");
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));
        File.WriteAllText(path, "{\"auths\":{\"" + key + "\":{\"auth\":\"" + auth + "\"}}}");
        return path;
    }

    [Theory]
    [InlineData("https://index.docker.io/v1/")]
    [InlineData("docker.io")]
    [InlineData("index.docker.io")]
    [InlineData("registry-1.docker.io")]
    public void ADockerHubLoginIsFoundUnderEveryNameOfDockerHub(string key)
    {
        var config = Config(key, "hubuser", "hubpass");
        foreach (var host in new[] { "registry-1.docker.io", "docker.io", "index.docker.io" })
            Assert.Equal("hubuser", DockerConfigCredentials.Find(host, config)?.UserName);
    }

    [Fact]
    public void OtherRegistriesAreMatchedByHostAndPortOnly()
    {
        var config = Config("https://harbor.corp.local:8443/", "admin", "secret");
        Assert.Equal("secret", DockerConfigCredentials.Find("harbor.corp.local:8443", config)?.Password);
        Assert.Null(DockerConfigCredentials.Find("harbor.corp.local", config));
        Assert.Null(DockerConfigCredentials.Find("registry-1.docker.io", config));
    }
}
