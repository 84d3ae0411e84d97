using System;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// A blob read by one GET that, when the body is cut or stalls midway, asks for the bytes still missing
/// (<c>Range: bytes=N-last</c>, bounded) and goes on from there, instead of starting the blob again from byte 0. The
/// reader (the digest check, the upload) never notices. Resumed at most <see cref="RetryPolicy.MaxAttempts"/> - 1
/// times; a resume answered with anything but exactly the missing bytes fails with the original cut, which the
/// transfer layer handles as before (the whole blob again).
/// </summary>
internal sealed class ResumingBlobStream : ReadOnlyStream
{
    private readonly RegistryClient _client;
    private readonly string _repository;
    private readonly string _digest;
    private readonly long _size;
    private readonly bool _resumable;
    private readonly IDisposable _connection;
    private HttpResponseMessage _response;
    private Stream? _body;
    private long _position;
    private int _resumes;

    public ResumingBlobStream(RegistryClient client, string repository, string digest, long size, HttpResponseMessage response, IDisposable connection, bool resumable)
    {
        _connection = connection;
        _client = client;
        _repository = repository;
        _digest = digest;
        _size = size;
        _response = response;
        _resumable = resumable;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        while (true)
        {
            Exception cut;
            try
            {
                _body ??= await _response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                var n = await _body.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
                _position += n;
                // An end before the declared size is a cut too; the checks above this stream judge every other end.
                if (n > 0 || _position >= _size || !_resumable) return n;
                cut = new RegistryException(RegistryErrorKind.Unreachable, $"{_client.Address.Host}@{_digest}",
                    $"{_client.Address.Host} ended the body of {_digest} after {_position} of {_size} bytes.") { TransferMayRestart = true };
            }
            catch (Exception e) when (_resumable && _position < _size && BlobRange.IsCut(e) && !cancellationToken.IsCancellationRequested)
            {
                cut = e;
            }
            await ResumeAsync(cut, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ResumeAsync(Exception cut, CancellationToken ct)
    {
        if (++_resumes >= _client.Retry.MaxAttempts) throw BlobRange.Exhausted(cut, $"{_client.Address.Host}@{_digest}");
        _body?.Dispose();
        _response.Dispose();
        _body = null;
        var delay = _client.Retry.DelayFor(_resumes, null);
        _client.Note($"{_client.Address.Host}: {_digest} was cut after {_position} of {_size} bytes ({cut.Message}); " +
            $"asking for the rest in {delay.TotalMilliseconds:0} ms (attempt {_resumes + 1} of {_client.Retry.MaxAttempts}).");
        await Task.Delay(delay, ct).ConfigureAwait(false);
        var last = _size - 1;
        var response = await _client.GetBlobRangeAsync(_repository, _digest, _position, last, ct).ConfigureAwait(false);
        if (!BlobRange.IsExactly(response, _position, last, _size))
        {
            response.Dispose();
            throw cut;
        }
        _response = response;
    }


    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _body?.Dispose();
            _response.Dispose();
            _connection.Dispose();
        }
        base.Dispose(disposing);
    }
}
