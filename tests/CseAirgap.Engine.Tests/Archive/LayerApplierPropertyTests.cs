using System.Diagnostics;
using System.Formats.Tar;
using System.Text;
using CseAirgap.Engine.Archive;
using Xunit;
using Xunit.Abstractions;

namespace CseAirgap.Engine.Tests.Archive;

/// <summary>
/// Thousands of generated layers whose names and link targets come from a hostile alphabet ("..", ".", "/", "\",
/// ".wh.", ".wh..wh..opq", long names, absolute paths, hard and symbolic links, folders replaced by links), applied
/// to a root that sits beside a canary tree. Whatever a layer does, nothing outside the root may change, and every
/// refusal is an UnsafeEntryException. Deterministic: the seed of a failing case is in the message
/// (CSEAIRGAP_PROPERTY_SEED replays from another base seed).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LayerApplierPropertyTests : IDisposable
{
    private const int Cases = 3000;
    private static readonly string[] Components =
    {
        "a", "b", "c", "a", "b", "..", ".", "", ".wh.a", ".wh.b", ".wh.", ".wh..", ".wh...", ".wh..wh..opq", ".wh..wh.plnk",
        "canary.txt", "canary-dir", "x\\..\\..", "\\", "..\\..", new string('n', 200), "root", "top",
    };
    private static readonly int[] Modes = { 0b111_101_101, 0b101_101_101, 0, 0b100_111_101_101, 0b001_111_111_111, 0b110_100_100, 0b010_111_101_101 };

    private readonly ITestOutputHelper _output;
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "cseairgap-prop-" + Guid.NewGuid().ToString("N"));
    private readonly string _top;
    private readonly string _root;

    public LayerApplierPropertyTests(ITestOutputHelper output)
    {
        _output = output;
        _top = Path.Combine(_scratch, "top");
        _root = Path.Combine(_top, "root");
        Directory.CreateDirectory(Path.Combine(_top, "canary-dir", "sub"));
        File.WriteAllText(Path.Combine(_scratch, "outside.txt"), "outside");
        File.WriteAllText(Path.Combine(_top, "canary.txt"), "canary");
        File.WriteAllText(Path.Combine(_top, "canary-dir", "inner.txt"), "inner");
        File.WriteAllText(Path.Combine(_top, "canary-dir", "sub", "deep.txt"), "deep");
        File.SetUnixFileMode(Path.Combine(_top, "canary-dir", "inner.txt"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.CreateSymbolicLink(Path.Combine(_top, "canary-dir", "link-to-outside"), "../../outside.txt");
        Directory.CreateSymbolicLink(Path.Combine(_top, "canary-link-dir"), "canary-dir");
    }

    public void Dispose() => RemoveAll(_scratch);

    [UnixOnlyFact]
    public void NoGeneratedLayerChangesAnythingOutsideTheRoot()
    {
        var baseSeed = int.TryParse(Environment.GetEnvironmentVariable("CSEAIRGAP_PROPERTY_SEED"), out var s) ? s : 20261126;
        var before = OutsideSnapshot.Take(_scratch, _root);
        var clock = Stopwatch.StartNew();
        int refused = 0, applied = 0;
        for (var i = 0; i < Cases; i++)
        {
            var seed = baseSeed + i;
            var random = new Random(seed);
            var layers = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Layer(random)).ToList();
            Directory.CreateDirectory(_root);
            try
            {
                var applier = new LayerApplier(_root, null);
                foreach (var (tar, _) in layers)
                    using (tar)
                        applier.Apply(tar);
                applier.Finish();
                applied++;
            }
            catch (UnsafeEntryException)
            {
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"Seed {seed}: a refusal that is not an UnsafeEntryException ({e.GetType().Name}: {e.Message}).\n{Describe(layers)}");
            }
            var after = OutsideSnapshot.Take(_scratch, _root);
            var difference = OutsideSnapshot.Difference(before, after);
            Assert.True(difference.Length == 0, $"Seed {seed}: something outside the root changed:\n{difference}\n{Describe(layers)}");
            Assert.True((File.GetAttributes(_root) & FileAttributes.ReparsePoint) == 0 && Directory.Exists(_root), $"Seed {seed}: the root itself was replaced.\n{Describe(layers)}");
            RemoveAll(_root);
        }
        _output.WriteLine($"{Cases} generated layer stacks from seed {baseSeed}: {applied} applied, {refused} refused, {clock.Elapsed.TotalSeconds:0.0} s.");
        // The alphabet must exercise both sides, or the property says little.
        Assert.True(refused > Cases / 10 && applied > Cases / 10, $"{applied} applied and {refused} refused: the generator is lopsided.");
    }

    private (MemoryStream Tar, List<string> Entries) Layer(Random random)
    {
        var entries = new List<string>();
        var tar = HostileTar.Build(writer =>
        {
            var count = random.Next(1, 10);
            for (var i = 0; i < count; i++)
            {
                var name = Name(random);
                var roll = random.Next(100);
                var mode = Modes[random.Next(Modes.Length)];
                if (roll < 35)
                {
                    writer.File(name, "data" + random.Next(1000), mode);
                    entries.Add($"file {name} {Convert.ToString(mode, 8)}");
                }
                else if (roll < 60)
                {
                    writer.Directory(name, mode);
                    entries.Add($"dir {name} {Convert.ToString(mode, 8)}");
                }
                else if (roll < 85)
                {
                    var target = LinkTarget(random);
                    writer.Symlink(name, target);
                    entries.Add($"symlink {name} -> {target}");
                }
                else
                {
                    var target = random.Next(4) == 0 ? LinkTarget(random) : Name(random);
                    writer.HardLink(name, target);
                    entries.Add($"hardlink {name} => {target}");
                }
            }
        });
        return (tar, entries);
    }

    private static readonly string[] PlainComponents = { "a", "b", "c", ".wh.a", ".wh.b", ".wh..wh..opq", "canary.txt", "root", new string('n', 200) };

    /// <summary>Mostly plain names (so that whole layers get applied and later entries meet what earlier ones made), some hostile.</summary>
    private static string Name(Random random)
    {
        if (random.Next(100) < 88)
        {
            var plain = string.Join("/", Enumerable.Range(0, random.Next(1, 4)).Select(_ => PlainComponents[random.Next(PlainComponents.Length)]));
            return random.Next(10) == 0 ? "./" + plain : plain;
        }
        var parts = Enumerable.Range(0, random.Next(1, 5)).Select(_ => Components[random.Next(Components.Length)]);
        var prefix = random.Next(20) switch { 0 or 1 => "./", 2 or 3 => "/", 4 => "../", 5 => "\\", 6 => "C:/", _ => string.Empty };
        var name = prefix + string.Join(random.Next(6) == 0 ? "\\" : "/", parts);
        if (random.Next(8) == 0) name += "/";
        return name.Length == 0 ? "a" : name;
    }

    private string LinkTarget(Random random) => random.Next(9) switch
    {
        0 => "..",
        1 => "../canary-dir",
        2 => "../../outside.txt",
        3 => Path.Combine(_top, "canary-dir"),
        4 => Path.Combine(_top, "canary.txt"),
        5 => "/",
        6 => "../canary-link-dir",
        _ => Name(random),
    };

    private static string Describe(List<(MemoryStream Tar, List<string> Entries)> layers)
    {
        var text = new StringBuilder();
        for (var i = 0; i < layers.Count; i++)
        {
            text.AppendLine($"layer {i + 1}:");
            foreach (var entry in layers[i].Entries) text.AppendLine("  " + entry);
        }
        return text.ToString();
    }

    /// <summary>Test-side removal that never follows a link and opens closed folders first (the test may not run as root).</summary>
    private static void RemoveAll(string path)
    {
        if (!Path.Exists(path) && new FileInfo(path).LinkTarget == null) return;
        var info = new FileInfo(path);
        if (info.LinkTarget != null || (info.Attributes & FileAttributes.Directory) == 0)
        {
            File.Delete(path);
            return;
        }
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var child in Directory.EnumerateFileSystemEntries(path).ToList()) RemoveAll(child);
        Directory.Delete(path);
    }
}
