using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using CseAirgap.Engine.Registry;
using Microsoft.Data.Sqlite;

namespace CseAirgap.Engine.Plugins;

/// <summary>One row of a table, column name to text (every column of the inventory schema is TEXT).</summary>
public sealed class InventoryRow : Dictionary<string, string>
{
    public InventoryRow() : base(StringComparer.Ordinal) { }

    public string Get(string column) => TryGetValue(column, out var v) ? v : string.Empty;
}

/// <summary>What Publish-CseTanzuPlugin takes from an inventory: plug-in group rows and the binaries they need.</summary>
public sealed class PluginSelection
{
    public PluginSelection(IReadOnlyList<InventoryRow> groups, IReadOnlyList<InventoryRow> binaries)
    {
        Groups = groups;
        Binaries = binaries;
    }

    public IReadOnlyList<InventoryRow> Groups { get; }
    public IReadOnlyList<InventoryRow> Binaries { get; }
}

/// <summary>
/// The Tanzu CLI plug-in inventory (plugin_inventory.db, tanzu-cli's schema: PluginBinaries and PluginGroups, all TEXT,
/// booleans as "true"/"false"). Rows are handled as column maps and new databases take the source's own CREATE
/// statements, so a schema change upstream is carried over rather than guessed.
/// </summary>
public static class PluginInventoryDatabase
{
    public const string InventoryFile = "plugin_inventory.db";
    public const string MetadataFile = "plugin_inventory_metadata.db";

    /// <summary>The vmware-tkg/default group at each TKG version asked for ("2.5.0" exactly, "2.5" any 2.5.x), and its binaries.</summary>
    public static PluginSelection Select(string database, IReadOnlyList<string> tkgVersions, IReadOnlyCollection<string>? operatingSystems, IReadOnlyCollection<string>? architectures, string target)
    {
        using var connection = Open(database, readOnly: true);
        var groups = ReadAll(connection, "PluginGroups", target)
            .Where(g => g.Get("Vendor") == "vmware" && g.Get("Publisher") == "tkg" && g.Get("GroupName") == "default" && g.Get("Hidden") != "true")
            .Where(g => tkgVersions.Any(v => VersionMatches(g.Get("GroupVersion"), v)))
            .ToList();
        var binaries = ReadAll(connection, "PluginBinaries", target);
        var chosen = new List<InventoryRow>();
        foreach (var group in groups)
        {
            var candidates = binaries.Where(b => b.Get("PluginName") == group.Get("PluginName") && b.Get("Target") == group.Get("Target")).ToList();
            // A group may name a shortened version (v0.30): the newest binary version it matches is the one used.
            var wanted = group.Get("PluginVersion");
            var version = candidates.Select(b => b.Get("Version")).Where(v => VersionMatches(v, wanted)).OrderByDescending(v => v, VersionComparer.Instance).FirstOrDefault();
            if (version == null) continue;
            chosen.AddRange(candidates.Where(b => b.Get("Version") == version &&
                (operatingSystems == null || operatingSystems.Contains(b.Get("OS"), StringComparer.OrdinalIgnoreCase)) &&
                (architectures == null || architectures.Contains(b.Get("Architecture"), StringComparer.OrdinalIgnoreCase))));
        }
        var distinct = chosen.GroupBy(b => string.Join("|", b.Get("PluginName"), b.Get("Target"), b.Get("Version"), b.Get("OS"), b.Get("Architecture"))).Select(g => g.First()).ToList();
        return new PluginSelection(groups, distinct);
    }

    /// <summary>
    /// Writes a database with the source's schema holding the rows of <paramref name="keep"/> (an earlier inventory at the
    /// destination, merged rather than dropped) and then the new rows, later rows replacing equal keys.
    /// </summary>
    public static void Write(string schemaSource, string output, IEnumerable<string> keep, IReadOnlyDictionary<string, IReadOnlyList<InventoryRow>> rowsByTable)
    {
        if (File.Exists(output)) File.Delete(output);
        var schema = new List<string>();
        using (var source = Open(schemaSource, readOnly: true))
        using (var read = source.CreateCommand())
        {
            read.CommandText = "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY CASE type WHEN 'table' THEN 0 ELSE 1 END";
            using var reader = read.ExecuteReader();
            while (reader.Read()) schema.Add(reader.GetString(0));
        }
        using var connection = Open(output, readOnly: false);
        using (var transaction = connection.BeginTransaction())
        {
            foreach (var statement in schema)
            {
                using var create = connection.CreateCommand();
                create.CommandText = statement;
                create.ExecuteNonQuery();
            }
            foreach (var earlier in keep.Where(File.Exists))
                using (var old = Open(earlier, readOnly: true))
                    foreach (var table in rowsByTable.Keys)
                        foreach (var row in ReadAll(old, table, earlier)) Insert(connection, table, row);
            foreach (var pair in rowsByTable)
                foreach (var row in pair.Value) Insert(connection, pair.Key, row);
            transaction.Commit();
        }
    }

    public static List<InventoryRow> ReadAll(string database, string table, string target)
    {
        using var connection = Open(database, readOnly: true);
        return ReadAll(connection, table, target);
    }

    private static List<InventoryRow> ReadAll(SqliteConnection connection, string table, string target)
    {
        var rows = new List<InventoryRow>();
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{table}\"";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var row = new InventoryRow();
                for (var i = 0; i < reader.FieldCount; i++) row[reader.GetName(i)] = reader.IsDBNull(i) ? string.Empty : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture) ?? string.Empty;
                rows.Add(row);
            }
        }
        catch (SqliteException e)
        {
            throw new RegistryException(RegistryErrorKind.InvalidInput, target, $"{target} is not a plug-in inventory this module can read ({e.Message}).", e);
        }
        return rows;
    }

    private static void Insert(SqliteConnection connection, string table, InventoryRow row)
    {
        using var command = connection.CreateCommand();
        var columns = row.Keys.ToList();
        command.CommandText = $"INSERT OR REPLACE INTO \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) VALUES ({string.Join(", ", columns.Select((_, i) => "$p" + i))})";
        for (var i = 0; i < columns.Count; i++) command.Parameters.AddWithValue("$p" + i, row[columns[i]]);
        command.ExecuteNonQuery();
    }

    private static SqliteConnection Open(string path, bool readOnly)
    {
        // No pooling: a pooled connection keeps the file open, and these are temporary files to delete.
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate, Pooling = false };
        var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        return connection;
    }

    /// <summary>"v2.5.0" matches "2.5.0" and "v2.5" (every 2.5.x); versions compare by their numbers.</summary>
    internal static bool VersionMatches(string version, string wanted)
    {
        var v = version.TrimStart('v');
        var w = wanted.TrimStart('v');
        return v == w || v.StartsWith(w + ".", StringComparison.Ordinal);
    }

    private sealed class VersionComparer : IComparer<string>
    {
        public static readonly VersionComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = (x ?? string.Empty).TrimStart('v').Split('.', '-', '+');
            var b = (y ?? string.Empty).TrimStart('v').Split('.', '-', '+');
            for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
            {
                var pa = i < a.Length ? a[i] : "0";
                var pb = i < b.Length ? b[i] : "0";
                var c = int.TryParse(pa, out var na) && int.TryParse(pb, out var nb) ? na.CompareTo(nb) : string.CompareOrdinal(pa, pb);
                if (c != 0) return c;
            }
            return 0;
        }
    }
}
