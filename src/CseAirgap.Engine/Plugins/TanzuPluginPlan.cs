using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Copy;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Tkg;

namespace CseAirgap.Engine.Plugins;

/// <summary>One plug-in binary to publish: its inventory row and its image.</summary>
public sealed class PluginImage
{
    public PluginImage(InventoryRow binary, ImageReference image, IReadOnlyList<string> groups)
    {
        Binary = binary;
        Image = image;
        Groups = groups;
    }

    public InventoryRow Binary { get; }
    public ImageReference Image { get; }

    /// <summary>The group versions that name it, as vmware-tkg/default:v2.5.0.</summary>
    public IReadOnlyList<string> Groups { get; }

    /// <summary>Where the image lands: the same path relative to the inventory's folder.</summary>
    public string Uri => Binary.Get("URI");
}

/// <summary>
/// Step 5 of the procedure: the Tanzu CLI plug-ins of some TKG versions, read from the central inventory
/// (<c>tanzu_cli/plugins/plugin-inventory:latest</c>, whose plug-in images live beside it at the URIs it lists), and
/// the inventory (and metadata) databases a local registry gets: only what was copied, merged with what it had.
/// </summary>
public sealed class TanzuPluginPlan : IDisposable
{
    public const string InventoryReference = "projects.registry.vmware.com/tanzu_cli/plugins/plugin-inventory:latest";
    public const string PluginsFolder = "tanzu_cli/plugins";

    private readonly string _work;

    private TanzuPluginPlan(string work, string database, string? metadata, PluginSelection selection, IReadOnlyList<PluginImage> images)
    {
        _work = work;
        Database = database;
        MetadataDatabase = metadata;
        Selection = selection;
        Images = images;
    }

    public string Database { get; }
    public string? MetadataDatabase { get; }
    public PluginSelection Selection { get; }
    public IReadOnlyList<PluginImage> Images { get; }

