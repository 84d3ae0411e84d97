using CseAirgap.Engine.Archive;
using Xunit;

namespace CseAirgap.Engine.Tests.Archive;

/// <summary>Issue 12, case 1: a whiteout that names the parent must not delete the folder holding the destination.</summary>
public sealed class WhiteoutEscapeTests : IDisposable
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "cseairgap-wh-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (System.IO.Directory.Exists(_scratch)) System.IO.Directory.Delete(_scratch, recursive: true);
    }

    [Theory]
    [InlineData(".wh...")]
    [InlineData("sub/.wh...")]
    [InlineData(".wh..")]
    [InlineData(".wh.")]
    [InlineData(".wh.a\\..\\..")]
    public void AWhiteoutOfTheParentIsRefusedAndTheCanaryBesideTheRootSurvives(string whiteout)
    {
        var parent = Path.Combine(_scratch, "parent");
        var root = Path.Combine(parent, "root");
        System.IO.Directory.CreateDirectory(Path.Combine(root, "sub"));
        var canary = Path.Combine(parent, "canary.txt");
        System.IO.File.WriteAllText(canary, "alive");
        using var tar = HostileTar.Build(w => w.File(whiteout, string.Empty));

        var refusal = Assert.Throws<UnsafeEntryException>(() => new LayerApplier(root, null).Apply(tar));

        Assert.Equal("UnsafeArchiveEntry", refusal.ErrorId);
        Assert.Equal(whiteout, refusal.Entry);
        Assert.Equal("alive", System.IO.File.ReadAllText(canary));
        Assert.True(System.IO.Directory.Exists(Path.Combine(root, "sub")));
    }
}
