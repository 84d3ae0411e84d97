namespace CseAirgap.Engine.Registry;

/// <summary>
/// When and how a large blob is fetched as bounded byte ranges over several connections (RangedBlobFetch). Across a
/// WAN one TCP flow often gets only part of the link (a per-flow cap in a proxy, or a long round trip that the window
/// cannot cover), so the one big layer of a set would otherwise travel alone at the per-flow rate.
/// </summary>
public sealed class RangedFetchSettings
{
    /// <summary>
    /// Blobs of at least this many bytes are fetched in ranges. Below 64 MiB a blob takes a few seconds even at a
    /// per-flow 40 Mbit/s, and the small blobs of the other images keep the other connections busy meanwhile.
    /// </summary>
    public long Threshold { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Bytes per range. 16 MiB costs one round trip per 16 MiB (under 2 % of a part's time at 40 Mbit/s and 100 ms),
    /// and a part that fails costs at most 16 MiB again.
    /// </summary>
    public int PartSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Ranges fetched at once for one blob, the one being handed on included: memory is this times <see cref="PartSize"/>
    /// (64 MiB). 4 flows at a 40 Mbit/s per-flow cap carry at most 160 of a 200 Mbit/s link once the large layer
    /// travels alone; measured (build.ps1 Bench -Wan, 500 MiB set with a 256 MiB layer): 65 % of the link, peak RSS
    /// 231 MB. 6 would fill the link but add 32 MiB, past the 250 MB peak the module aims for.
    /// </summary>
    public int PartsInFlight { get; set; } = 4;

    /// <summary>
    /// Blob downloads one source host carries at once (HostConnectionBudget), whole blobs and parts together: the most
    /// blobs any destination takes at once (a folder export: 12; a registry takes 6, which leaves 6 spare for a large
    /// blob's extra parts as the small blobs finish). Below the platform's 16 connections per host, so manifest and
    /// token requests still find a connection.
    /// </summary>
    public int ConnectionsPerHost { get; set; } = 12;
}
