using System;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace CseAirgap.Engine.Registry.Transport;

/// <summary>
/// How each framework reports the same network failure, recognised in one place. .NET (PowerShell 7) wraps a
/// <see cref="SocketException"/>; .NET Framework (Windows PowerShell 5.1) wraps a <see cref="WebException"/> with a
/// status. Both shapes are built in the tests, so the Windows PowerShell path is checked on any machine.
/// </summary>
internal static class FrameworkExceptionShapes
{
    /// <summary>
    /// A host name DNS does not know: <c>SocketException(HostNotFound or NoData)</c> on .NET,
    /// <c>WebException(NameResolutionFailure or ProxyNameResolutionFailure)</c> on .NET Framework.
    /// </summary>
    public static bool IsUnknownHost(Exception e)
    {
        for (var x = e; x != null; x = x.InnerException)
        {
            if (x is SocketException s && (s.SocketErrorCode == SocketError.HostNotFound || s.SocketErrorCode == SocketError.NoData)) return true;
            if (x is WebException w && (w.Status == WebExceptionStatus.NameResolutionFailure || w.Status == WebExceptionStatus.ProxyNameResolutionFailure)) return true;
        }
        return false;
    }

    /// <summary>
    /// A proxy's 407 that came as an exception (a refused CONNECT for an HTTPS registry): .NET's
    /// <see cref="HttpRequestException"/> carries it in StatusCode (since .NET 5, so read by name from netstandard2.0);
    /// .NET Framework's <see cref="WebException"/> in its response.
    /// </summary>
    public static bool IsProxyAuthenticationRequired(Exception e)
    {
        for (var x = e; x != null; x = x.InnerException)
        {
            if (x is HttpRequestException && x.GetType().GetProperty("StatusCode")?.GetValue(x) is HttpStatusCode status &&
                status == HttpStatusCode.ProxyAuthenticationRequired) return true;
            if (x is WebException { Response: HttpWebResponse { StatusCode: HttpStatusCode.ProxyAuthenticationRequired } }) return true;
        }
        return false;
    }
}
