using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Vcd;

/// <summary>What a write did: the fields changed, the entity's new ETag, the backup, and whether a 412 was merged.</summary>
public sealed class CseConfigurationWriteResult
{
    internal CseConfigurationWriteResult(VcdKeConfigEntity written, IReadOnlyList<CseConfigurationFieldChange> changes, string? etag, string? backupPath, int staleRetries)
    {
        Written = written;
        Changes = changes;
        ETag = etag;
        BackupPath = backupPath;
        StaleRetries = staleRetries;
    }

    public VcdKeConfigEntity Written { get; }
    public IReadOnlyList<CseConfigurationFieldChange> Changes { get; }
    public string? ETag { get; }
    public string? BackupPath { get; }

    /// <summary>How many times the entity had changed under us (412) and our change was applied again to the fresh one.</summary>
    public int StaleRetries { get; }
}

/// <summary>
/// Writes a change to CSE's configuration the safe way: a backup of the entity as read, one PUT with If-Match; on 412
/// the entity is read again and, unless the other writer touched a field this change sets (then nothing is written and
/// both values are reported), the change is applied to the fresh entity and written with its ETag.
/// </summary>
public static class CseConfigurationWriter
{
    /// <summary>How many 412s in a row are merged before giving up: someone editing that fast should be asked to stop.</summary>
    public const int MaxStaleRetries = 3;

    /// <summary>The backup file's name: vcdKeConfig-host-yyyyMMdd-HHmmss.json, in <paramref name="folder"/>.</summary>
    public static string BackupPathFor(string folder, VcdServerAddress server, DateTime utcNow)
    {
        var host = new string(server.Authority.Select(ch => char.IsLetterOrDigit(ch) || ch == '.' || ch == '-' ? ch : '_').ToArray());
        return Path.Combine(folder, $"vcdKeConfig-{host}-{utcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.json");
    }

    public static async Task<CseConfigurationWriteResult> WriteAsync(VcdClient client, VcdKeConfigEntity read, CseConfigurationChange change, string backupPath, Action<string> log, CancellationToken ct)
    {
        // The entity as read, with its secrets replaced by a marker (no secret is ever written to disk): restoring it is a
        // PUT of this file's content after putting the secret back, or re-entering it in CSE Management.
        int removed;
        try
        {
            var (backup, count) = SecretRedaction.Redact(read);
            removed = count;
            WriteBackup(backupPath, backup);
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            throw new VcdException(VcdErrorKind.BackupFailed, backupPath, $"The backup '{backupPath}' could not be written ({e.Message}); nothing was changed. Give a writable folder with -BackupPath.", e);
        }
        log(removed == 0
            ? $"Saved CSE's configuration as read to {backupPath}."
            : $"Saved CSE's configuration as read to {backupPath}, with its {removed} secret value(s) replaced by a marker.");

        var original = read;
        var current = read;
        for (var retries = 0; ; retries++)
        {
            var target = current.Clone();
            var changes = change.ApplyTo(target);
            if (changes.Count == 0)
                return new CseConfigurationWriteResult(current, changes, current.ETag, backupPath, retries);
            try
            {
                var etag = await client.ReplaceEntityAsync(target, ct).ConfigureAwait(false);
                return new CseConfigurationWriteResult(target, changes, etag, backupPath, retries);
            }
            catch (VcdStaleEntityException) when (retries < MaxStaleRetries)
            {
                log($"CSE's configuration changed on {client.Server} since it was read (412): reading it again.");
                var fresh = await client.ReadEntityAsync(current.Id, ct).ConfigureAwait(false);
                CheckNoConflict(client.Server.Authority, original, fresh, change);
                current = fresh;
            }
        }
    }

    /// <summary>Throws <see cref="CseConfigurationConflictException"/> when <paramref name="fresh"/> differs from <paramref name="original"/> in a field the change sets.</summary>
    public static void CheckNoConflict(string target, VcdKeConfigEntity original, VcdKeConfigEntity fresh, CseConfigurationChange change)
    {
        foreach (var field in change.Fields)
        {
            if (VcdKeConfigEntity.SameValue(original.Get(field), fresh.Get(field))) continue;
            var wanted = original.Clone();
            change.ApplyTo(wanted);
            throw new CseConfigurationConflictException(target, field.Name, Show(wanted, field), Show(fresh, field));
        }
    }

    private static string Show(VcdKeConfigEntity entity, CseConfigurationField field)
    {
        if (entity.Get(field) is System.Text.Json.Nodes.JsonArray)
        {
            var items = entity.GetStrings(field).Select(p => PemCertificates.TryParseOne(p) is { } c ? PemCertificates.Describe(c) : "(not a certificate)").ToList();
            return items.Count == 0 ? "no certificates" : string.Join("; ", items);
        }
        return entity.GetString(field) ?? "(none)";
    }

    private static void WriteBackup(string path, byte[] bytes)
    {
        var folder = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        // CreateNew: a backup never overwrites another.
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        file.Write(bytes, 0, bytes.Length);
    }
}
