namespace CseAirgap.PowerShell.Output;

/// <summary>What Set-CseServerConfiguration did to CSE's configuration, and what the admin must do next.</summary>
public sealed class CseServerConfigurationResult
{
    internal CseServerConfigurationResult(string server, string entityId)
    {
        Server = server;
        EntityId = entityId;
    }

    public string Server { get; }
    public string EntityId { get; }

    /// <summary>Each field changed, with its value before and after; empty when everything was already as asked.</summary>
    public CseServerConfigurationChange[] Changes { get; internal set; } = [];

    /// <summary>The entity's ETag after the write.</summary>
    public string? ETag { get; internal set; }

    /// <summary>The file holding the entity as it was before the write (byte for byte as VCD sent it).</summary>
    public string? BackupPath { get; internal set; }

    /// <summary>Whether someone else's change (a 412) was found and this command's changes were applied on top of it.</summary>
    public bool Merged { get; internal set; }

    /// <summary>CSE reads its configuration when it starts: true when something changed.</summary>
    public bool RestartRequired { get; internal set; }

    /// <summary>How to make CSE use the change.</summary>
    public string? NextStep { get; internal set; }
}
