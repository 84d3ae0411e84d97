using System;
using System.Net.Http;
using System.Runtime.ExceptionServices;
using System.Security.Authentication;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Registry.Transport;

/// <summary>What a failed attempt means: the error to report, and whether sending the request again may help.</summary>
internal sealed class TransportFailure
{
    private TransportFailure(Exception error, bool retryable)
    {
        Error = error;
        Retryable = retryable;
    }

    /// <summary>The exception to throw when no attempt is left: ours with an ID, or the original when we cannot explain it.</summary>
    public Exception Error { get; }
    public bool Retryable { get; }

    /// <summary>Throws <see cref="Error"/>, keeping its stack trace when it is the exception that was caught.</summary>
    public void Throw() => ExceptionDispatchInfo.Capture(Error).Throw();

    public static TransportFailure Classify(Exception e, RegistryRequest request, RegistryTrust trust)
    {
        var restartable = !request.Replayable;
        // Our own checks, fired while a streamed body was being sent (a corrupt or stalled source): say so as they are.
        if (FindInner<DigestMismatchException>(e) is { } mismatch) return new TransportFailure(mismatch, false);
        if (e is RegistryException own && own.Kind == RegistryErrorKind.Timeout)
        {
            // A timeout of a nested request (a token for an upload) is marked by the request it ends.
            own.TransferMayRestart = restartable;
            return new TransportFailure(own, true);
        }
        if (FindInner<CseAirgapException>(e) is { } known) return new TransportFailure(known, false);
        var host = request.RegistryHost;
        if (IsCertificateFailure(e))
            return new TransportFailure(new RegistryException(RegistryErrorKind.CertificateUntrusted, host,
                $"The TLS certificate of {host} is not trusted. Pass its CA with -CaCertificate <file.pem> " +
                "(Get-CseRegistryCertificate shows it), or " + trust.SkipSwitchFor(host) + " to accept any certificate.", e), false);
        if (FrameworkExceptionShapes.IsUnknownHost(e))
            return new TransportFailure(new RegistryException(RegistryErrorKind.Unreachable, host,
                $"DNS does not know the name of {host} ({Innermost(e).Message}). Check the spelling and this machine's DNS " +
                "servers (or its hosts file); behind a proxy that resolves names itself, pass -Proxy.", e), false);
        var retryable = RetryPolicy.IsTransient(e);
        if (!retryable && !(e is HttpRequestException)) return new TransportFailure(e, false);
        return new TransportFailure(new RegistryException(RegistryErrorKind.Unreachable, host,
            $"{host} could not be reached ({Innermost(e).Message}). Check the name, the port, DNS and any proxy; " +
            "write http:// before the registry if it does not speak TLS.", e) { TransferMayRestart = restartable && retryable }, retryable);
    }

    private static bool IsCertificateFailure(Exception e)
    {
        for (var x = e; x != null; x = x.InnerException)
            if (x is AuthenticationException) return true;
        return false;
    }

    private static T? FindInner<T>(Exception e) where T : Exception
    {
        for (Exception? x = e; x != null; x = x.InnerException)
            if (x is T found) return found;
        return null;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException != null) e = e.InnerException;
        return e;
    }
}
