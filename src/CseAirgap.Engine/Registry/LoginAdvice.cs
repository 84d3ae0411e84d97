namespace CseAirgap.Engine.Registry;

/// <summary>
/// What a refusal that a login would fix tells the user to do: the destination takes -Credential, a source takes its
/// own host's entry in -SourceCredential (the per-host form, which goes to that host alone). Either may also come from
/// <c>docker login</c>, whose logins and credential helpers the module reads.
/// </summary>
public sealed class LoginAdvice
{
    private readonly bool _source;

    private LoginAdvice(bool source) => _source = source;

    public static LoginAdvice Destination { get; } = new(false);
    public static LoginAdvice Source { get; } = new(true);

    /// <summary>For a client's identity: a source and a destination client of one host keep apart.</summary>
    internal string Key => _source ? "source" : "destination";

    /// <summary>The message for <paramref name="host"/> refusing anonymous access to <paramref name="repository"/>.</summary>
    public string LoginRequired(string host, string? repository, bool push)
    {
        var what = (push ? "pushing to " : "reading ") + (repository == null ? "this registry" : $"the repository '{repository}'");
        return _source
            ? $"{host} requires a login for {what}. Pass -SourceCredential @{{ '{host}' = (Get-Credential) }} (that credential goes to {host} alone), " +
              $"or log in with 'docker login {host}' (the module reads the Docker config's logins and credential helpers)."
            : $"{host} requires credentials for {what}. Pass -Credential, or log in with 'docker login {host}'.";
    }
}
