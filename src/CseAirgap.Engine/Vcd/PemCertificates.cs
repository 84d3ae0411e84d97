using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CseAirgap.Engine.Vcd;

/// <summary>PEM text to certificates and back, in the form CSE's certificate lists hold (one PEM block per entry).</summary>
public static class PemCertificates
{
    private const string Begin = "-----BEGIN CERTIFICATE-----";
    private const string End = "-----END CERTIFICATE-----";

    /// <summary>Every certificate in <paramref name="text"/>; an error naming <paramref name="source"/> when there is none or one does not parse.</summary>
    public static IReadOnlyList<X509Certificate2> Parse(string text, string source)
    {
        var found = new List<X509Certificate2>();
        var at = text.IndexOf(Begin, StringComparison.Ordinal);
        while (at >= 0)
        {
            var stop = text.IndexOf(End, at, StringComparison.Ordinal);
            if (stop < 0)
                throw Invalid(source, "has a BEGIN CERTIFICATE line without its END CERTIFICATE line");
            var body = text.Substring(at + Begin.Length, stop - at - Begin.Length).Replace("\r", "").Replace("\n", "").Trim();
            try
            {
                found.Add(new X509Certificate2(Convert.FromBase64String(body)));
            }
            catch (Exception e) when (e is FormatException || e is CryptographicException)
            {
                throw Invalid(source, $"holds a certificate block that does not parse ({e.Message})", e);
            }
            at = text.IndexOf(Begin, stop, StringComparison.Ordinal);
        }
        if (found.Count == 0) throw Invalid(source, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        return found;
    }

    /// <summary>Parses what may not be a certificate (an entry already in the entity): null when it is not one.</summary>
    public static X509Certificate2? TryParseOne(string text)
    {
        try
        {
            var all = Parse(text, string.Empty);
            return all.Count == 1 ? all[0] : null;
        }
        catch (VcdException)
        {
            return null;
        }
    }

    /// <summary>One PEM block, 64 characters a line, ending in a newline: the form Get-CseRegistryCertificate writes.</summary>
    public static string ToPem(X509Certificate2 certificate) => Tls.TlsProbe.ToPem(certificate);

    /// <summary>"CN=harbor (thumbprint 1A2B3C4D…, expires 2027-01-01)", for diffs and messages.</summary>
    public static string Describe(X509Certificate2 certificate) =>
        $"{certificate.Subject} (thumbprint {certificate.Thumbprint.Substring(0, 8)}…, expires {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd})";

    private static VcdException Invalid(string source, string what, Exception? inner = null) =>
        new(VcdErrorKind.InvalidConfiguration, source, $"The certificate '{source}' {what}. Give PEM text, a PEM file, or an X509Certificate2 (Get-CseRegistryCertificate's output).", inner);
}
