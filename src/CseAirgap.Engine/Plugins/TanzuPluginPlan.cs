using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Plugins;

/// <summary>One plug-in binary to publish: its inventory row and its image.</summary>
public sealed class PluginImage
{
    public PluginImage(PluginBinaryRow binary, ImageReference image, IReadOnlyList<string> groups)
    {
        Binary = binary;
        Image = image;
        Groups = groups;
    }

    public PluginBinaryRow Binary { get; }
    public ImageReference Image { get; }

    /// <summary>The group versions that name it, as vmware-tkg/default:v2.5.0.</summary>
    public IReadOnlyList<string> Groups { get; }

    /// <summary>Where the image lands: the same path relative to the inventory's folder.</summary>
    public string Uri => Binary.URI;
}

/// <summary>
/// Step 5 of the procedure, as tanzu-cli's download-bundle/upload-bundle do it: the Tanzu CLI plug-ins of some TKG
/// versions and of the essentials group, read from the central inventory
/// (<c>tanzu_cli/plugins/plugin-inventory:latest</c>, whose plug-in images live beside it at the URIs it lists), and
/// the inventory image a local registry gets: every file of the source image, with a database that lists only what
/// was copied, merged with what the registry had.
/// </summary>
public sealed class TanzuPluginPlan : IDisposable
{
    public const string InventoryReference = "projects.registry.vmware.com/tanzu_cli/plugins/plugin-inventory:latest";
    public const string PluginsFolder = "tanzu_cli/plugins";

    private readonly string _work;
    private readonly IReadOnlyList<ImageFile> _inventoryFiles;
    private readonly Action<string>? _log;

    private TanzuPluginPlan(string work, IReadOnlyList<ImageFile> inventoryFiles, string? metadata, PluginSelection selection, IReadOnlyList<PluginImage> images, Action<string>? log)
    {
        _work = work;
        _inventoryFiles = inventoryFiles;
        MetadataDatabase = metadata;
        Selection = selection;
        Images = images;
        _log = log;
    }

    public string? MetadataDatabase { get; }
    public PluginSelection Selection { get; }
    public IReadOnlyList<PluginImage> Images { get; }

