using System.Net.Sockets;
using System.Security.Authentication;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Registry.Transport;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry.Transport;

/// <summary>What a failed attempt means, as a value: the error to report and whether to try again.</summary>
public sealed class TransportFailureTests
{
    private static readonly RegistryRequest Replayable = new("registry.test/lib/app:v1", "registry.test", null, true, "k");
    private static readonly RegistryRequest Streamed = new("registry.test/lib/app@sha256:ab", "registry.test", null, false, "k");

    private static TransportFailure Classify(Exception e, RegistryRequest? request = null) =>
        TransportFailure.Classify(e, request ?? Replayable, new RegistryTrust(null, false));

    [Fact]
    public void AnUntrustedCertificateIsReportedAsSuchAndNotTriedAgain()
    {
        var failure = Classify(new HttpRequestException("ssl", new AuthenticationException("remote certificate is invalid")));
        Assert.False(failure.Retryable);
        var error = Assert.IsType<RegistryException>(failure.Error);
        Assert.Equal("RegistryCertificateUntrusted", error.ErrorId);
        Assert.Contains("-CaCertificate", error.Message);
    }

    [Fact]
    public void ACutConnectionIsWorthAnotherTryAndMayRestartOnlyAStreamedBody()
    {
        var cut = new HttpRequestException("reset", new IOException("connection reset"));
        var replayable = Classify(cut);
        Assert.True(replayable.Retryable);
        Assert.Equal("RegistryUnreachable", ((RegistryException)replayable.Error).ErrorId);
        Assert.False(((RegistryException)replayable.Error).TransferMayRestart);
        Assert.True(((RegistryException)Classify(cut, Streamed).Error).TransferMayRestart);
    }

    [Fact]
    public void ANameThatDoesNotResolveIsNotWorthAnotherTry()
    {
        var failure = Classify(new HttpRequestException("dns", new SocketException((int)SocketError.HostNotFound)));
        Assert.False(failure.Retryable);
        Assert.Equal("RegistryUnreachable", ((RegistryException)failure.Error).ErrorId);
    }

    [Fact]
    public void ANameThatDoesNotResolveOnDotNetFrameworkIsNotWorthAnotherTryAndNamesDns()
    {
        // Windows PowerShell 5.1's shape: HttpClientHandler wraps HttpWebRequest's WebException, no SocketException inside.
        var framework = new HttpRequestException("An error occurred while sending the request.",
            new System.Net.WebException("The remote name could not be resolved: 'harbor.corp'", System.Net.WebExceptionStatus.NameResolutionFailure));
        var failure = Classify(framework);
        Assert.False(failure.Retryable);
        Assert.False(RetryPolicy.IsTransient(framework));
        var error = Assert.IsType<RegistryException>(failure.Error);
        Assert.Equal("RegistryUnreachable", error.ErrorId);
        Assert.Contains("DNS", error.Message);
        Assert.Contains("registry.test", error.Message);
        Assert.False(error.TransferMayRestart);
        Assert.Contains("DNS", ((RegistryException)Classify(new HttpRequestException("dns", new SocketException((int)SocketError.HostNotFound))).Error).Message);
    }

    [Fact]
    public void OurOwnErrorsComeOutAsTheyAreEvenWhenWrapped()
    {
        var mismatch = new DigestMismatchException("sha256:a", "sha256:b", 3);
        Assert.Same(mismatch, Classify(new HttpRequestException("copy", mismatch)).Error);
        var tooLarge = new ContentTooLargeException("token answer", "registry.test", 1024);
        var failure = Classify(new HttpRequestException("copy", tooLarge));
        Assert.Same(tooLarge, failure.Error);
        Assert.False(failure.Retryable);
    }

    [Fact]
    public void ATimeoutIsWorthAnotherTry()
    {
        var timeout = new RegistryException(RegistryErrorKind.Timeout, "registry.test", "silent");
        var failure = Classify(timeout);
        Assert.True(failure.Retryable);
        Assert.Same(timeout, failure.Error);
    }

    [Fact]
    public void AnUnexplainedFailureIsReturnedUnchangedAndNotTriedAgain()
    {
        var bug = new InvalidOperationException("a bug");
        var failure = Classify(bug);
        Assert.Same(bug, failure.Error);
        Assert.False(failure.Retryable);
    }
}
