using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// A response body whose every read must bring a byte within the stall timeout. A registry that sends its headers
/// and then nothing fails as <c>RegistryTimeout</c> naming the host and the body it waited for; a connection cut
/// midway fails as <c>RegistryUnreachable</c>; both may restart the transfer (the transport cannot repeat a body
/// already handed to its reader). A stall closes the body (and the content that owns the connection) rather than only
/// cancelling the read: .NET Framework's response stream looks at a token only when a read starts, so a read already
/// waiting would ignore it and hang the run; closed under it, the read ends.
/// </summary>
internal sealed class StallGuardedContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly TimeSpan _stall;
    private readonly string _host;
    private readonly string _what;

    public StallGuardedContent(HttpContent inner, TimeSpan stall, string host, string what)
    {
        _inner = inner;
        _stall = stall;
        _host = host;
        _what = what;
        foreach (var header in inner.Headers) Headers.TryAddWithoutValidation(header.Key, header.Value);
    }

    protected override async Task<Stream> CreateContentReadStreamAsync()
    {
        var body = await _inner.ReadAsStreamAsync().ConfigureAwait(false);
        return new GuardedStream(body, _stall, _host, _what, () =>
        {
            body.Dispose();
            _inner.Dispose();
        });
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        using var body = await CreateContentReadStreamAsync().ConfigureAwait(false);
        await body.CopyToAsync(stream).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }

    private sealed class GuardedStream : ReadOnlyStream
    {
        private readonly Stream _inner;
        private readonly TimeSpan _stall;
        private readonly string _host;
        private readonly string _what;
        private readonly Action _abort;
        private long _received;
        private CancellationTokenSource? _timer;
        private CancellationToken _timerFor;

        public GuardedStream(Stream inner, TimeSpan stall, string host, string what, Action abort)
        {
            _inner = inner;
            _stall = stall;
            _host = host;
            _what = what;
            _abort = abort;
        }

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            // One timer for the stream, armed for each read and disarmed after it (a read per TLS record: a new linked
            // source each time cost an allocation and a registration on the hot path). Linked anew only when the
            // caller's token changes, which a copy loop never does.
            if (_timer == null || _timerFor != cancellationToken)
            {
                _timer?.Dispose();
                _timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                _timerFor = cancellationToken;
                // Registered once per timer, not per read: when the stall (or the caller) ends the wait, the body is
                // closed under a read that does not honour its token.
                _timer.Token.Register(Abort);
            }
            var timer = _timer;
            timer.CancelAfter(_stall);
            try
            {
                var n = await _inner.ReadAsync(buffer, offset, count, timer.Token).ConfigureAwait(false);
                timer.CancelAfter(Timeout.InfiniteTimeSpan);
                _received += n;
                return n;
            }
            catch (Exception e) when (cancellationToken.IsCancellationRequested && !(e is OperationCanceledException))
            {
                // The caller's cancellation closed the body under the read: say it was cancelled, as on .NET.
                throw new OperationCanceledException("The read of " + _what + " was cancelled.", e, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && timer.IsCancellationRequested)
            {
                throw new RegistryException(RegistryErrorKind.Timeout, _host,
                    $"{_host} sent nothing for {_stall.TotalSeconds:0.#} s while sending {_what} (after {_received} bytes): the stall timeout (-StallTimeoutSec) ran out.", e)
                { TransferMayRestart = true };
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && (e is IOException || e is HttpRequestException))
            {
                throw new RegistryException(RegistryErrorKind.Unreachable, _host,
                    $"The connection to {_host} was cut after {_received} bytes of {_what} ({Innermost(e).Message}).", e)
                { TransferMayRestart = true };
            }
        }

        private static Exception Innermost(Exception e)
        {
            while (e.InnerException != null) e = e.InnerException;
            return e;
        }

        private void Abort()
        {
            try
            {
                _abort();
            }
            catch (Exception e) when (e is IOException || e is ObjectDisposedException || e is InvalidOperationException)
            {
                // Closing a body the connection already lost: the read ends either way.
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
                _timer?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
