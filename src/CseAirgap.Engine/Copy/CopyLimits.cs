namespace CseAirgap.Engine.Copy;

/// <summary>
/// How far one image may fan out before the copier refuses it: a registry or a bundle's lock can name any number
/// of things, and each costs requests and memory. Every default sits well above anything real (see each value).
/// </summary>
public sealed class CopyLimits
{
    /// <summary>
    /// Distinct manifests one index may list. Real multi-arch images list a few platforms, twice that with buildx's
    /// attestation manifests (Docker's official images: up to about 20 entries); 1,024 is fifty times that, and far below
    /// the ~25,000 descriptors a 4 MiB index can hold.
    /// </summary>
    public int MaxManifestsPerImage { get; set; } = 1024;

    /// <summary>
    /// Bytes of those manifests held at once (they are written after the blobs). An image manifest is a few KB, one of a
    /// hundred layers about 20 KB; 32 MiB is 1,024 manifests of 32 KiB, where 1,024 of the 4 MiB a registry may serve would be 4 GiB.
    /// </summary>
    public long MaxManifestBytesPerImage { get; set; } = 32L * 1024 * 1024;

    /// <summary>
    /// Entries one bundle's .imgpkg/images.yml may list (as written, duplicates included). imgpkg writes one entry per
    /// image; the largest CSE 4.2 locks (TKG's package repository bundles) name some hundreds.
    /// </summary>
    public int MaxLockEntries { get; set; } = 4096;

    /// <summary>
    /// Bundles inside bundles: a bundle named by the command is level 1, a bundle its lock names level 2. CSE 4.2 goes
    /// to level 2 (a package repository bundle whose lock names package bundles); 4 leaves room for one more layer of
    /// packaging without letting a hostile lock chain bundles without end.
    /// </summary>
    public int MaxBundleNesting { get; set; } = 4;
}
