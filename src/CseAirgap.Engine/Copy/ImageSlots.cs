using System;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Copy;

/// <summary>
/// The images of one run copied at once (-ThrottleLimit): the command's images and every bundle's locked images, at
/// any depth, share these slots, so nesting never multiplies the limit.
/// </summary>
/// <remarks>
/// Why this cannot deadlock: a copy holds a slot only while it does its own work (manifests, config, lock, blobs,
/// PUTs), which waits on nothing but the network and the blob transfer limit. A bundle that waits for the images of
/// its lock gives its slot back first (<see cref="Slot.SetAsideAsync{T}"/>) and takes one again afterwards, so
/// however deep bundles nest, every copy that waits for a slot waits for one that a working copy will give back.
/// </remarks>
internal sealed class ImageSlots : IDisposable
{
    private readonly SemaphoreSlim _free;

    public ImageSlots(int count) => _free = new SemaphoreSlim(Math.Max(1, count));

    public async Task<Slot> TakeAsync(CancellationToken ct)
    {
        await _free.WaitAsync(ct).ConfigureAwait(false);
        return new Slot(_free);
    }

    public void Dispose() => _free.Dispose();

    /// <summary>One slot, given back when disposed unless it was set aside and not taken again.</summary>
    internal sealed class Slot : IDisposable
    {
        private readonly SemaphoreSlim _free;
        private bool _held = true;

        public Slot(SemaphoreSlim free) => _free = free;

        /// <summary>Gives the slot back while <paramref name="wait"/> runs (it needs slots of its own), then takes one again.</summary>
        public async Task<T> SetAsideAsync<T>(Func<Task<T>> wait, CancellationToken ct)
        {
            _held = false;
            _free.Release();
            var result = await wait().ConfigureAwait(false);
            await _free.WaitAsync(ct).ConfigureAwait(false);
            _held = true;
            return result;
        }

        public void Dispose()
        {
            if (!_held) return;
            _held = false;
            _free.Release();
        }
    }
}
