using System;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// Reads a blob through, hashing as it goes. At the end of the stream it checks size and digest, with the algorithm
/// the digest names (sha256 or sha512; any other is refused before a byte is read), and throws instead of reporting
/// the end: an upload fed from it is aborted, so a corrupt blob is never committed.
/// </summary>
internal sealed class VerifyingStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly string _expectedDigest;
    private readonly long _expectedSize;
    private readonly IncrementalHash _hash;
    private readonly string _algorithm;
    private readonly Action<long>? _onBytes;
    private long _read;
    private bool _verified;

    public VerifyingStream(Stream inner, string expectedDigest, long expectedSize, Action<long>? onBytes)
    {
        try
        {
            _algorithm = Digest.Parse(expectedDigest, "the blob " + expectedDigest).Algorithm;
            _hash = Digests.Create(_algorithm);
        }
        catch
        {
            inner.Dispose();
            throw;
        }
        _inner = inner;
        _expectedDigest = expectedDigest;
        _expectedSize = expectedSize;
        _onBytes = onBytes;
    }

    public long BytesRead => _read;

    public override int Read(byte[] buffer, int offset, int count) =>
        Account(buffer, offset, _inner.Read(buffer, offset, Want(count)));

    // An upload reads its body asynchronously: without this override every read would take Stream's default
    // path (a thread-pool hop and a task per TLS record) and read the source synchronously.
    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Account(buffer, offset, await _inner.ReadAsync(buffer, offset, Want(count), cancellationToken).ConfigureAwait(false));

    // Never read past the declared size: a longer body is as wrong as a corrupt one.
    private int Want(int count) => (int)Math.Min(count, Math.Max(0, _expectedSize - _read) + 1);

    private int Account(byte[] buffer, int offset, int n)
    {
        if (n > 0)
        {
            _hash.AppendData(buffer, offset, n);
            _read += n;
            _onBytes?.Invoke(n);
            if (_read > _expectedSize) Fail();
            if (_read == _expectedSize) Verify();
            return n;
        }
        Verify();
        return 0;
    }

    private void Verify()
    {
        if (_verified) return;
        if (_read != _expectedSize) Fail();
        var actual = Digests.Format(_algorithm, _hash.GetHashAndReset());
        if (actual != _expectedDigest) throw new DigestMismatchException(_expectedDigest, actual, _read);
        _verified = true;
    }

    private void Fail() =>
        throw new DigestMismatchException(_expectedDigest, $"a body of {_read} bytes where {_expectedSize} were declared", _read);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _hash.Dispose();
        }
        base.Dispose(disposing);
    }

    public override long Length => _expectedSize;
    public override long Position { get => _read; set => throw new NotSupportedException(); }
}
