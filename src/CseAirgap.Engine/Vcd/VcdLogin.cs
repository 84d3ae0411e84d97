using System;
using System.Net;

namespace CseAirgap.Engine.Vcd;

/// <summary>
/// How to open a VCD session: a user and password (a name without "@org" is a System organisation user, as VCD's
/// provider portal assumes), or an API token (a refresh token traded for an access token at /oauth/provider/token).
/// The secret stays here until the request that needs it; <see cref="ToString"/> never shows it.
/// </summary>
public sealed class VcdLogin
{
    public const string ProviderOrg = "System";

    private VcdLogin(string? user, string? org, string? password, string? apiToken)
    {
        User = user;
        Org = org;
        Password = password;
        ApiToken = apiToken;
    }

    /// <summary>The user name without its organisation; null for an API token.</summary>
    public string? User { get; }

    /// <summary>The organisation the user belongs to ("System" unless the name said otherwise); null for an API token.</summary>
    public string? Org { get; }

    internal string? Password { get; }
    internal string? ApiToken { get; }

    public bool IsApiToken => ApiToken != null;

    /// <summary>Whether the user is a System organisation user (a provider).</summary>
    public bool IsProviderUser => Org != null && string.Equals(Org, ProviderOrg, StringComparison.OrdinalIgnoreCase);

    public static VcdLogin FromCredential(NetworkCredential credential)
    {
        var name = credential.UserName ?? string.Empty;
        // A credential split into user and domain ("user@org" parsed as a UPN) is put back together: the domain is the org.
        if (name.IndexOf('@') < 0 && !string.IsNullOrEmpty(credential.Domain)) name = name + "@" + credential.Domain;
        var at = name.LastIndexOf('@');
        var user = at >= 0 ? name.Substring(0, at) : name;
        var org = at >= 0 ? name.Substring(at + 1) : ProviderOrg;
        if (user.Length == 0 || org.Length == 0)
            throw new VcdException(VcdErrorKind.AuthenticationFailed, name, $"'{name}' is not a VCD user name: give 'user' or 'user@System'.");
        return new VcdLogin(user, org, credential.Password ?? string.Empty, null);
    }

    public static VcdLogin FromApiToken(string apiToken)
    {
        if (string.IsNullOrWhiteSpace(apiToken))
            throw new VcdException(VcdErrorKind.AuthenticationFailed, "ApiToken", "The API token is empty: create one in VCD (User preferences → Access tokens) as a System administrator.");
        return new VcdLogin(null, null, null, apiToken.Trim());
    }

    /// <summary>Who logs in, for messages: "user@org" or "an API token".</summary>
    public string Describe() => IsApiToken ? "an API token" : $"{User}@{Org}";

    public override string ToString() => Describe();
}
