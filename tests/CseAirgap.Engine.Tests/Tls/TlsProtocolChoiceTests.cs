using System.Security.Authentication;
using CseAirgap.Engine.Tls;
using Xunit;

namespace CseAirgap.Engine.Tests.Tls;

/// <summary>The TLS versions offered on each platform, named explicitly so .NET Framework never falls back to SSL 3/TLS 1.0.</summary>
public sealed class TlsProtocolChoiceTests
{
    private const SslProtocols Tls13 = (SslProtocols)12288;

#pragma warning disable SYSLIB0039 // the old versions are named to be asserted absent
    private const SslProtocols Obsolete = SslProtocols.Tls | SslProtocols.Tls11;
#pragma warning restore SYSLIB0039

    [Fact]
    public void WindowsPowerShellOnWindows10OffersTls12Alone()
    {
        // .NET Framework 4.8 names TLS 1.3, but Windows 10's SChannel (build 19045) does not have it.
        var choice = new TlsProtocolChoice(runtimeNamesTls13: true, isWindows: true, new Version(10, 0, 19045));
        Assert.Equal(SslProtocols.Tls12, choice.Offered);
    }

    [Fact]
    public void DotNetFramework472WhichDoesNotNameTls13OffersTls12Alone()
    {
        var choice = new TlsProtocolChoice(runtimeNamesTls13: false, isWindows: true, new Version(10, 0, 26100));
        Assert.Equal(SslProtocols.Tls12, choice.Offered);
    }

    [Fact]
    public void WindowsServer2022AndLinuxOfferTls12AndTls13()
    {
        Assert.Equal(SslProtocols.Tls12 | Tls13, new TlsProtocolChoice(true, true, new Version(10, 0, 20348)).Offered);
        Assert.Equal(SslProtocols.Tls12 | Tls13, new TlsProtocolChoice(true, false, new Version(6, 8)).Offered);
    }

    [Fact]
    public void NoPlatformOffersAnythingOlderThanTls12()
    {
        Assert.Equal((SslProtocols)0, TlsProtocolChoice.ForThisPlatform.Offered & Obsolete);
        Assert.NotEqual((SslProtocols)0, TlsProtocolChoice.ForThisPlatform.Offered & SslProtocols.Tls12);
    }
}