    public static async Task<TanzuPluginPlan> CreateAsync(Func<ImageReference, IImageSource> open, IReadOnlyList<string> tkgVersions,
        IReadOnlyCollection<string>? operatingSystems, IReadOnlyCollection<string>? architectures, CancellationToken ct)
    {
        var work = Path.Combine(Path.GetTempPath(), "cseairgap-plugins-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        Directory.CreateDirectory(work);
        try
        {
            var inventory = ImageReference.Parse(InventoryReference);
            var database = Path.Combine(work, "source-" + PluginInventoryDatabase.InventoryFile);
            File.WriteAllBytes(database, await ReadImageFileAsync(open(inventory), PluginInventoryDatabase.InventoryFile, inventory.ToString(), ct).ConfigureAwait(false)
                ?? throw new RegistryException(RegistryErrorKind.InvalidInput, inventory.ToString(), $"{inventory} holds no {PluginInventoryDatabase.InventoryFile}."));

            string? metadata = null;
            var metadataRef = new ImageReference(inventory.Registry, inventory.Repository + "-metadata", inventory.Tag, null);
            try
            {
                var bytes = await ReadImageFileAsync(open(metadataRef), PluginInventoryDatabase.MetadataFile, metadataRef.ToString(), ct).ConfigureAwait(false);
                if (bytes != null)
                {
                    metadata = Path.Combine(work, "source-" + PluginInventoryDatabase.MetadataFile);
                    File.WriteAllBytes(metadata, bytes);
                }
            }
            catch (RegistryException e) when (e.Kind == RegistryErrorKind.NotFound)
            {
                // The metadata image is optional.
            }

            var selection = PluginInventoryDatabase.Select(database, tkgVersions, operatingSystems, architectures, inventory.ToString());
            if (selection.Groups.Count == 0)
                throw new RegistryException(RegistryErrorKind.NotFound, inventory.ToString(),
                    $"The plug-in inventory has no vmware-tkg/default group at TKG {string.Join(", ", tkgVersions)}.");
            var folder = inventory.Registry + "/" + inventory.Repository.Substring(0, inventory.Repository.LastIndexOf('/'));
            var images = selection.Binaries.Select(b => new PluginImage(b, ImageReference.Parse(folder + "/" + b.Get("URI")),
                selection.Groups.Where(g => g.Get("PluginName") == b.Get("PluginName") && g.Get("Target") == b.Get("Target"))
                    .Select(g => $"{g.Get("Vendor")}-{g.Get("Publisher")}/{g.Get("GroupName")}:{g.Get("GroupVersion")}").Distinct().ToList())).ToList();
            return new TanzuPluginPlan(work, database, metadata, selection, images);
        }
        catch
        {
            Directory.Delete(work, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Writes the inventory (and metadata, when the source has one) at the destination, last, listing only the
    /// binaries whose images are there: merged with the inventory the destination already had.
    /// </summary>
    public async Task<string> PublishInventoryAsync(RegistryClient destination, RegistryAddress @base, IReadOnlyCollection<PluginImage> copied, CancellationToken ct)
    {
        var prefix = @base.PathPrefix == null ? string.Empty : @base.PathPrefix + "/";
        var inventoryRepo = prefix + PluginsFolder + "/plugin-inventory";
        var binaries = copied.Select(c => c.Binary).ToList();
        var plugins = new HashSet<string>(binaries.Select(b => b.Get("PluginName") + "|" + b.Get("Target")));
        var groups = Selection.Groups.Where(g => plugins.Contains(g.Get("PluginName") + "|" + g.Get("Target"))).ToList();

        var earlier = await ExistingAsync(destination, inventoryRepo, PluginInventoryDatabase.InventoryFile, ct).ConfigureAwait(false);
        var output = Path.Combine(_work, PluginInventoryDatabase.InventoryFile);
        PluginInventoryDatabase.Write(Database, output, earlier == null ? Array.Empty<string>() : new[] { earlier },
            new Dictionary<string, IReadOnlyList<InventoryRow>> { ["PluginBinaries"] = binaries, ["PluginGroups"] = groups });
        if (MetadataDatabase != null)
        {
            // The metadata lists what this registry offers; the CLI hides whatever the inventory has beyond it.
            var metadataRepo = inventoryRepo + "-metadata";
            var earlierMetadata = await ExistingAsync(destination, metadataRepo, PluginInventoryDatabase.MetadataFile, ct).ConfigureAwait(false);
            var available = binaries.Select(b => Row(("PluginName", b.Get("PluginName")), ("Target", b.Get("Target")), ("Version", b.Get("Version")))).ToList();
            var availableGroups = groups.Select(g => Row(("Vendor", g.Get("Vendor")), ("Publisher", g.Get("Publisher")), ("GroupName", g.Get("GroupName")), ("GroupVersion", g.Get("GroupVersion")))).ToList();
            var metadataOut = Path.Combine(_work, PluginInventoryDatabase.MetadataFile);
            var columns = PluginInventoryDatabase.ReadAll(MetadataDatabase, "AvailablePluginGroups", "metadata");
            if (columns.Count > 0 && !columns[0].ContainsKey("GroupVersion"))
                foreach (var g in availableGroups) g.Remove("GroupVersion");
            PluginInventoryDatabase.Write(MetadataDatabase, metadataOut, earlierMetadata == null ? Array.Empty<string>() : new[] { earlierMetadata },
                new Dictionary<string, IReadOnlyList<InventoryRow>> { ["AvailablePluginBinaries"] = available, ["AvailablePluginGroups"] = availableGroups });
            await SingleFileImage.PushAsync(destination, metadataRepo, "latest", PluginInventoryDatabase.MetadataFile, File.ReadAllBytes(metadataOut), ct).ConfigureAwait(false);
        }
        return await SingleFileImage.PushAsync(destination, inventoryRepo, "latest", PluginInventoryDatabase.InventoryFile, File.ReadAllBytes(output), ct).ConfigureAwait(false);
    }

    private async Task<string?> ExistingAsync(RegistryClient destination, string repository, string file, CancellationToken ct)
    {
        var source = new RegistryImageSource(destination, new ImageReference(destination.Address.Host, repository, "latest", null));
        if (await destination.HeadManifestAsync(repository, "latest", RegistryScope.Push(repository), ct).ConfigureAwait(false) == null) return null;
        var bytes = await ReadImageFileAsync(source, file, source.Location, ct).ConfigureAwait(false);
        if (bytes == null) return null;
        var path = Path.Combine(_work, "earlier-" + file);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static async Task<byte[]?> ReadImageFileAsync(IImageSource source, string file, string target, CancellationToken ct)
    {
        var manifest = await source.GetTopManifestAsync(ct).ConfigureAwait(false);
        if (manifest.IsIndex) throw new RegistryException(RegistryErrorKind.UnsupportedMediaType, target, $"{target} is an index, not a single-file image.");
        return await ImageFiles.ReadFileBytesAsync(source, manifest, file, ct).ConfigureAwait(false);
    }

    private static InventoryRow Row(params (string Column, string Value)[] values)
    {
        var row = new InventoryRow();
        foreach (var (c, v) in values) row[c] = v;
        return row;
    }

    public void Dispose()
    {
        try { Directory.Delete(_work, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
