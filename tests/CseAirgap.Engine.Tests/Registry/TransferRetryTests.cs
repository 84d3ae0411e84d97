using System;
using System.Net.Http;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry;

public sealed class TransferRetryTests
{
    [Fact]
    public void ACorruptBodyIsWorthStartingAgain() =>
        Assert.True(RetryPolicy.IsWorthRetryingTransfer(new HttpRequestException("copy failed", new DigestMismatchException("sha256:a", "sha256:b", 3))));

    [Fact]
    public void ABodyCutOrStalledMidwayIsWorthStartingAgain() =>
        Assert.True(RetryPolicy.IsWorthRetryingTransfer(new HttpRequestException("copy failed",
            new RegistryException(RegistryErrorKind.Timeout, "h", "stalled") { TransferMayRestart = true })));

    [Theory]
    [InlineData(RegistryErrorKind.Unreachable)]
    [InlineData(RegistryErrorKind.ProtocolError)]
    [InlineData(RegistryErrorKind.Timeout)]
    [InlineData(RegistryErrorKind.RateLimited)]
    [InlineData(RegistryErrorKind.NotFound)]
    public void WhatTheTransportAlreadyRetriedIsNotRetriedAgain(RegistryErrorKind kind) =>
        Assert.False(RetryPolicy.IsWorthRetryingTransfer(new RegistryException(kind, "h", "gave up")));

    [Fact]
    public void AnUnexplainedErrorIsNotRetried() =>
        Assert.False(RetryPolicy.IsWorthRetryingTransfer(new HttpRequestException("no such host")));
}