    public static async Task<TanzuPluginPlan> CreateAsync(Func<ImageReference, IImageSource> open, IReadOnlyList<string> tkgVersions,
        IReadOnlyCollection<string>? operatingSystems, IReadOnlyCollection<string>? architectures, Action<string>? log, CancellationToken ct)
    {
        var work = Path.Combine(Path.GetTempPath(), "cseairgap-plugins-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        Directory.CreateDirectory(work);
        try
        {
            var inventory = ImageReference.Parse(InventoryReference);
            var files = await ReadFilesAsync(open(inventory), inventory.ToString(), log, ct).ConfigureAwait(false);
            var databaseFile = files.FirstOrDefault(f => f.Name == PluginInventoryDatabase.InventoryFile)
                ?? throw new PluginInventoryException(inventory.ToString(), $"{inventory} holds no {PluginInventoryDatabase.InventoryFile}.");
            var database = Path.Combine(work, "source-" + PluginInventoryDatabase.InventoryFile);
            File.WriteAllBytes(database, databaseFile.Content);

            string? metadata = null;
            var metadataRef = new ImageReference(inventory.Registry, inventory.Repository + "-metadata", inventory.Tag, null);
            try
            {
                var metadataFile = (await ReadFilesAsync(open(metadataRef), metadataRef.ToString(), log, ct).ConfigureAwait(false))
                    .FirstOrDefault(f => f.Name == PluginInventoryDatabase.MetadataFile);
                if (metadataFile != null)
                {
                    metadata = Path.Combine(work, "source-" + PluginInventoryDatabase.MetadataFile);
                    File.WriteAllBytes(metadata, metadataFile.Content);
                }
            }
            catch (RegistryException e) when (e.Kind == RegistryErrorKind.NotFound)
            {
                // The metadata image is optional.
            }

            var selection = PluginInventoryDatabase.Select(database, tkgVersions, operatingSystems, architectures, inventory.ToString(), log);
            var folder = inventory.Registry + "/" + inventory.Repository.Substring(0, inventory.Repository.LastIndexOf('/'));
            var images = new List<PluginImage>();
            foreach (var b in selection.Binaries)
            {
                if (!ImageReference.TryParse(folder + "/" + b.URI, out var image, out var error) || FileImage.PlainName(b.URI) == null)
                    throw new PluginInventoryException(inventory.ToString(), $"{inventory} lists {b.PluginName} {b.Version} at '{b.URI}', which is not an image path under {folder} ({error ?? "not a plain relative path"}).");
                images.Add(new PluginImage(b, image!, selection.Groups.Where(g => Names(g, b)).Select(g => g.Id).Distinct().ToList()));
            }
            return new TanzuPluginPlan(work, files, metadata, selection, images, log);
        }
        catch
        {
            Directory.Delete(work, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Writes the inventory (and metadata, when the source has one) at the destination, last, listing only the
    /// binaries whose images are there: merged with the inventory the destination already had. The inventory image
    /// keeps every other file of the source image (central_config.yaml: tanzu-cli 1.3 and later rebuild their cache
    /// and lose the central configuration without it).
    /// </summary>
    public async Task<string> PublishInventoryAsync(RegistryClient destination, RegistryAddress @base, IReadOnlyCollection<PluginImage> copied, CancellationToken ct)
    {
        var prefix = @base.PathPrefix == null ? string.Empty : @base.PathPrefix + "/";
        var inventoryRepo = prefix + PluginsFolder + "/plugin-inventory";
        var binaries = copied.Select(c => c.Binary).ToList();
        var groups = Selection.Groups.Where(g => binaries.Any(b => Names(g, b))).ToList();

        var earlier = await ExistingAsync(destination, inventoryRepo, PluginInventoryDatabase.InventoryFile, ct).ConfigureAwait(false);
        var output = Path.Combine(_work, PluginInventoryDatabase.InventoryFile);
        PluginInventoryDatabase.WriteInventory(output, earlier, binaries, groups, $"{destination.Address.Host}/{inventoryRepo}:latest");
        if (MetadataDatabase != null)
        {
            var metadataRepo = inventoryRepo + "-metadata";
            var earlierMetadata = await ExistingAsync(destination, metadataRepo, PluginInventoryDatabase.MetadataFile, ct).ConfigureAwait(false);
            var metadataOut = Path.Combine(_work, PluginInventoryDatabase.MetadataFile);
            PluginInventoryDatabase.WriteMetadata(metadataOut, MetadataDatabase, earlierMetadata, binaries, groups, $"{destination.Address.Host}/{metadataRepo}:latest");
            await FileImage.PushAsync(destination, metadataRepo, "latest", new[] { new ImageFile(PluginInventoryDatabase.MetadataFile, File.ReadAllBytes(metadataOut)) }, ct).ConfigureAwait(false);
        }
        var database = File.ReadAllBytes(output);
        var files = _inventoryFiles.Select(f => f.Name == PluginInventoryDatabase.InventoryFile ? new ImageFile(f.Name, database) : f).ToList();
        return await FileImage.PushAsync(destination, inventoryRepo, "latest", files, ct).ConfigureAwait(false);
    }

    /// <summary>Whether a group row names this binary: same plug-in, and a version the row's (possibly shortened) version matches.</summary>
    private static bool Names(PluginGroupRow group, PluginBinaryRow binary) =>
        group.Plugin == binary.Plugin && PluginInventoryDatabase.VersionMatches(binary.Version, group.PluginVersion);

    private async Task<string?> ExistingAsync(RegistryClient destination, string repository, string file, CancellationToken ct)
    {
        if (await destination.HeadManifestAsync(repository, "latest", RegistryScope.Push(repository), ct).ConfigureAwait(false) == null) return null;
        var source = new RegistryImageSource(destination, new ImageReference(destination.Address.Host, repository, "latest", null));
        var found = (await ReadFilesAsync(source, source.Location, _log, ct).ConfigureAwait(false)).FirstOrDefault(f => f.Name == file);
        if (found == null) return null;
        var path = Path.Combine(_work, "earlier-" + file);
        File.WriteAllBytes(path, found.Content);
        return path;
    }

    private static async Task<IReadOnlyList<ImageFile>> ReadFilesAsync(IImageSource source, string target, Action<string>? log, CancellationToken ct)
    {
        var manifest = await source.GetTopManifestAsync(ct).ConfigureAwait(false);
        return await FileImage.ReadAllAsync(source, manifest, target, log, ct).ConfigureAwait(false);
    }

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
