using System.Diagnostics;
using System.Net;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Registry.Transport;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry.Transport;

/// <summary>The stall timeout alone: a registry that never answers, or answers and then goes silent.</summary>
public sealed class StallTimeoutHandlerTests
{
    private static readonly TimeSpan Stall = TimeSpan.FromMilliseconds(200);

    /// <summary>Never answers, but ends when its token is cancelled (as the platform handler does).</summary>
    private sealed class NeverAnswers : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("not reached");
        }
    }

    private static HttpMessageInvoker Over(HttpMessageHandler inner) => new(new StallTimeoutHandler(Stall) { InnerHandler = inner });

    [Fact]
    public async Task NoAnswerWithinTheStallTimeoutFailsAsRegistryTimeoutNamingTheHost()
    {
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RegistryException>(() =>
            Over(new NeverAnswers()).SendAsync(ScriptedHandler.Request(HttpMethod.Get, "http://registry.test:5000/v2/"), CancellationToken.None));
        Assert.Equal("RegistryTimeout", error.ErrorId);
        Assert.Equal(FailureCategory.OperationTimeout, error.Category);
        Assert.Contains("registry.test:5000", error.Message);
        Assert.False(error.TransferMayRestart);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.15, 20);
    }

    [Fact]
    public async Task AStreamedUploadLeftUnansweredMayRestart()
    {
        var request = ScriptedHandler.Request(HttpMethod.Put, "http://registry.test/upload/1", replayable: false, content: new StreamContent(new MemoryStream(new byte[5])));
        var error = await Assert.ThrowsAsync<RegistryException>(() => Over(new NeverAnswers()).SendAsync(request, CancellationToken.None));
        Assert.True(error.TransferMayRestart);
    }

    [Fact]
    public async Task ABodyThatGoesSilentFailsAsRegistryTimeoutNamingTheTarget()
    {
        var inner = new ScriptedHandler((_, _) => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new SilentStream()) });
        using var response = await Over(inner).SendAsync(ScriptedHandler.Request(HttpMethod.Get, "http://registry.test/v2/lib/app/blobs/sha256:ab", target: "registry.test/lib/app@sha256:ab"), CancellationToken.None);
        var body = await response.Content.ReadAsStreamAsync();
        var error = await Assert.ThrowsAsync<RegistryException>(() => body.ReadAsync(new byte[4], 0, 4));
        Assert.Equal("RegistryTimeout", error.ErrorId);
        Assert.Contains("registry.test/lib/app@sha256:ab", error.Message);
        Assert.True(error.TransferMayRestart);
    }

    [Fact]
    public async Task ABodyWhoseReadIgnoresItsTokenIsClosedByTheStallTimeoutAndFailsAsRegistryTimeout()
    {
        // .NET Framework's response stream looks at the token only when a read starts: this one waits until it is closed.
        var deaf = new DeafStream();
        var inner = new ScriptedHandler((_, _) => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(deaf) });
        using var response = await Over(inner).SendAsync(ScriptedHandler.Request(HttpMethod.Get, "http://registry.test/v2/lib/app/blobs/sha256:ab", target: "registry.test/lib/app@sha256:ab"), CancellationToken.None);
        var body = await response.Content.ReadAsStreamAsync();
        var read = body.ReadAsync(new byte[4], 0, 4);
        // The test's own bound, far above the 200 ms stall: without the fix the read never ends and this fails, not hangs.
        Assert.Same(read, await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(60))));
        var error = await Assert.ThrowsAsync<RegistryException>(() => read);
        Assert.Equal("RegistryTimeout", error.ErrorId);
        Assert.Contains("registry.test/lib/app@sha256:ab", error.Message);
        Assert.True(error.TransferMayRestart);
        Assert.True(deaf.Closed);
    }

    [Fact]
    public async Task CancellationIsNotReportedAsATimeout()
    {
        using var cancel = new CancellationTokenSource();
        var pending = Over(new NeverAnswers()).SendAsync(ScriptedHandler.Request(HttpMethod.Get, "http://registry.test/v2/"), cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }

    private sealed class SilentStream : ReadOnlyStream
    {
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
    }

    /// <summary>A body whose reads ignore their token and end only when the stream is closed (as on .NET Framework).</summary>
    private sealed class DeafStream : ReadOnlyStream
    {
        private readonly TaskCompletionSource<int> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Closed => _closed.Task.IsCompleted;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => await _closed.Task;

        protected override void Dispose(bool disposing)
        {
            _closed.TrySetException(new ObjectDisposedException(nameof(DeafStream)));
            base.Dispose(disposing);
        }
    }
}
