using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry.Logins;

/// <summary>
/// Runs a Docker credential helper (<c>docker-credential-&lt;name&gt; get</c>, the server URL on stdin, a JSON answer
/// <c>{"ServerURL","Username","Secret"}</c> on stdout: the docker-credential-helpers protocol) the way the Docker CLI
/// does for <c>credsStore</c> and <c>credHelpers</c>, with the limits a program outside the module needs: found only on
/// PATH by <see cref="ExecutableSearch"/>, started directly (no shell), given <see cref="Timeout"/> to answer, its
/// output read to <see cref="MaxOutputBytes"/> at most. Anything else (not there, a failure, a hang, too much output,
/// not JSON) means "no credential", with a verbose line that never holds what the helper printed.
/// </summary>
public sealed class CredentialHelper
{
    /// <summary>A helper asks the OS keychain, which may take a moment on a busy machine; 10 s is far more than that and still short enough not to look like a hang.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A real answer is a few hundred bytes (a token can be a few KiB); 64 KiB bounds a helper that prints without end.</summary>
    public const int DefaultMaxOutputBytes = 64 * 1024;

    // Docker builds the program name from the config's value; a value with a path in it would run a program elsewhere.
    private static readonly Regex HelperName = new("^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant);

    public static CredentialHelper Default { get; } = new(ExecutableSearch.Current, () => Environment.GetEnvironmentVariable("PATH"), DefaultTimeout, DefaultMaxOutputBytes);

    private readonly ExecutableSearch _search;
    private readonly Func<string?> _path;

    public CredentialHelper(ExecutableSearch search, Func<string?> path, TimeSpan timeout, int maxOutputBytes)
    {
        _search = search;
        _path = path;
        Timeout = timeout;
        MaxOutputBytes = maxOutputBytes;
    }

    public TimeSpan Timeout { get; }
    public int MaxOutputBytes { get; }

    /// <summary>The login helper <paramref name="name"/> has for <paramref name="serverUrl"/>, or null (see the class comment).</summary>
    public NetworkCredential? Get(string name, string serverUrl, Action<string>? log)
    {
        var program = "docker-credential-" + name;
        if (!HelperName.IsMatch(name))
        {
            log?.Invoke($"The Docker config names a credential helper '{CseAirgap.Engine.Failures.RemoteText.Escape(name)}' that is not a program name; no login is used for {serverUrl}.");
            return null;
        }
        var file = _search.Find(program, _path());
        if (file == null)
        {
            log?.Invoke($"The Docker config names the credential helper {program}, which is not on PATH; no login is used for {serverUrl}.");
            return null;
        }
        string? failure;
        byte[]? output;
        try
        {
            (output, failure) = Run(file, serverUrl);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception || e is InvalidOperationException || e is IOException)
        {
            (output, failure) = (null, "could not be started (" + e.GetType().Name + ")");
        }
        if (output == null)
        {
            log?.Invoke($"The credential helper {program} {failure}; no login is used for {serverUrl}.");
            return null;
        }
        var credential = Parse(output);
        if (credential == null)
            log?.Invoke($"The credential helper {program} gave no user name and secret for {serverUrl} (or an identity token, which the module cannot use); no login is used.");
        else
            log?.Invoke($"Using the login the credential helper {program} has for {serverUrl}.");
        return credential;
    }

    private (byte[]? Output, string? Failure) Run(string file, string serverUrl)
    {
        var start = new ProcessStartInfo(file, "get")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException();
        try
        {
            var output = ReadBoundedAsync(process.StandardOutput.BaseStream, MaxOutputBytes);
            // Stderr is read and dropped (never shown: a helper may echo what it was given), so a chatty helper cannot block on a full pipe.
            _ = DrainAsync(process.StandardError.BaseStream);
            try
            {
                var input = Encoding.UTF8.GetBytes(serverUrl);
                process.StandardInput.BaseStream.Write(input, 0, input.Length);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // A helper that exits without reading its input is judged by its exit code and output below.
            }
            try
            {
                if (!output.Wait(Timeout)) return (null, $"did not answer within {Timeout.TotalSeconds:0} s");
            }
            catch (AggregateException)
            {
                return (null, "could not be read");
            }
            if (output.Result == null) return (null, $"printed more than {MaxOutputBytes / 1024} KiB");
            if (!process.WaitForExit((int)Timeout.TotalMilliseconds)) return (null, $"did not end within {Timeout.TotalSeconds:0} s");
            return process.ExitCode == 0 ? (output.Result, null) : (null, $"ended with exit code {process.ExitCode} (it has no login for this server, or failed)");
        }
        finally
        {
            Stop(process);
        }
    }

    private static async Task<byte[]?> ReadBoundedAsync(Stream stream, int limit)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while ((n = await stream.ReadAsync(chunk, 0, chunk.Length).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > limit) return null;
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    private static async Task DrainAsync(Stream stream)
    {
        var chunk = new byte[8192];
        try
        {
            while (await stream.ReadAsync(chunk, 0, chunk.Length).ConfigureAwait(false) > 0) { }
        }
        catch (Exception e) when (e is IOException || e is ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// Ends a helper still running, with the programs it started (a script's child keeps the pipes open otherwise).
    /// Process.Kill(bool) exists from .NET Core 3.0; Windows PowerShell's .NET Framework ends the helper alone.
    /// </summary>
    private static void Stop(Process process)
    {
        try
        {
            if (process.HasExited) return;
            var tree = typeof(Process).GetMethod("Kill", new[] { typeof(bool) });
            if (tree != null) tree.Invoke(process, new object[] { true });
            else process.Kill();
        }
        catch (Exception e) when (e is InvalidOperationException || e is System.ComponentModel.Win32Exception || e is System.Reflection.TargetInvocationException || e is NotSupportedException)
        {
            // It ended meanwhile, or cannot be ended by us: nothing of it is used either way.
        }
    }

    internal static NetworkCredential? Parse(byte[] output)
    {
        try
        {
            using var json = JsonDocument.Parse(output);
            if (json.RootElement.ValueKind != JsonValueKind.Object) return null;
            var user = json.RootElement.TryGetProperty("Username", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
            var secret = json.RootElement.TryGetProperty("Secret", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            // "<token>" marks an identity (refresh) token for an OAuth exchange, not a password for Basic or a token service.
            if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(secret) || user == "<token>") return null;
            return new NetworkCredential(user, secret);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
