using System;

namespace CseAirgap.Engine.Vcd;

/// <summary>
/// Where a VMware Cloud Director answers: always https (a password or an API token crosses this connection), host and
/// optional port, no path. "vcd.corp.local", "vcd.corp.local:8443" and "https://vcd.corp.local/" are one address;
/// the tenant and provider portals' paths ("/provider", "/tenant/x") are accepted and dropped, as admins paste them.
/// </summary>
public sealed class VcdServerAddress
{
    private VcdServerAddress(Uri baseUri) => BaseUri = baseUri;

    /// <summary>https://host[:port]/</summary>
    public Uri BaseUri { get; }

    /// <summary>host[:port], for messages and as the error target.</summary>
    public string Authority => BaseUri.IsDefaultPort ? BaseUri.Host : BaseUri.Authority;

    public override string ToString() => Authority;

    public static VcdServerAddress Parse(string server)
    {
        var text = (server ?? string.Empty).Trim();
        if (text.Length == 0) throw new VcdException(VcdErrorKind.InvalidServer, text, "-Server is empty: give the VCD address, such as vcd.corp.local.");
        if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            throw new VcdException(VcdErrorKind.InsecureConnection, text,
                $"'{text}' is written http://: the password or API token would cross the network in clear. Give the https address of VCD (or just its host name).");
        if (!text.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) text = "https://" + text;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0 || !string.IsNullOrEmpty(uri.UserInfo) || uri.Query.Length > 0 || uri.Fragment.Length > 0)
            throw new VcdException(VcdErrorKind.InvalidServer, server ?? string.Empty, $"'{server}' is not a VCD address: give host[:port], such as vcd.corp.local.");
        return new VcdServerAddress(new Uri(uri.GetLeftPart(UriPartial.Authority) + "/"));
    }
}
