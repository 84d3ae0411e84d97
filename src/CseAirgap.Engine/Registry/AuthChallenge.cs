using System;
using System.Collections.Generic;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace CseAirgap.Engine.Registry;

/// <summary>A parsed <c>WWW-Authenticate</c> header: Basic, or Bearer with the token service's realm and service.</summary>
public sealed class AuthChallenge
{
    private static readonly Regex Parameter = new(@"(\w+)=""([^""]*)""|(\w+)=([^,\s]*)", RegexOptions.CultureInvariant);

    private AuthChallenge(string scheme, IReadOnlyDictionary<string, string> parameters)
    {
        Scheme = scheme;
        Parameters = parameters;
    }

    public string Scheme { get; }
    public IReadOnlyDictionary<string, string> Parameters { get; }
    public bool IsBearer => string.Equals(Scheme, "Bearer", StringComparison.OrdinalIgnoreCase);
    public bool IsBasic => string.Equals(Scheme, "Basic", StringComparison.OrdinalIgnoreCase);
    public string? Realm => Parameters.TryGetValue("realm", out var v) ? v : null;
    public string? Service => Parameters.TryGetValue("service", out var v) ? v : null;

    public static AuthChallenge? From(HttpResponseHeaders headers)
    {
        foreach (var h in headers.WwwAuthenticate)
        {
            var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (Match m in Parameter.Matches(h.Parameter ?? string.Empty))
            {
                if (m.Groups[1].Success) parameters[m.Groups[1].Value] = m.Groups[2].Value;
                else parameters[m.Groups[3].Value] = m.Groups[4].Value;
            }
            if (string.Equals(h.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase) || string.Equals(h.Scheme, "Basic", StringComparison.OrdinalIgnoreCase))
                return new AuthChallenge(h.Scheme, parameters);
        }
        return null;
    }
}
