using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Tkg;

/// <summary>
/// The highest v&lt;number&gt; tag of a repository, as the TKG tooling picks its compatibility images. The tags stream
/// past page by page and only the running highest is kept, so a repository with any number of tags costs one page of
/// memory (the walk itself stops at <see cref="ListLimits.ListBytes"/>).
/// </summary>
internal static class NewestVersionTag
{
    public static async Task<string?> FindAsync(IImageSource image, CancellationToken ct)
    {
        string? newest = null;
        long highest = -1;
        await image.VisitTagsAsync(tag =>
        {
            if (Number(tag) is long n && n > highest)
            {
                highest = n;
                newest = tag;
            }
        }, ct).ConfigureAwait(false);
        return newest;
    }

    /// <summary>N of a tag "vN" (digits only), else null.</summary>
    internal static long? Number(string tag) =>
        tag.Length > 1 && tag[0] == 'v' && long.TryParse(tag.Substring(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
}
