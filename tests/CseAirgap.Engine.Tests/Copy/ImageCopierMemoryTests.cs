using CseAirgap.Engine.Copy;
using Xunit;

namespace CseAirgap.Engine.Tests.Copy;

/// <summary>Measured alone: the bytes the process allocates are counted, so no other test may run beside these.</summary>
[CollectionDefinition(nameof(AllocationMeasurements), DisableParallelization = true)]
public sealed class AllocationMeasurements
{
}

/// <summary>Memory a hostile bundle lock costs (issue 26, item 4), as a bound on the bytes allocated.</summary>
[Collection(nameof(AllocationMeasurements))]
public sealed class ImageCopierMemoryTests
{
    [Fact]
    public async Task ALockNamingAnImageWithAn8MiBConfig40TimesAllocatesLessThanTheConfigOnce()
    {
        const int configBytes = 8 * 1024 * 1024;
        var source = new MemorySource();
        // A valid JSON config of 8 MiB: twice the most read whole, so it streams like any blob.
        var config = System.Text.Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"padding\":\"" + new string('x', configBytes) + "\"}");
        var image = source.AddImage(config, System.Text.Encoding.UTF8.GetBytes("layer"));
        var bundle = source.AddBundle(Enumerable.Repeat(ImageCopierBundleLockTests.Locked("big", image), 40));
        var registry = new RecordingRegistry();

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var outcome = Assert.Single(await ImageCopierBundleLockTests.CopyAsync(source, registry, 4, bundle));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Null(outcome.Error);
        Assert.Equal(CopyStatus.Copied, outcome.Status);
        Assert.Equal(1, outcome.BundleImages);
        // Read once, to send it; never for its labels.
        Assert.Equal(1, source.BlobOpens[MemorySource.Sha256(config)]);
        // One buffered copy of the config would be 8 MiB on its own; 40 of them (the code before) over 600 MiB.
        Assert.True(allocated < configBytes, $"the copy allocated {allocated / 1048576.0:0.0} MiB");
    }
}
