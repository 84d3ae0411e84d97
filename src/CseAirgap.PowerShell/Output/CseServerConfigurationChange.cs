namespace CseAirgap.PowerShell.Output;

/// <summary>One field of CSE's configuration, before and after.</summary>
public sealed class CseServerConfigurationChange
{
    internal CseServerConfigurationChange(string field, string before, string after)
    {
        Field = field;
        Before = before;
        After = after;
    }

    /// <summary>The field's path in the vcdKeConfig entity, such as profiles[0].containerRegistryUrl.</summary>
    public string Field { get; }
    public string Before { get; }
    public string After { get; }

    public override string ToString() => $"{Field}: {Before} -> {After}";
}
