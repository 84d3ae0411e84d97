using System;
using System.IO;
using System.Linq;

namespace CseAirgap.Engine.Docker;

/// <summary>Which Docker engine to talk to: -DockerHost, else DOCKER_HOST, else the platform's default.</summary>
public static class DockerEndpoint
{
    public const string UnixDefault = "unix:///var/run/docker.sock";
    public const string WindowsDefault = "npipe://./pipe/docker_engine";

    public static Uri Resolve(string? given) => Parse(!string.IsNullOrWhiteSpace(given) ? given : Environment.GetEnvironmentVariable("DOCKER_HOST"), Path.DirectorySeparatorChar == '\\');

    /// <summary>The engine address in the form Docker.DotNet connects to; <paramref name="value"/> empty means the platform's default.</summary>
    public static Uri Parse(string? value, bool windows)
    {
        if (string.IsNullOrWhiteSpace(value)) value = windows ? WindowsDefault : UnixDefault;
        var text = value!.Trim();
        if (text.StartsWith("npipe:", StringComparison.OrdinalIgnoreCase)) return NamedPipe(text);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "unix" && uri.Scheme != "tcp" && uri.Scheme != "http"))
            throw Invalid(text, null);
        return uri;
    }

    /// <summary>
    /// A named pipe as the Docker CLI takes it: what follows "npipe:" is a Windows pipe path, \\server\pipe\name, written
    /// with either slash and any number of them before the server, so Docker's documented npipe:////./pipe/docker_engine,
    /// npipe:///./pipe/... and Docker.DotNet's own npipe://./pipe/... all name the same pipe. Docker.DotNet wants exactly
    /// npipe://server/pipe/name (it reads the host and two path segments); anything else would fail inside it, unexplained.
    /// </summary>
    private static Uri NamedPipe(string text)
    {
        var path = text.Substring("npipe:".Length).Replace('\\', '/').TrimStart('/');
        var parts = path.Split('/');
        if (parts.Length != 3 || !string.Equals(parts[1], "pipe", StringComparison.OrdinalIgnoreCase) || parts[0].Length == 0 || parts[2].Length == 0
            || parts.Any(p => p.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '?' || c == '#' || c == '%' || c == ':')))
            throw Invalid(text, "a named pipe is written npipe:////./pipe/docker_engine (or npipe:////server/pipe/name)");
        var server = parts[0] == "localhost" ? "." : parts[0];
        if (!Uri.TryCreate($"npipe://{server}/pipe/{parts[2]}", UriKind.Absolute, out var uri)) throw Invalid(text, null);
        return uri;
    }

    private static InvalidDockerHostException Invalid(string value, string? why) =>
        new(value, $"'{value}' is not a Docker host{(why == null ? string.Empty : ": " + why)}. Write npipe:////./pipe/docker_engine (Docker Desktop on Windows), unix:///var/run/docker.sock or tcp://host:2375, in -DockerHost or DOCKER_HOST.");
}
