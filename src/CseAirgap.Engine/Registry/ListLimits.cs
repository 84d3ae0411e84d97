namespace CseAirgap.Engine.Registry;

/// <summary>
/// How much of a paginated list (<c>tags/list</c>, <c>_catalog</c>) the module reads. The page count alone let a
/// registry send 1,000 pages of 16 MiB of names each; these caps bound memory and download whatever the pages hold.
/// </summary>
public static class ListLimits
{
    /// <summary>
    /// One page. The module asks for 1,000 names a page; a tag is at most 128 characters, so an honest page is at most
    /// about 131 KB of JSON. 1 MiB leaves eight times that, room for a registry that ignores <c>n</c> and sends a few
    /// tens of thousands of ordinary names at once.
    /// </summary>
    public const int PageBytes = 1024 * 1024;

    /// <summary>
    /// All pages of one list together: 16 MiB, the limit a whole list had as one document before, enough for the
    /// <see cref="Names"/> cap at over 160 bytes a name.
    /// </summary>
    public const long ListBytes = 16L * 1024 * 1024;

    /// <summary>
    /// Names kept for one list. A CSE or TKG repository has tens to hundreds of tags and a registry's catalog a few
    /// thousand repositories; 100,000 is far above both. A walk that keeps only what it needs (the newest version tag)
    /// is bounded by <see cref="ListBytes"/> instead.
    /// </summary>
    public const int Names = 100_000;
}
