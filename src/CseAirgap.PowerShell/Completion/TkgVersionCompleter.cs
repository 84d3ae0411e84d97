using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using CseAirgap.Engine.Tkg;

namespace CseAirgap.PowerShell.Completion;

/// <summary>Completes -TkgVersion with the TKG versions CSE 4.2.x supports.</summary>
public sealed class TkgVersionCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? string.Empty).Trim('\'', '"').TrimStart('v');
        return TkgDependencyResolver.KnownVersions
            .Where(v => v.StartsWith(word, System.StringComparison.OrdinalIgnoreCase))
            .Select(v => new CompletionResult(v, v, CompletionResultType.ParameterValue, $"TKG {v}"));
    }
}
