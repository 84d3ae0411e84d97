using System.Collections.Generic;
using System.Linq;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Artifact;

/// <summary>
/// The warnings an expansion earns, one per kind, each with the count and the first names: what was skipped must be
/// seen, never a failure of the whole expansion for one entry. Names come from the archive, so they are escaped.
/// </summary>
public static class ExpansionWarnings
{
    public const int NamesShown = 10;

    /// <param name="hasDependencyFile">Whether the expanded artifact holds dependencies.txt.</param>
    /// <param name="hasScript">Whether it holds getting_started.sh.</param>
    public static IReadOnlyList<string> For(ExpandedImage expanded, bool hasDependencyFile, bool hasScript)
    {
        var warnings = new List<string>();
        if (expanded.SkippedNameCount > 0)
            warnings.Add($"{expanded.SkippedNameCount} entries were not written: this file system cannot hold their names (':', '<>\"|?*', a control " +
                "character, a device name such as NUL or AUX.H, a trailing dot or space), or they differ from a name written before them " +
                $"only in case, which it does not tell apart. The first: {Names(expanded.SkippedNames, expanded.SkippedNameCount)}. -Verbose says why for each.");
        if (expanded.SkippedLinks > 0)
        {
            var missing = new List<string>();
            if (!hasDependencyFile) missing.Add("dependencies.txt");
            if (!hasScript) missing.Add("getting_started.sh");
            var outcome = missing.Count == 0
                ? "dependencies.txt and getting_started.sh are there."
                : $"The artifact has no {string.Join(" and ", missing)}: expand the image on Linux to have its links.";
            warnings.Add($"{expanded.SkippedLinks} symbolic links were not created, as the module makes none on Windows: " +
                $"{Names(expanded.SkippedLinkNames, expanded.SkippedLinks)}. {outcome}");
        }
        return warnings;
    }

    private static string Names(IReadOnlyList<string> names, int count)
    {
        var shown = string.Join(", ", names.Take(NamesShown).Select(n => "'" + RemoteText.Escape(n) + "'"));
        return count > NamesShown ? shown + $" and {count - NamesShown} more" : shown;
    }
}
