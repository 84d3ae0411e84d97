using System;
using System.IO;

namespace CseAirgap.Engine.Docker;

/// <summary>Which Docker engine to talk to: -DockerHost, else DOCKER_HOST, else the platform's default.</summary>
public static class DockerEndpoint
{
    public const string UnixDefault = "unix:///var/run/docker.sock";
    public const string WindowsDefault = "npipe://./pipe/docker_engine";

    public static Uri Resolve(string? given)
    {
        var value = !string.IsNullOrWhiteSpace(given) ? given! : Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (string.IsNullOrWhiteSpace(value)) value = Path.DirectorySeparatorChar == '\\' ? WindowsDefault : UnixDefault;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != "unix" && uri.Scheme != "npipe" && uri.Scheme != "tcp" && uri.Scheme != "http"))
            throw new FormatException($"'{value}' is not a Docker host: write unix:///path/docker.sock, npipe://./pipe/docker_engine or tcp://host:2375.");
        return uri;
    }
}
