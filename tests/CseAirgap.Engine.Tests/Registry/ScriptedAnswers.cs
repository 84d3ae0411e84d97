using System.Collections.Concurrent;
using System.Net;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Tests.Registry;

/// <summary>
/// A registry played by a function: no authentication, every request recorded and answered as the test says. For
/// hostile answers a real registry cannot give (endless pages, substituted manifests, escapes in error bodies).
/// </summary>
internal sealed class ScriptedAnswers(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
{
    public const string Origin = "http://registry.test:5000";

    public ConcurrentQueue<Uri> Seen { get; } = new();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Seen.Enqueue(request.RequestUri!);
        var response = answer(request);
        response.RequestMessage = request;
        return Task.FromResult(response);
    }

    public RegistryClient Client(Action<RegistrySessionOptions>? configure = null)
    {
        var options = new RegistrySessionOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) } };
        configure?.Invoke(options);
        return new RegistryClient(new HttpClient(this), RegistryAddress.Parse(Origin), null, options);
    }

    public static HttpResponseMessage Json(string text, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(text, System.Text.Encoding.UTF8, "application/json") };
}

/// <summary>
/// A body made as it is read, never held whole, that counts the bytes the client really read: what a bound on a
/// download is asserted against. Not seekable, so HttpClient sees no length unless the test declares one.
/// </summary>
internal sealed class CountedBody(Func<long, int, byte[]> chunkAt, long length) : Stream
{
    private long _position;
    private byte[] _pending = Array.Empty<byte>();
    private int _pendingAt;

    /// <summary>Bytes handed to the reader so far.</summary>
    public long BytesRead { get; private set; }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_pendingAt == _pending.Length)
        {
            if (_position >= length) return 0;
            _pending = chunkAt(_position, (int)Math.Min(64 * 1024, length - _position));
            _pendingAt = 0;
            _position += _pending.Length;
        }
        var n = Math.Min(count, _pending.Length - _pendingAt);
        Array.Copy(_pending, _pendingAt, buffer, offset, n);
        _pendingAt += n;
        BytesRead += n;
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
