using System;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Plugins;

/// <summary>A plug-in inventory (or metadata) database this module cannot read: not SQLite, or a table or column of tanzu-cli's schema missing.</summary>
public sealed class PluginInventoryException : CseAirgapException
{
    public PluginInventoryException(string target, string message, Exception? inner = null)
        : base("InvalidPluginInventory", FailureCategory.InvalidData, target, message, inner)
    {
    }
}

/// <summary>The inventory has no version of the plug-in group asked for.</summary>
public sealed class PluginGroupNotFoundException : CseAirgapException
{
    public PluginGroupNotFoundException(string target, string message)
        : base("PluginGroupNotFound", FailureCategory.ObjectNotFound, target, message)
    {
    }
}
