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
    /// (64 MiB), and 4 flows at a 40 Mbit/s per-flow cap fill most of a 200 Mbit/s link beside the other images' flows.
    /// </summary>
    public int PartsInFlight { get; set; } = 4;

    /// <summary>
    /// Blob downloads one source host carries at once (HostConnectionBudget), whole blobs and parts together: the six
    /// blobs a registry destination takes at once, plus two spare for a large blob's extra parts, which grow to
    /// <see cref="PartsInFlight"/> as the small blobs finish. Below the platform's 16 connections per host, so the
    /// manifest and token requests still find a connection.
    /// </summary>
    public int ConnectionsPerHost { get; set; } = 8;
}
