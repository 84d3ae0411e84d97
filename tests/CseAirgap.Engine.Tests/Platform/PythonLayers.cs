using System.Text.Json;
using CseAirgap.Engine.Tests.Export;

namespace CseAirgap.Engine.Tests.Platform;

/// <summary>
/// Layers written by python3's tarfile and gzip from a list of (kind, name, content) entries, so names may hold any
/// character (':' included). "gzip2" writes the tar as two gzip members, split after the first half of the entries,
/// as <c>gzip.compress(a) + gzip.compress(b)</c> does.
/// </summary>
internal static class PythonLayers
{
    private const string Script = """
import gzip, io, json, random, sys, tarfile
mode, out, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
buf = io.BytesIO()
split = 0
with tarfile.open(fileobj=buf, mode='w', format=tarfile.GNU_FORMAT) as tar:
    for i, (kind, name, content) in enumerate(spec):
        info = tarfile.TarInfo(name)
        if kind == 'dir':
            info.type = tarfile.DIRTYPE; info.mode = 0o755; tar.addfile(info)
        elif kind == 'link':
            info.type = tarfile.LNKTYPE; info.linkname = content; tar.addfile(info)
        elif kind == 'sym':
            info.type = tarfile.SYMTYPE; info.linkname = content; tar.addfile(info)
        else:
            # 'random:N' is N bytes that do not compress, the same for the same name
            data = random.Random(name).randbytes(int(content[7:])) if content.startswith('random:') else content.encode()
            info.size = len(data); info.mode = 0o644; tar.addfile(info, io.BytesIO(data))
        if i + 1 == len(spec) // 2: split = buf.tell()
data = buf.getvalue()
with open(out, 'wb') as f:
    f.write(data if mode == 'tar' else gzip.compress(data[:split]) + gzip.compress(data[split:]))
""";

    public static string Write(string mode, string output, params (string Kind, string Name, string Content)[] entries)
    {
        var script = Path.Combine(Path.GetDirectoryName(output)!, "layer-" + Guid.NewGuid().ToString("N") + ".py");
        System.IO.File.WriteAllText(script, Script);
        try
        {
            var spec = JsonSerializer.Serialize(entries.Select(e => new[] { e.Kind, e.Name, e.Content }));
            ScratchFolder.Run("python3", script, mode, output, spec);
        }
        finally
        {
            System.IO.File.Delete(script);
        }
        return output;
    }

    public static (string, string, string) File(string name, string content = "x") => ("file", name, content);
    public static (string, string, string) Folder(string name) => ("dir", name, "");
    public static (string, string, string) HardLink(string name, string target) => ("link", name, target);
}
