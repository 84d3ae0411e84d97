using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Tls;

/// <summary>The certificates a TLS server presents, and whether this machine (plus any extra CAs) trusts them.</summary>
public sealed class TlsProbeResult
{
    public TlsProbeResult(IReadOnlyList<X509Certificate2> chain, bool trustedByMachine, bool trustedWithExtraCas, SslPolicyErrors errors)
    {
        Chain = chain;
        TrustedByMachine = trustedByMachine;
        TrustedWithExtraCas = trustedWithExtraCas;
        Errors = errors;
    }

    /// <summary>Leaf first, then what completes the chain (as the server sent it, or as this machine built it).</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; }
    public bool TrustedByMachine { get; }
    public bool TrustedWithExtraCas { get; }
    public SslPolicyErrors Errors { get; }
}

public static class TlsProbe
{
    /// <summary>Connects, completes a handshake whatever the certificate, and reports what it saw.</summary>
    public static Task<TlsProbeResult> ProbeAsync(string host, int port, RegistryTrust? extraTrust, TimeSpan timeout, CancellationToken ct) =>
        ProbeAsync(host, port, extraTrust, timeout, TlsProtocolChoice.ForThisPlatform, ct);

    /// <summary>
    /// The probe with the TLS versions the registry transport offers (<paramref name="protocols"/>), so a registry the
    /// probe calls fine is one the copy can reach, and one the copy cannot reach is not called fine here.
    /// </summary>
    public static async Task<TlsProbeResult> ProbeAsync(string host, int port, RegistryTrust? extraTrust, TimeSpan timeout, TlsProtocolChoice protocols, CancellationToken ct)
    {
        using var tcp = new TcpClient();
        using (var timer = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timer.CancelAfter(timeout);
            var connect = tcp.ConnectAsync(host, port);
            var finished = await Task.WhenAny(connect, Task.Delay(Timeout.Infinite, timer.Token)).ConfigureAwait(false);
            if (finished != connect)
            {
                ct.ThrowIfCancellationRequested();
                throw new RegistryException(RegistryErrorKind.Unreachable, $"{host}:{port}", $"{host}:{port} did not accept a connection within {timeout.TotalSeconds:0} s.");
            }
            try
            {
                await connect.ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new RegistryException(RegistryErrorKind.Unreachable, $"{host}:{port}", $"{host}:{port} could not be reached: {e.Message}.", e);
            }
        }

        var chain = new List<X509Certificate2>();
        var errors = SslPolicyErrors.None;
        var withExtra = false;
        using var ssl = new SslStream(tcp.GetStream(), false, (_, certificate, builtChain, policyErrors) =>
        {
            errors = policyErrors;
            if (builtChain != null)
                foreach (var element in builtChain.ChainElements) chain.Add(new X509Certificate2(element.Certificate.RawData));
            if (chain.Count == 0 && certificate != null) chain.Add(new X509Certificate2(certificate.GetRawCertData()));
            withExtra = extraTrust != null && extraTrust.Validate(certificate as X509Certificate2 ?? (certificate == null ? null : new X509Certificate2(certificate.GetRawCertData())), builtChain, policyErrors);
            return true;
        });
        try
        {
            var handshake = ssl.AuthenticateAsClientAsync(host, null, protocols.Offered, checkCertificateRevocation: false);
            if (await Task.WhenAny(handshake, Task.Delay(timeout, ct)).ConfigureAwait(false) != handshake)
                throw new RegistryException(RegistryErrorKind.Unreachable, $"{host}:{port}", $"{host}:{port} did not complete a TLS handshake within {timeout.TotalSeconds:0} s.");
            await handshake.ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException || e is IOException)
        {
            throw new RegistryException(RegistryErrorKind.ProtocolError, $"{host}:{port}", $"{host}:{port} does not speak TLS with this machine's versions ({protocols}): {e.Message}. Is it a plain-HTTP registry (write http://)?", e);
        }
        return new TlsProbeResult(chain, errors == SslPolicyErrors.None, errors == SslPolicyErrors.None || withExtra, errors);
    }

    public static string ToPem(X509Certificate2 certificate)
    {
        var base64 = Convert.ToBase64String(certificate.RawData);
        var lines = new System.Text.StringBuilder("-----BEGIN CERTIFICATE-----\n");
        for (var i = 0; i < base64.Length; i += 64) lines.Append(base64.Substring(i, Math.Min(64, base64.Length - i))).Append('\n');
        return lines.Append("-----END CERTIFICATE-----\n").ToString();
    }

    public static bool IsSelfSigned(X509Certificate2 certificate) => certificate.SubjectName.RawData.AsSpanEquals(certificate.IssuerName.RawData);

    private static bool AsSpanEquals(this byte[] a, byte[] b)
    {
        if (a.Length != b.Length) return false;
        for (var i = 0; i < a.Length; i++) if (a[i] != b[i]) return false;
        return true;
    }
}
