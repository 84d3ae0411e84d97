# Issue 22: Expand-CseArtifact on names and layers that Windows treats differently. The archive is an OCI image layout
# written by Python's tarfile, gzip and json (an independent writer). On Windows (the CI definition, powershell.exe and
# pwsh) the names it cannot hold are skipped and listed in a warning; here on Linux the same archive expands whole.
# Both: the 300-character path and the file in the layer's second gzip member arrive.
BeforeDiscovery {
    # -Skip is read when the tests are found, before BeforeAll runs.
    $OnWindows = [IO.Path]::DirectorySeparatorChar -eq '\'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'WindowsSetup.ps1')

    $script:Deep = (@('deep') + @(1..5 | ForEach-Object { "level$_-" + ('d' * 52) })) -join '/'
    $script:DeepFile = "$Deep/leaf.txt"
    $script:Writer = @'
import gzip, hashlib, io, json, sys, tarfile

def member(name, kind=tarfile.REGTYPE, data=b"", link=""):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.linkname = kind, 0o755 if kind == tarfile.DIRTYPE else 0o644, link
    if kind == tarfile.REGTYPE: info.size = len(data)
    return info, (data if kind == tarfile.REGTYPE else None)

def tar(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as t:
        for info, data in members: t.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()

def sha(data): return "sha256:" + hashlib.sha256(data).hexdigest()

out, deep = sys.argv[1], sys.argv[2]
first = [
    member("src/artifact/dependencies.txt", data=b"projects.registry.vmware.com/tkg/pause:3.9\n"),
    member("src/artifact/getting_started.sh", data=b"#!/bin/sh\n"),
    member("var/lib/dpkg/info/libc6:amd64.list", data=b"/lib\n"),
    member("usr/include/xt_CONNMARK.h", data=b"upper"),
    member("usr/include/xt_connmark.h", data=b"lower"),
    member("usr/share/nul", data=b"device"),
    member("usr/share/aux.h", data=b"device"),
    member("usr/share/foo.", data=b"trailing dot"),
    member("usr/share/target.txt", data=b"target"),
    member("usr/bin/link", tarfile.SYMTYPE, link="../share/target.txt"),
]
second = [member(deep + "/leaf.txt", data=b"three hundred"), member("zz/second-member.txt", data=b"second gzip member")]
# One tar stream, compressed as two gzip members (what pigz and some registries' tools write).
whole = tar(first + second)
split = len(tar(first)) - 1024   # the first part ends before tar's two zero blocks
layer = gzip.compress(whole[:split]) + gzip.compress(whole[split:])
config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [sha(whole)]}}).encode()
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(config), "size": len(config)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha(layer), "size": len(layer)}]}).encode()
index = json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(manifest), "size": len(manifest)}]}).encode()
blobs = [member("blobs/sha256/" + sha(b)[7:], data=b) for b in (manifest, config, layer)]
with open(out, "wb") as f:
    f.write(tar([member("oci-layout", data=b'{"imageLayoutVersion":"1.0.0"}'), member("index.json", data=index)] + blobs))
'@
    $script:Work = New-WindowsTestFolder 'expand'
    $script:Archive = Join-Path $Work 'windows-names.tar'
    Invoke-Python $Writer @($Archive, $Deep) | Out-Null
    # The destination's own path is long too, so the deepest file's full path is past 260 characters everywhere.
    $script:Destination = Join-Path $Work ('destination-' + ('p' * 40))
    $script:Result = Expand-CseArtifact -Path $Archive -Destination $Destination -WarningVariable expansionWarnings -WarningAction SilentlyContinue
    $script:Warnings = @($expansionWarnings | ForEach-Object { "$_" })
    function Get-Names([string] $Folder) { @(Get-ChildItem -Force -LiteralPath (Join-Path $Result.Root $Folder) | ForEach-Object { $_.Name }) }
}

AfterAll { Remove-WindowsTestRoot }

Describe 'Expand-CseArtifact with names and layers Windows treats differently (issue 22)' {
    It 'expands the artifact' {
        $Result | Should -Not -BeNullOrEmpty
        $Result.DependencyFile | Should -Not -BeNullOrEmpty
    }

    It 'writes a file whose full path is over 260 characters' {
        $path = (Join-Path $Result.Root $DeepFile).Replace('/', [IO.Path]::DirectorySeparatorChar)
        $path.Length | Should -BeGreaterThan 300
        # .NET Framework opens a path this long only in the \\?\ form (which takes no '/'); .NET (Core) opens it as it is.
        [IO.File]::ReadAllText($(if ($OnFramework) { '\\?\' + $path } else { $path })) | Should -Be 'three hundred'
    }

    It 'reads every member of a two-member gzip layer' {
        [IO.File]::ReadAllText((Join-Path $Result.Root 'zz/second-member.txt')) | Should -Be 'second gzip member'
    }

    It 'keeps every name on Linux, and no warning' -Skip:$OnWindows {
        Get-Names 'var/lib/dpkg/info' | Should -Be @('libc6:amd64.list')
        Get-Names 'usr/include' | Sort-Object | Should -Be @('xt_CONNMARK.h', 'xt_connmark.h')
        Get-Names 'usr/share' | Sort-Object | Should -Be @('aux.h', 'foo.', 'nul', 'target.txt')
        (Get-Item -LiteralPath (Join-Path $Result.Root 'usr/bin/link')).LinkType | Should -Be 'SymbolicLink'
        $Warnings | Should -BeNullOrEmpty
    }

    It 'skips the names Windows cannot hold and the case twin, listing them in one warning' -Skip:(-not $OnWindows) {
        Get-Names 'var/lib/dpkg/info' | Should -BeNullOrEmpty
        # The first of the two case twins is kept, with its own bytes; the second is not written over it.
        Get-Names 'usr/include' | Should -Be @('xt_CONNMARK.h')
        [IO.File]::ReadAllText((Join-Path $Result.Root 'usr/include/xt_CONNMARK.h')) | Should -Be 'upper'
        Get-Names 'usr/share' | Should -Be @('target.txt')
        $names = @($Warnings | Where-Object { $_ -match 'cannot hold their names' })
        $names.Count | Should -Be 1
        foreach ($name in 'libc6:amd64.list', 'xt_connmark.h', 'nul', 'aux.h', 'foo.') { $names[0] | Should -BeLike "*$name*" }
    }

    It 'makes no symbolic link on Windows and says so, naming it' -Skip:(-not $OnWindows) {
        Get-Names 'usr/bin' | Should -BeNullOrEmpty
        $links = @($Warnings | Where-Object { $_ -match 'symbolic links were not created' })
        $links.Count | Should -Be 1
        $links[0] | Should -BeLike '*usr/bin/link*'
        $links[0] | Should -BeLike '*dependencies.txt and getting_started.sh are there*'
    }
}
