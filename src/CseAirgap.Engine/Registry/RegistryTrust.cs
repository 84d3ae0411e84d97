using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// Which TLS certificates to accept: the machine's store plus extra PEM CA files (a registry signed by a private CA)
/// for every host; and, per host, nothing checked at all where the admin said so: <c>-SkipCertificateCheck</c> covers
/// the registry given by <c>-Registry</c> (and its token service), <c>-SourceSkipCertificateCheck</c> every other host.
/// </summary>
public sealed class RegistryTrust
{
    private readonly X509Certificate2Collection _extraAuthorities;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _destinationHosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly bool _skipDestination;
    private readonly bool _skipSources;

    /// <summary>One decision for every host (commands that only read sources).</summary>
    public RegistryTrust(IEnumerable<string>? caCertificateFiles, bool skipCertificateCheck)
        : this(caCertificateFiles, null, skipCertificateCheck, skipCertificateCheck)
    {
    }

    /// <param name="destinationHost">host[:port] of the registry given by -Registry, or null.</param>
    public RegistryTrust(IEnumerable<string>? caCertificateFiles, string? destinationHost, bool skipDestination, bool skipSources)
    {
        _skipDestination = skipDestination;
        _skipSources = skipSources;
        if (destinationHost != null) AddDestinationHost(destinationHost);
        SkipCertificateCheck = destinationHost != null ? skipDestination : skipSources;
        _extraAuthorities = new X509Certificate2Collection();
        foreach (var file in caCertificateFiles ?? Array.Empty<string>())
        {
            if (!File.Exists(file))
                throw new RegistryException(RegistryErrorKind.InvalidInput, file, $"The CA certificate file '{file}' does not exist.");
            foreach (var cert in ReadPem(file)) _extraAuthorities.Add(cert);
        }
    }

    /// <summary>Whether the check is skipped for the registry given by -Registry (without one, for every host).</summary>
    public bool SkipCertificateCheck { get; }

    /// <summary>Counts <paramref name="host"/> (host[:port]) as part of the destination: its token service, for example.</summary>
    public void AddDestinationHost(string host) => _destinationHosts[Normalise(host)] = true;

    /// <summary>The switch that would skip the check for <paramref name="host"/>, for messages.</summary>
    public string SkipSwitchFor(string host) => _destinationHosts.Count > 0 && !IsDestination(host) ? "-SourceSkipCertificateCheck" : "-SkipCertificateCheck";

    public bool IsDestination(string host) => _destinationHosts.ContainsKey(Normalise(host));

    public bool SkipsCertificateCheck(string host) => IsDestination(host) ? _skipDestination : _skipSources;

    /// <summary>Validates the certificate <paramref name="host"/> (host[:port]) presented.</summary>
    public bool Validate(string host, X509Certificate2? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        SkipsCertificateCheck(host) || Validate(certificate, chain, errors, skip: false);

    public bool Validate(X509Certificate2? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        Validate(certificate, chain, errors, SkipCertificateCheck);

    // A port written out that is the scheme's default is not part of the key (443 is assumed: TLS is what is checked).
    private static string Normalise(string host) =>
        host.EndsWith(":443", StringComparison.Ordinal) ? host.Substring(0, host.Length - 4).ToLowerInvariant() : host.ToLowerInvariant();

    private bool Validate(X509Certificate2? certificate, X509Chain? chain, SslPolicyErrors errors, bool skip)
    {
        if (skip || errors == SslPolicyErrors.None) return true;
        if (certificate == null || _extraAuthorities.Count == 0) return false;
        // A name mismatch is never forgiven, whoever signed the certificate.
        if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false;

        return RootAmong(certificate, _extraAuthorities.Cast<X509Certificate2>().ToList()) != null;
    }

    /// <summary>
    /// The one of <paramref name="authorities"/> that <paramref name="certificate"/> chains up to, or null. netstandard2.0
    /// has no custom trust store: the chain is built with them as extra certificates, an unknown root allowed, and the
    /// root it ends at must be one of them.
    /// </summary>
    public static X509Certificate2? RootAmong(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> authorities)
    {
        if (authorities.Count == 0) return null;
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
        chain.ChainPolicy.ExtraStore.AddRange(authorities.ToArray());
        if (!chain.Build(certificate)) return null;
        var root = chain.ChainElements[chain.ChainElements.Count - 1].Certificate;
        return authorities.FirstOrDefault(ca => ca.Thumbprint == root.Thumbprint);
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
