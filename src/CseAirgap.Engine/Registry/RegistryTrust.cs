using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// Which TLS certificates to accept: the machine's store, plus extra PEM CA files (a registry signed by a
/// private CA), or nothing checked at all when the admin says so.
/// </summary>
public sealed class RegistryTrust
{
    private readonly X509Certificate2Collection _extraAuthorities;

    public RegistryTrust(IEnumerable<string>? caCertificateFiles, bool skipCertificateCheck)
    {
        SkipCertificateCheck = skipCertificateCheck;
        _extraAuthorities = new X509Certificate2Collection();
        foreach (var file in caCertificateFiles ?? Array.Empty<string>())
        {
            if (!File.Exists(file))
                throw new RegistryException(RegistryErrorKind.InvalidInput, file, $"The CA certificate file '{file}' does not exist.");
            foreach (var cert in ReadPem(file)) _extraAuthorities.Add(cert);
        }
    }

    public bool SkipCertificateCheck { get; }

    public bool Validate(X509Certificate2? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (SkipCertificateCheck || errors == SslPolicyErrors.None) return true;
        if (certificate == null || _extraAuthorities.Count == 0) return false;
        // A name mismatch is never forgiven, whoever signed the certificate.
        if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false;

        // netstandard2.0 has no custom trust store: build the chain with our CAs as extra certificates,
        // allow an unknown root, then insist the root is one of ours.
        using var ours = new X509Chain();
        ours.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        ours.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
        ours.ChainPolicy.ExtraStore.AddRange(_extraAuthorities);
        if (!ours.Build(certificate)) return false;
        var root = ours.ChainElements[ours.ChainElements.Count - 1].Certificate;
        return _extraAuthorities.Cast<X509Certificate2>().Any(ca => ca.Thumbprint == root.Thumbprint);
    }

    private static IEnumerable<X509Certificate2> ReadPem(string file)
    {
        const string begin = "-----BEGIN CERTIFICATE-----";
        const string end = "-----END CERTIFICATE-----";
        var text = File.ReadAllText(file);
        var found = false;
        var at = text.IndexOf(begin, StringComparison.Ordinal);
        while (at >= 0)
        {
            var stop = text.IndexOf(end, at, StringComparison.Ordinal);
            if (stop < 0) break;
            var body = text.Substring(at + begin.Length, stop - at - begin.Length);
            found = true;
            yield return new X509Certificate2(Convert.FromBase64String(body.Replace("\r", "").Replace("\n", "").Trim()));
            at = text.IndexOf(begin, stop, StringComparison.Ordinal);
        }
        if (!found)
            throw new RegistryException(RegistryErrorKind.InvalidInput, file, $"'{file}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
    }
}
