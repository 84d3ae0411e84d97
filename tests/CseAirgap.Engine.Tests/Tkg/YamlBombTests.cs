using System.Diagnostics;
using System.Text;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Imgpkg;
using CseAirgap.Engine.Tkg;
using Xunit;

namespace CseAirgap.Engine.Tests.Tkg;

/// <summary>
/// The two YAML bombs of issue 12: 400 KB of nested brackets (which overflowed the stack and killed the process)
/// and a 120 KB alias bomb (which grew past 3 GB). Both are refused, quickly and in little memory, whether they come
/// as a BOM or as an imgpkg lock.
/// </summary>
public sealed class YamlBombTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const long MemoryCeiling = 200L * 1024 * 1024;

    private static string NestedBrackets(int bytes) => "images: " + new string('[', bytes) + new string(']', bytes) + "\n";

    /// <summary>The classic "billion laughs": each level a list of ten aliases to the level below.</summary>
    private static string AliasBomb(int targetBytes)
    {
        var text = new StringBuilder("a0: &a0 [\"lol\"]\n");
        var level = 0;
        while (text.Length < targetBytes)
        {
            level++;
            text.Append($"a{level}: &a{level} [");
            for (var i = 0; i < 10; i++) text.Append(i == 0 ? "" : ", ").Append($"*a{level - 1}");
            text.Append("]\n");
            // Past twenty levels the expansion is astronomical; the rest is padding of plain keys to reach the size.
            if (level >= 20) break;
        }
        while (text.Length < targetBytes) text.Append($"k{text.Length}: *a{level}\n");
        return text.ToString();
    }

    private (Exception Error, TimeSpan Took, long Memory) Measure(Action parse)
    {
        GC.Collect();
        var before = GC.GetTotalMemory(true);
        var clock = Stopwatch.StartNew();
        var error = Record.Exception(parse);
        clock.Stop();
        var after = GC.GetTotalMemory(false);
        output.WriteLine($"refused in {clock.Elapsed.TotalMilliseconds:0} ms, managed heap grew {(after - before) / 1024} KiB, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576} MiB");
        return (error!, clock.Elapsed, after - before);
    }

    [Fact]
    public void Nested_brackets_in_a_bom_are_refused_before_any_tree_is_built()
    {
        var text = NestedBrackets(400 * 1024);
        var (error, took, memory) = Measure(() => BomDocument.Parse(text, "tkg-bom:bomb"));
        var refused = Assert.IsType<YamlTooComplexException>(error);
        Assert.Equal("ContentTooLarge", refused.ErrorId);
        Assert.Equal(FailureCategory.LimitsExceeded, refused.Category);
        Assert.Equal("MaxDepth", refused.LimitName);
        Assert.Contains("64", refused.Message);
        Assert.True(took < TimeSpan.FromSeconds(10), $"took {took}");
        Assert.True(memory < MemoryCeiling, $"grew {memory} bytes");
    }

    [Fact]
    public void An_alias_bomb_in_an_imgpkg_lock_is_refused_in_bounded_time_and_memory()
    {
        var text = "apiVersion: imgpkg.carvel.dev/v1alpha1\nkind: ImagesLock\n" + AliasBomb(120 * 1024);
        Assert.InRange(text.Length, 120 * 1024, 130 * 1024);
        var (error, took, memory) = Measure(() => ImagesLock.Parse(text, "bundle:bomb"));
        var refused = Assert.IsType<YamlTooComplexException>(error);
        Assert.Equal("ContentTooLarge", refused.ErrorId);
        Assert.Equal("MaxNodes", refused.LimitName);
        Assert.True(took < TimeSpan.FromSeconds(10), $"took {took}");
        Assert.True(memory < MemoryCeiling, $"grew {memory} bytes");
        Assert.True(Process.GetCurrentProcess().PeakWorkingSet64 < 500L * 1024 * 1024, "peak working set");
    }

    [Fact]
    public void A_document_past_the_size_cap_is_refused_as_content_too_large()
    {
        var text = "a: " + new string('x', ContentLimits.Document) + "\n";
        var error = Assert.IsType<ContentTooLargeException>(Record.Exception(() => BomDocument.Parse(text, "tkg-bom:huge")));
        Assert.Equal("ContentTooLarge", error.ErrorId);
        Assert.Equal(ContentLimits.Document, error.Limit);
    }

    [Fact]
    public void Anchors_and_aliases_of_a_reasonable_size_still_read()
    {
        var text = "imageConfig:\n  imageRepository: projects.registry.vmware.com/tkg\n" +
            "components:\n  a:\n  - version: v1\n    images: &images\n      one:\n        imagePath: pause\n        tag: \"3.9\"\n" +
            "  b:\n  - version: v2\n    images: *images\n";
        var bom = BomDocument.Parse(text, "tkg-bom:ok");
        Assert.Equal(new[] { "projects.registry.vmware.com/tkg/pause:3.9" }, bom.Images("projects.registry.vmware.com/tkg"));
    }

    [Fact]
    public void Nesting_at_the_limit_reads_and_one_more_is_refused()
    {
        string Nested(int depth) => "x: " + new string('[', depth - 1) + new string(']', depth - 1) + "\n";
        YamlTree.Parse(Nested(YamlLimits.MaxDepth), "ok");
        Assert.IsType<YamlTooComplexException>(Record.Exception(() => YamlTree.Parse(Nested(YamlLimits.MaxDepth + 1), "deep")));
    }
}
