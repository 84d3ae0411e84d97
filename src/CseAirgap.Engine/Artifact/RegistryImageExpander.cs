using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Artifact;

/// <summary>
/// The daemonless route: the image's layers, read from its source (a registry place or an export) and applied in
/// order, give the same files as docker create + docker export. Every layer's digest is checked before the result is kept.
/// </summary>
public sealed class RegistryImageExpander
{
    private readonly Action<string>? _log;
    private readonly ExpansionLimits _limits;
    private readonly ExpansionPlatform _platform;

    /// <param name="platform">Path rules, gzip reader and folder moves; this platform's own by default.</param>
    public RegistryImageExpander(Action<string>? log, ExpansionLimits? limits = null, ExpansionPlatform? platform = null)
    {
        _log = log;
        _limits = limits ?? ExpansionLimits.Default;
        _platform = platform ?? ExpansionPlatform.ForThisPlatform;
    }

    public async Task<ExpandedImage> ExpandAsync(IImageSource source, string platform, string destination, Action<long>? onBytes, CancellationToken ct)
    {
        var target = source.Location;
        var top = await source.GetTopManifestAsync(ct).ConfigureAwait(false);
        var manifest = top;
        if (top.IsIndex)
        {
            var chosen = PlatformSelector.Select(top, platform, target);
            // By its descriptor: checked against the digest the pinned index names it by, in that digest's algorithm, and its size.
            manifest = (await source.GetManifestAsync(chosen.Digest, ct).ConfigureAwait(false))
                .VerifiedAgainst(chosen.Digest, chosen.Size, target, "the registry, a mirror or the export altered it");
        }

        using var staging = new StagingFolder(destination, _log, _platform.FolderMover);
        var budget = new ExpansionBudget(_limits, target);
        var applier = new LayerApplier(staging.Folder, _log, budget, rules: _platform.PathRules);
        // Layers after the config, in order: each one stacks on the ones before it.
        for (var i = 1; i < manifest.Blobs.Count; i++)
        {
            var layer = manifest.Blobs[i];
            _log?.Invoke($"Applying layer {i} of {manifest.Blobs.Count - 1} ({layer.Digest}, {layer.Size} bytes).");
            using var body = await source.OpenBlobAsync(layer, ct).ConfigureAwait(false);
            using var verified = new VerifyingStream(body, layer.Digest, layer.Size, onBytes);
            using (ct.Register(() => body.Dispose()))
            using (var tar = LayerDecompression.Open(verified, budget, _platform.GzipReader))
            {
                applier.Apply(tar);
                // To the last byte of the blob (the tar may end before the gzip does), so its digest is checked.
                Drain(tar);
                Drain(verified);
            }
            ct.ThrowIfCancellationRequested();
        }
        applier.Finish();
        staging.Commit();
        return new ExpandedImage(destination, top.Digest, applier);
    }

    /// <summary>Reads to the end, so the digest check runs on every byte of the blob.</summary>
    internal static void Drain(Stream stream)
    {
        var buffer = new byte[81920];
        while (stream.Read(buffer, 0, buffer.Length) > 0) { }
    }
}
