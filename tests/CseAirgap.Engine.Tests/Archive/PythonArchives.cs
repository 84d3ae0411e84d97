using CseAirgap.Engine.Tests.Export;

namespace CseAirgap.Engine.Tests.Archive;

/// <summary>
/// Hostile archives written by python3's tarfile and gzip (and the zstd command), never by the module's own writer,
/// and the disk usage of a folder as the kernel reports it (lstat: unique inodes, their sizes and link counts).
/// </summary>
internal static class PythonArchives
{
    private const string Script = """
import gzip, io, json, os, subprocess, sys, tarfile

class Zeros(io.RawIOBase):
    # size bytes of zeros, produced as read: a bomb never sits in memory
    def __init__(self, size): self.left = size
    def readable(self): return True
    def readinto(self, b):
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n

def add_file(tar, name, size, pattern=None):
    info = tarfile.TarInfo(name); info.size = size; info.mode = 0o644
    tar.addfile(info, io.BytesIO(pattern * (size // len(pattern))) if pattern else Zeros(size))

def add(tar, kind, name, target=None, content=b''):
    info = tarfile.TarInfo(name)
    if kind == 'file':
        info.size = len(content); info.mode = 0o644
        tar.addfile(info, io.BytesIO(content)); return
    info.type = {'dir': tarfile.DIRTYPE, 'link': tarfile.LNKTYPE, 'sym': tarfile.SYMTYPE}[kind]
    info.mode = 0o755 if kind == 'dir' else 0o644
    if target is not None: info.linkname = target
    tar.addfile(info)

command, out = sys.argv[1], sys.argv[2]
if command == 'links':
    # one file of size bytes (not zeros: a real content to compare) and count hard links to it, gzipped
    size, count = int(sys.argv[3]), int(sys.argv[4])
    with tarfile.open(out, 'w:gz', format=tarfile.GNU_FORMAT) as tar:
        add_file(tar, 'data/big', size, pattern=bytes(range(256)))
        for i in range(count): add(tar, 'link', 'links/l%04d' % i, 'data/big')
elif command in ('gzip-bomb', 'zstd-bomb'):
    size = int(sys.argv[3])
    plain = out + '.tar'
    with tarfile.open(plain, 'w', format=tarfile.GNU_FORMAT) as tar: add_file(tar, 'zeros', size)
    if command == 'gzip-bomb':
        with open(plain, 'rb') as src, gzip.open(out, 'wb', compresslevel=9) as dst:
            while True:
                chunk = src.read(1 << 20)
                if not chunk: break
                dst.write(chunk)
    else:
        subprocess.run(['zstd', '-q', '-f', '-19', plain, '-o', out], check=True)
    os.remove(plain)
elif command == 'entries':
    with tarfile.open(out, 'w', format=tarfile.GNU_FORMAT) as tar:
        for i in range(int(sys.argv[3])): add(tar, 'file', 'many/f%06d' % i)
elif command == 'layer':
    # entries given as kind:name[:target-or-content]
    with tarfile.open(out, 'w', format=tarfile.GNU_FORMAT) as tar:
        for spec in sys.argv[3:]:
            kind, name, rest = (spec.split(':', 2) + [None])[:3]
            if kind == 'file': add(tar, 'file', name, content=(rest or '').encode())
            else: add(tar, kind, name, rest)
elif command == 'usage':
    # the bytes the folder's regular files hold on disk, each inode once, and the link count of every file
    seen, total, files = set(), 0, {}
    for top, dirs, names in os.walk(out):
        for name in names:
            path = os.path.join(top, name); st = os.lstat(path)
            if not (st.st_mode & 0o170000 == 0o100000): continue
            files[os.path.relpath(path, out)] = [st.st_ino, st.st_nlink]
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino)); total += st.st_size
    print(json.dumps({'bytes': total, 'inodes': len(seen), 'files': files}))
""";

    private static readonly Lazy<string> ScriptFile = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), "cseairgap-hostile-archives-" + Guid.NewGuid().ToString("N") + ".py");
        File.WriteAllText(path, Script);
        // The run leaves no files behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return path;
    });

    public static string Write(string command, string output, params object[] arguments)
    {
        ScratchFolder.Run("python3", new[] { ScriptFile.Value, command, output }.Concat(arguments.Select(a => Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture)!)).ToArray());
        return output;
    }

    public static DiskUsage Usage(string folder)
    {
        var json = ScratchFolder.Output("python3", ScriptFile.Value, "usage", folder);
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var root = document.RootElement;
        var files = root.GetProperty("files").EnumerateObject()
            .ToDictionary(p => p.Name, p => (Inode: p.Value[0].GetInt64(), Links: p.Value[1].GetInt64()), StringComparer.Ordinal);
        return new DiskUsage(root.GetProperty("bytes").GetInt64(), root.GetProperty("inodes").GetInt32(), files);
    }
}

internal sealed record DiskUsage(long Bytes, int Inodes, Dictionary<string, (long Inode, long Links)> Files);
