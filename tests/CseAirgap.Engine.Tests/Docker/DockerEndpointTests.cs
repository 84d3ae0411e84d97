using CseAirgap.Engine.Docker;
using Xunit;

namespace CseAirgap.Engine.Tests.Docker;

public class DockerEndpointTests
{
    [Theory]
    [InlineData("npipe:////./pipe/docker_engine", "npipe://./pipe/docker_engine")]
    [InlineData("npipe:///./pipe/docker_engine", "npipe://./pipe/docker_engine")]
    [InlineData("npipe://./pipe/docker_engine", "npipe://./pipe/docker_engine")]
    [InlineData("npipe:////./pipe/dockerDesktopLinuxEngine", "npipe://./pipe/dockerDesktopLinuxEngine")]
    [InlineData(@"npipe:\\.\pipe\docker_engine", "npipe://./pipe/docker_engine")]
    [InlineData("npipe:////localhost/pipe/docker_engine", "npipe://./pipe/docker_engine")]
    [InlineData("npipe:////buildhost/pipe/docker_engine", "npipe://buildhost/pipe/docker_engine")]
    public void Every_named_pipe_form_Docker_accepts_becomes_the_one_Docker_DotNet_reads(string given, string expected)
    {
        var uri = DockerEndpoint.Parse(given, windows: true);
        Assert.Equal(expected, uri.OriginalString);
        // What Docker.DotNet reads from it: the server as the host and exactly "/", "pipe/", "<name>" as segments.
        Assert.Equal(3, uri.Segments.Length);
        Assert.Equal("pipe/", uri.Segments[1]);
    }

    [Theory]
    [InlineData("npipe://")]
    [InlineData("npipe:////./docker_engine")]
    [InlineData("npipe:////./pipe/")]
    [InlineData("npipe:////./pipe/a/b")]
    [InlineData("npipe:////./notpipe/docker_engine")]
    [InlineData("ftp://host/docker")]
    [InlineData("docker_engine")]
    public void Anything_else_is_InvalidDockerHost_naming_the_documented_forms(string given)
    {
        var e = Assert.Throws<InvalidDockerHostException>(() => DockerEndpoint.Parse(given, windows: true));
        Assert.Equal("InvalidDockerHost", e.ErrorId);
        Assert.Equal(given, e.Target);
        Assert.Contains("npipe:////./pipe/docker_engine", e.Message);
    }

    [Fact]
    public void No_value_means_the_platforms_default_engine()
    {
        Assert.Equal("npipe://./pipe/docker_engine", DockerEndpoint.Parse(null, windows: true).OriginalString);
        Assert.Equal("unix:///var/run/docker.sock", DockerEndpoint.Parse(" ", windows: false).OriginalString);
    }

    [Fact]
    public void A_Docker_DotNet_client_accepts_the_parsed_pipe()
    {
        // Docker.DotNet checks an npipe address when the client is made (its "is not a valid npipe URI"); it opens
        // the pipe only on the first request, so making the client runs on Linux too.
        using var configuration = new global::Docker.DotNet.DockerClientConfiguration(DockerEndpoint.Parse("npipe:////./pipe/docker_engine", windows: true));
        using var client = configuration.CreateClient();
        Assert.NotNull(client);
    }
}
