using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using CseAirgap.Engine.Registry;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell;

/// <summary>
/// Lets a reference string ("host/path:tag", "host/path@sha256:…") stand for a CseDependency, with an
/// error that names the bad reference and says what is wrong (PowerShell's own conversion only says
/// "cannot be bound").
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class DependencyTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        if (value is string || value is CseDependency || value is CsePublishResult) return new[] { One(value) };
        if (value is IEnumerable items)
        {
            var list = new List<CseDependency>();
            foreach (var item in items) list.Add(One(item is PSObject p ? p.BaseObject : item));
            return list.ToArray();
        }
        return inputData;
    }

    private static CseDependency One(object item)
    {
        if (item is CseDependency d) return d;
        // Publish-CseDependency's results carry the source reference: check what was just published.
        if (item is CsePublishResult published) return new CseDependency(published.Source);
        if (item is string text)
        {
            if (ImageReference.TryParse(text, out _, out var error)) return new CseDependency(text);
            throw new ArgumentTransformationMetadataException(error);
        }
        throw new ArgumentTransformationMetadataException($"'{item}' is neither a CseDependency nor an image reference string.");
    }
}
