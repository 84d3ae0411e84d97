using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// Bounds every silence of one request by the stall timeout, and remembers what was awaited when it ran out: the
/// connection and the answer, the registry taking the next bytes of an upload, or the answer once the upload was sent.
/// Re-armed at each step, so a multi-GB upload may take as long as it needs while bytes keep moving.
/// </summary>
internal sealed class TransferWatchdog : IDisposable
{
    private readonly CancellationTokenSource _timer;
    private readonly TimeSpan _stall;

    public TransferWatchdog(TimeSpan stall, CancellationToken outer)
    {
        _stall = stall;
        _timer = CancellationTokenSource.CreateLinkedTokenSource(outer);
        Arm("a connection and the answer");
    }

    public CancellationToken Token => _timer.Token;

    /// <summary>What the request was waiting for when last armed.</summary>
    public string Waiting { get; private set; } = string.Empty;

    public bool Fired(CancellationToken outer) => _timer.IsCancellationRequested && !outer.IsCancellationRequested;

    public void Arm(string waiting)
    {
        Waiting = waiting;
        try { _timer.CancelAfter(_stall); }
        catch (ObjectDisposedException) { }
    }

    /// <summary>Stops the clock while we wait for something that has its own timeout (the source of an upload).</summary>
    public void Pause()
    {
        try { _timer.CancelAfter(Timeout.InfiniteTimeSpan); }
        catch (ObjectDisposedException) { }
    }

    public void Dispose() => _timer.Dispose();

    /// <summary>A request body sent through the watchdog: each write to the network must complete within the stall timeout.</summary>
    public sealed class WatchedContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly TransferWatchdog _watchdog;

        public WatchedContent(HttpContent inner, TransferWatchdog watchdog)
        {
            _inner = inner;
            _watchdog = watchdog;
            foreach (var header in inner.Headers) Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var source = await _inner.ReadAsStreamAsync().ConfigureAwait(false);
            var buffer = new byte[81920];
            while (true)
            {
                _watchdog.Pause();
                var n = await source.ReadAsync(buffer, 0, buffer.Length, _watchdog.Token).ConfigureAwait(false);
                if (n == 0) break;
                _watchdog.Arm("the registry to take the next bytes of the upload");
                await stream.WriteAsync(buffer, 0, n, _watchdog.Token).ConfigureAwait(false);
            }
            _watchdog.Arm("the answer to the upload, sent whole");
        }

        protected override bool TryComputeLength(out long length)
        {
            var known = _inner.Headers.ContentLength;
            length = known ?? 0;
            return known.HasValue;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
