using System.Threading;

namespace CseAirgap.Engine.Copy;

/// <summary>Counters the copy updates from any thread and the caller reads whenever it likes (for Write-Progress).</summary>
public sealed class CopyProgress
{
    private long _bytesCopied;
    private long _bytesReused;
    private int _imagesDone;

    public CopyProgress(int totalImages) => TotalImages = totalImages;

    public int TotalImages { get; }
    public int ImagesDone => Volatile.Read(ref _imagesDone);
    public long BytesCopied => Interlocked.Read(ref _bytesCopied);
    public long BytesReused => Interlocked.Read(ref _bytesReused);

    internal void AddCopied(long bytes) => Interlocked.Add(ref _bytesCopied, bytes);
    internal void AddReused(long bytes) => Interlocked.Add(ref _bytesReused, bytes);
    internal void ImageDone() => Interlocked.Increment(ref _imagesDone);
}
