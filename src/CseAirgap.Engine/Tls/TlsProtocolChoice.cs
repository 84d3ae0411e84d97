using System;
using System.Runtime.InteropServices;
using System.Security.Authentication;

namespace CseAirgap.Engine.Tls;

/// <summary>
/// The TLS versions every connection to a registry offers, and Test-CsePrerequisite's probe with it, so the two never
/// disagree. Always named explicitly: left unset, .NET Framework falls back to
/// <c>ServicePointManager.SecurityProtocol</c>, which in powershell.exe without the SchUseStrongCrypto keys is SSL 3 and
/// TLS 1.0 only, and a TLS-1.2-only Harbor then fails as "unreachable". TLS 1.3 is added only where both the runtime
/// names it and the OS's TLS stack has it: Windows' SChannel has it from build 20348 (Server 2022, Windows 11), and
/// asking an older SChannel for it breaks handshakes. Received as a value, so each platform's choice runs in the tests.
/// </summary>
public sealed class TlsProtocolChoice
{
    /// <summary>TLS 1.3's flag: .NET Framework 4.8 and .NET Core 3.0 name it, the netstandard2.0 surface does not.</summary>
    internal const SslProtocols Tls13 = (SslProtocols)12288;

    /// <summary>The first Windows build whose SChannel supports TLS 1.3 (Windows Server 2022).</summary>
    internal const int FirstWindowsBuildWithTls13 = 20348;

    public TlsProtocolChoice(bool runtimeNamesTls13, bool isWindows, Version osVersion)
    {
        var osHasTls13 = !isWindows || osVersion.Major > 10 || osVersion.Major == 10 && osVersion.Build >= FirstWindowsBuildWithTls13;
        Offered = SslProtocols.Tls12 | (runtimeNamesTls13 && osHasTls13 ? Tls13 : 0);
    }

    /// <summary>The choice for the runtime and OS of this process.</summary>
    public static TlsProtocolChoice ForThisPlatform { get; } = new(
        Enum.IsDefined(typeof(SslProtocols), Tls13),
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows),
        // On .NET Framework a process without a Windows 10 manifest is told 6.2: it then offers TLS 1.2 alone, which is safe.
        Environment.OSVersion.Version);

    /// <summary>What a handshake offers: TLS 1.2, and 1.3 where the platform has it; never SSL 3, TLS 1.0 or 1.1.</summary>
    public SslProtocols Offered { get; }

    public override string ToString() => (Offered & Tls13) != 0 ? "TLS 1.2, TLS 1.3" : "TLS 1.2";
}
