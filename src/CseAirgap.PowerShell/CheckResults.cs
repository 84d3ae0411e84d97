using System.Collections.Generic;
using System.Linq;
using CseAirgap.Engine.Checks;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell;

/// <summary>Turns engine verdicts into output objects: failures first, each group labelled with its count.</summary>
internal static class CheckResults
{
    public static IReadOnlyList<CseCheckResult> ToOutput(IReadOnlyList<CheckResult> results)
    {
        var total = results.Count;
        var counts = results.GroupBy(r => r.Status).ToDictionary(g => g.Key, g => g.Count());
        return results
            .Select((r, i) => (r, i))
            .OrderByDescending(x => x.r.Status)
            .ThenBy(x => x.i)
            .Select(x => new CseCheckResult(x.r.Check, x.r.Target, (CseCheckStatus)x.r.Status, x.r.Detail, $"{x.r.Status}: {counts[x.r.Status]} of {total} checks"))
            .ToList();
    }
}
