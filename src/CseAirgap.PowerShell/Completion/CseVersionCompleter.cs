using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using CseAirgap.Engine.Catalog;

namespace CseAirgap.PowerShell.Completion;

/// <summary>Completes -CseVersion with the versions the catalog knows.</summary>
public sealed class CseVersionCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? string.Empty).Trim('\'', '"');
        return AirgapImageCatalog.All
            .Where(e => e.CseVersion.StartsWith(word, System.StringComparison.OrdinalIgnoreCase))
            .Select(e => new CompletionResult(e.CseVersion, e.CseVersion, CompletionResultType.ParameterValue, $"CSE {e.CseVersion}: {e.Reference}"));
    }
}
