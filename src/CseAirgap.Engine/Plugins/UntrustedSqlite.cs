using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace CseAirgap.Engine.Plugins;

/// <summary>
/// Opens SQLite databases the way SQLite's own advice for files from an untrusted source says
/// (sqlite.org/security.html): defensive mode, trusted_schema off, no extension loading, no triggers or views run,
/// cell size checks on, no memory mapping; read-only when only read. Every database here is either such a file (an
/// inventory from a registry) or one this module writes from its own schema.
/// </summary>
internal static class UntrustedSqlite
{
    public static SqliteConnection Open(string path, bool readOnly)
    {
        SqliteNativeLoader.EnsureLoadedForThisProcess();
        // No pooling: a pooled connection keeps the file open, and these are temporary files to delete.
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWriteCreate, Pooling = false };
        var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        var handle = connection.Handle!;
        Configure(handle, raw.SQLITE_DBCONFIG_DEFENSIVE, 1);
        Configure(handle, raw.SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0);
        Configure(handle, raw.SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0);
        Configure(handle, raw.SQLITE_DBCONFIG_ENABLE_TRIGGER, 0);
        Configure(handle, raw.SQLITE_DBCONFIG_ENABLE_VIEW, 0);
        using var pragmas = connection.CreateCommand();
        pragmas.CommandText = "PRAGMA trusted_schema=OFF; PRAGMA cell_size_check=ON; PRAGMA mmap_size=0;" + (readOnly ? " PRAGMA query_only=ON;" : string.Empty);
        pragmas.ExecuteNonQuery();
        return connection;
    }

    private static void Configure(sqlite3 handle, int option, int value)
    {
        var rc = raw.sqlite3_db_config(handle, option, value, out _);
        if (rc != raw.SQLITE_OK) throw new SqliteException($"SQLite refused a safety setting ({option}): {raw.sqlite3_errstr(rc).utf8_to_string()}", rc);
    }
}
