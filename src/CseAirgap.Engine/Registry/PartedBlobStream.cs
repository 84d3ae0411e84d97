using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// A large blob fetched as bounded ranges (<c>bytes=a-b</c>, never open-ended) over several connections and handed on
/// in order. At most <see cref="RangedFetchSettings.PartsInFlight"/> parts exist at once, the one being read included,
/// each in a buffer of <see cref="RangedFetchSettings.PartSize"/> bytes reused from part to part: that product is all
/// the memory a blob takes, however large it is. A part is accepted only as a 206 naming exactly the bytes asked for;
/// a part that fails or is cut is asked for again alone, from where it stopped. Each part is fetched on the blob's own
/// connection or on a spare one of the host's <see cref="HostConnectionBudget"/>: the blob never takes a connection
/// another blob is waiting for.
/// </summary>
internal sealed class PartedBlobStream : ReadOnlyStream
{
    private readonly RegistryClient _client;
    private readonly string _repository;
    private readonly string _digest;
    private readonly long _size;
    private readonly int _partSize;
    private readonly int _partCount;
    private readonly CancellationTokenSource _stop;
    private readonly Queue<Task<byte[]>> _pending = new();
    private readonly ConcurrentBag<byte[]> _buffers = new();
    private readonly IDisposable _own;
    private readonly SemaphoreSlim _ownFree = new(0, 1);
    private readonly HostConnectionBudget _budget;
    private int _nextToStart;
    private int _nextToRead;
    private byte[]? _current;
    private int _currentLength;
    private int _currentOffset;

    public PartedBlobStream(RegistryClient client, string repository, string digest, long size, RangedFetchSettings settings, HttpResponseMessage first, IDisposable own, CancellationToken ct)
    {
        _own = own;
        _budget = client.DownloadBudget;
        _client = client;
        _repository = repository;
        _digest = digest;
        _size = size;
        _partSize = settings.PartSize;
        _partCount = (int)((size + _partSize - 1) / _partSize);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _pending.Enqueue(FetchPartAsync(0, first));
        _nextToStart = 1;
        while (_nextToStart < Math.Min(_partCount, settings.PartsInFlight)) StartNext();
    }

    private void StartNext()
    {
        _pending.Enqueue(FetchPartAsync(_nextToStart, null));
        _nextToStart++;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        if (_current == null || _currentOffset == _currentLength)
        {
            if (_current != null)
            {
                // The part is handed on: its buffer takes the next part to start.
                _buffers.Add(_current);
                _current = null;
                if (_nextToStart < _partCount) StartNext();
            }
            if (_nextToRead == _partCount) return 0;
            _current = await _pending.Dequeue().ConfigureAwait(false);
            _currentLength = LengthOf(_nextToRead);
            _currentOffset = 0;
            _nextToRead++;
        }
        var n = Math.Min(count, _currentLength - _currentOffset);
        Buffer.BlockCopy(_current, _currentOffset, buffer, offset, n);
        _currentOffset += n;
        return n;
    }

    private int LengthOf(int part) => (int)Math.Min(_partSize, _size - (long)part * _partSize);

    /// <summary>
    /// One part into a buffer of its own: asked for again alone when it fails, from the first byte still missing
    /// (bounded by <see cref="RetryPolicy.MaxAttempts"/>, with the policy's back-off).
    /// </summary>
    private async Task<byte[]> FetchPartAsync(int part, HttpResponseMessage? opened)
    {
        var ct = _stop.Token;
        // The first part arrives on the blob's own connection, already taken; any other takes a spare one if the host
        // has one nobody waits for, or else waits for the blob's own.
        var spare = opened == null ? _budget.TryTakeSpare() : null;
        if (opened == null && spare == null) await _ownFree.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await FetchPartOnAsync(part, opened, ct).ConfigureAwait(false);
        }
        finally
        {
            if (spare != null) spare.Dispose();
            else _ownFree.Release();
        }
    }

    private async Task<byte[]> FetchPartOnAsync(int part, HttpResponseMessage? opened, CancellationToken ct)
    {
        var first = (long)part * _partSize;
        var length = LengthOf(part);
        var last = first + length - 1;
        var buffer = _buffers.TryTake(out var reused) ? reused : new byte[_partSize];
        var got = 0;
        for (var attempt = 1; ; attempt++)
        {
            var response = opened;
            opened = null;
            try
            {
                response ??= await _client.GetBlobRangeAsync(_repository, _digest, first + got, last, ct).ConfigureAwait(false);
                using (response)
                {
                    if (!BlobRange.IsExactly(response, first + got, last, _size)) throw BlobRange.Refused(_client, _digest, first + got, last, response);
                    using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                    while (got < length)
                    {
                        var n = await body.ReadAsync(buffer, got, length - got, ct).ConfigureAwait(false);
                        if (n == 0)
                            throw new RegistryException(RegistryErrorKind.Unreachable, $"{_client.Address.Host}@{_digest}",
                                $"{_client.Address.Host} ended bytes {first}-{last} of {_digest} after {got} of {length}.") { TransferMayRestart = true };
                        got += n;
                    }
                    // A body that goes on past the range (no Content-Length to hold it) is as wrong as a short one.
                    if (response.Content.Headers.ContentLength == null && await body.ReadAsync(new byte[1], 0, 1, ct).ConfigureAwait(false) > 0)
                        throw BlobRange.Refused(_client, _digest, first, last, response);
                }
                return buffer;
            }
            catch (Exception e) when (!ct.IsCancellationRequested && attempt < _client.Retry.MaxAttempts && BlobRange.IsCut(e))
            {
                var delay = _client.Retry.DelayFor(attempt, null);
                _client.Note($"{_client.Address.Host}: bytes {first}-{last} of {_digest} failed after {got} bytes ({e.Message}); " +
                    $"asking for the rest of that part in {delay.TotalMilliseconds:0} ms (attempt {attempt + 1} of {_client.Retry.MaxAttempts}).");
                await Task.Delay(delay, ct).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _buffers.Add(buffer);
                if (!ct.IsCancellationRequested && BlobRange.IsCut(e)) throw BlobRange.Exhausted(e, $"{_client.Address.Host}@{_digest}");
                throw;
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Parts still in flight end on the cancellation; their failures are nobody's business now. The source is
            // not disposed: a part may still be reading its token.
            _stop.Cancel();
            foreach (var task in _pending) task.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
            // The blob's own connection goes back once no part of it is left in flight.
            Task.WhenAll(_pending).ContinueWith(_ => _own.Dispose(), TaskScheduler.Default);
        }
        base.Dispose(disposing);
    }

    public override long Length => _size;
}
