BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Environment = Get-CseTestEnvironment
    $script:Mirror = Get-TestMirror
    $script:Ca = $Environment.CaFile
    $script:Work = New-TestFolder 'expand'
    $script:Fixture = Get-TestFixture -Like '*/getting-started-airgapped:v0.1.4'

    function Expand-ViaDockerCli([string] $Location, [string] $Into) {
        # The procedure's own route, by the docker CLI: create, export, tar -x.
        $docker = Assert-CseTestService 'docker'
        & docker -H $docker.DockerHost pull --quiet $Location | Out-Null
        $id = & docker -H $docker.DockerHost create $Location /never-runs
        try {
            New-Item -ItemType Directory -Force $Into | Out-Null
            & bash -c "docker -H '$($docker.DockerHost)' export '$id' | tar -x -C '$Into'"
            if ($LASTEXITCODE -ne 0) { throw 'docker export | tar failed' }
        }
        finally { & docker -H $docker.DockerHost rm -f $id | Out-Null }
    }

    function New-HostileTar([string] $Name, [scriptblock] $Build) {
        # Hostile archives are made with GNU tar from files this test writes.
        $dir = New-TestFolder 'hostile'
        $tar = Join-Path $Work "$Name.tar"
        & $Build $dir $tar
        if ($LASTEXITCODE -ne 0) { throw "building $Name failed" }
        $tar
    }
    # Hostile archives and layers are written with python3's tarfile (an independent tar writer) from bytes made here.
    $script:HostilePython = Join-Path $Work 'hostile.py'
    Set-Content -Path $HostilePython -Value @'
import gzip, hashlib, io, json, os, subprocess, sys, tarfile

def entry(name, kind=tarfile.REGTYPE, data=b"", mode=0o644, link=""):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.linkname = kind, mode, link
    if kind == tarfile.REGTYPE:
        info.size = len(data)
    return info, (data if kind == tarfile.REGTYPE else None)

def f(name, data=b"x", mode=0o644): return entry(name, data=data if isinstance(data, bytes) else data.encode(), mode=mode)
def d(name, mode=0o755): return entry(name, tarfile.DIRTYPE, mode=mode)
def l(name, target): return entry(name, tarfile.SYMTYPE, link=target)

def tar(members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as t:
        for info, data in members:
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()

def sha(data): return "sha256:" + hashlib.sha256(data).hexdigest()

def image(layers):
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [sha(x) for x in layers]}}).encode()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha(x), "size": len(x)} for x in layers]}).encode()
    return manifest, config

# The attack of issue 12: the whiteout prefix followed by "..", i.e. "delete the parent".
WHITEOUT_LAYERS = [tar([f("kept.txt", "kept")]), tar([f(".wh...", b"")])]

def write(path, data):
    with open(path, "wb") as out: out.write(data)

command, out = sys.argv[1], sys.argv[2]
if command == "oci-whiteout":
    manifest, config = image(WHITEOUT_LAYERS)
    index = json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(manifest), "size": len(manifest)}]}).encode()
    blobs = [f("blobs/sha256/" + sha(b)[7:], b) for b in [manifest, config] + WHITEOUT_LAYERS]
    write(out, tar([f("oci-layout", '{"imageLayoutVersion":"1.0.0"}'), f("index.json", index)] + blobs))
elif command == "dir-whiteout":
    manifest, config = image(WHITEOUT_LAYERS)
    os.makedirs(out)
    write(os.path.join(out, "version"), b"Directory Transport Version: 1.1\n")
    write(os.path.join(out, "manifest.json"), manifest)
    for blob in [config] + WHITEOUT_LAYERS: write(os.path.join(out, sha(blob)[7:]), blob)
elif command == "save-link":
    which, target = sys.argv[3], sys.argv[4]
    if which == "manifest":
        write(out, tar([f("real/layer.tar", tar([f("real.txt")])), l("manifest.json", target)]))
    else:
        write(out, tar([l("abc/layer.tar", target), f("manifest.json", '[{"Config":"c.json","RepoTags":[],"Layers":["abc/layer.tar"]}]')]))
elif command == "host-files":
    # What a link in an archive points at on the host: a valid layer, and a valid manifest.json naming it.
    write(out + ".tar", tar([f("stolen.txt", "from the host")]))
    write(out + ".json", json.dumps([{"Config": "c.json", "RepoTags": [], "Layers": [out + ".tar"]}]).encode())
elif command == "save-late":
    # As the Docker CLI writes a save of many layers: blobs/ sorted first, manifest.json after the 64th entry.
    layers = [tar([f("layer%02d.txt" % i, "layer %d" % i)]) for i in range(70)]
    names = ["blobs/sha256/" + sha(x)[7:] for x in layers]
    members = sorted([f(n, x) for n, x in zip(names, layers)], key=lambda m: m[0].name)
    write(out, tar(members + [f("manifest.json", json.dumps([{"Config": "c.json", "RepoTags": [], "Layers": names}]))]))
elif command == "hard-links":
    # Issue 26: one 1 MiB file and 200 hard links to it, gzipped (the old code wrote 201 copies: 211 MB).
    data = bytes(range(256)) * 4096
    members = [f("data/big", data)] + [entry("links/l%03d" % i, tarfile.LNKTYPE, link="data/big") for i in range(200)]
    with gzip.open(out, "wb") as z: z.write(tar(members))
elif command in ("gzip-bomb", "zstd-bomb"):
    # Issue 26: a 64 MiB file of zeros, some tens of KiB compressed, streamed so it never sits in memory.
    plain = out + ".plain"
    with tarfile.open(plain, "w", format=tarfile.GNU_FORMAT) as t:
        info = tarfile.TarInfo("zeros"); info.size = 64 << 20
        t.addfile(info, io.BytesIO(bytes(64 << 20)))
    if command == "gzip-bomb":
        with open(plain, "rb") as src, gzip.open(out, "wb", compresslevel=9) as z:
            for chunk in iter(lambda: src.read(1 << 20), b""): z.write(chunk)
    else:
        subprocess.run(["zstd", "-q", "-f", "-19", plain, "-o", out], check=True)
    os.remove(plain)
elif command == "many-entries":
    write(out, tar([f("many/f%05d" % i, b"") for i in range(int(sys.argv[3]))]))
elif command == "dir-image":
    # A one-layer image holding one file, in skopeo's dir: layout.
    name, content = sys.argv[3], sys.argv[4]
    layers = [tar([f(name, content)])]
    manifest, config = image(layers)
    os.makedirs(out)
    write(os.path.join(out, "version"), b"Directory Transport Version: 1.1\n")
    write(os.path.join(out, "manifest.json"), manifest)
    for blob in [config] + layers: write(os.path.join(out, sha(blob)[7:]), blob)
elif command == "escape-names":
    # Names that drive a terminal (issue 26): retitle the window, erase the line, a fake green success, then conceal.
    evil = "\x1b]0;pwned\x07\x1b[2K\r\x1b[32mAll 42 images published and verified.\x1b[0m\x1b[8m"
    if sys.argv[3] == "fifo":
        write(out, tar([f("kept.txt", "kept"), entry(evil + "fifo", tarfile.FIFOTYPE)]))
    else:
        write(out, tar([f("kept.txt", "kept"), f("../" + evil + "escape.txt", "x")]))
elif command == "fs-modes":
    write(out, tar([d("ro", 0o555), f("ro/inside.txt", "filled"), f("suid", "#!/bin/sh\n", 0o4755), d("sticky", 0o1777), f("sticky/x")]))
else:
    sys.exit("unknown command " + command)
'@

    function New-HostileArchive([string] $Command, [string] $Out, [string[]] $More = @()) {
        & python3 $HostilePython $Command $Out @More
        if ($LASTEXITCODE -ne 0) { throw "hostile.py $Command failed" }
        $Out
    }

    function New-Canary {
        <# A fresh parent folder for -Destination with a canary file and folder beside it, and its listing (find + sha256sum). #>
        $parent = New-TestFolder 'beside'
        Set-Content (Join-Path $parent 'canary.txt') 'alive'
        New-Item -ItemType Directory (Join-Path $parent 'canary-dir') | Out-Null
        Set-Content (Join-Path $parent 'canary-dir/inner.txt') 'inner'
        [pscustomobject]@{ Parent = $parent; Destination = (Join-Path $parent 'dest'); Before = @(Get-TreeListing $parent) }
    }

    function Assert-Refused($Problems, $Canary, [string] $ErrorId, [string] $Category, [string] $Target) {
        @($Problems).Count | Should -Be 1
        $Problems[0].FullyQualifiedErrorId | Should -Be "$ErrorId,CseAirgap.PowerShell.Commands.ExpandCseArtifactCommand"
        $Problems[0].CategoryInfo.Category | Should -Be $Category
        if ($Target) { $Problems[0].TargetObject | Should -Be $Target }
        # Nothing beside the destination changed, the parent is still there, and nothing was kept.
        Test-Path -LiteralPath $Canary.Parent -PathType Container | Should -BeTrue
        Get-Content (Join-Path $Canary.Parent 'canary.txt') | Should -Be 'alive'
        @(Get-TreeListing $Canary.Parent) | Should -Be $Canary.Before
    }
}

AfterAll { Remove-Item -Recurse -Force $Work -ErrorAction SilentlyContinue }

Describe 'Expand-CseArtifact' {
    Context 'Registry engine' {
        It 'expands the image from Get-CseAirgapImage: artifact files, exec bit, symlink, whiteout and opaque folder applied' {
            Assert-CseTestService 'source' | Out-Null
            $destination = Join-Path $Work 'registry-engine'
            $artifact = Get-CseAirgapImage -CseVersion 4.2.2 | Expand-CseArtifact -Destination $destination -SourceMirror $Mirror -CaCertificate $Ca
            $artifact.PSObject.TypeNames[0] | Should -Be 'CseAirgap.PowerShell.Output.CseArtifact'
            $artifact.Engine | Should -Be 'Registry'
            $artifact.Image | Should -Be $Fixture.Reference
            $artifact.Digest | Should -Be $Fixture.Digest
            $artifact.Path | Should -Be (Join-Path $destination 'src/artifact')
            $artifact.DependencyFile | Should -Be (Join-Path $destination 'src/artifact/dependencies.txt')
            $artifact.Script | Should -Be (Join-Path $destination 'src/artifact/getting_started.sh')
            (Get-Item $artifact.Script).UnixFileMode.HasFlag([IO.UnixFileMode]::UserExecute) | Should -BeTrue
            (Get-Item (Join-Path $artifact.Path 'run.sh')).LinkTarget | Should -Be 'getting_started.sh'
            Join-Path $artifact.Path 'draft-dependencies.txt' | Should -Not -Exist
            (Get-ChildItem (Join-Path $artifact.Path 'templates')).Name | Should -Be 'cluster.yaml'
            Get-ChildItem -Force $Work -Filter '.*partial*' | Should -BeNullOrEmpty
        }

        It 'gives the same tree as docker create + docker export + tar' {
            $ours = Join-Path $Work 'tree-registry'
            Expand-CseArtifact -Reference $Fixture.Reference -Destination $ours -SourceMirror $Mirror -CaCertificate $Ca | Out-Null
            $theirs = Join-Path $Work 'tree-docker-cli'
            Expand-ViaDockerCli -Location $Fixture.Location -Into $theirs
            $expected = Get-TreeListing $theirs
            $expected | Should -Not -BeNullOrEmpty
            Get-TreeListing $ours | Should -Be $expected
        }

        It 'picks linux/amd64 from an index, or the -Platform asked for' {
            $index = Get-TestFixture -Like '*/cluster-api-provider-cloud-director:*'
            $amd = Expand-CseArtifact -Reference $index.Reference -Destination (Join-Path $Work 'amd') -SourceMirror $Mirror -CaCertificate $Ca
            $arm = Expand-CseArtifact -Reference $index.Reference -Destination (Join-Path $Work 'arm') -SourceMirror $Mirror -CaCertificate $Ca -Platform linux/arm64
            Join-Path $amd.Root 'usr/lib/libbase.so' | Should -Exist
            Join-Path $arm.Root 'usr/lib/libbase-arm64.so' | Should -Exist
            Expand-CseArtifact -Reference $index.Reference -Destination (Join-Path $Work 'ppc') -SourceMirror $Mirror -CaCertificate $Ca -Platform linux/ppc64le -ErrorVariable problems -ErrorAction SilentlyContinue |
                Should -BeNullOrEmpty
            $problems[0].FullyQualifiedErrorId | Should -Be 'PlatformNotFound,CseAirgap.PowerShell.Commands.ExpandCseArtifactCommand'
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $problems[0].Exception.Message | Should -Match 'linux/amd64, linux/arm64'
        }

        It 'keeps nothing when a layer arrives corrupt' {
            $k8s = Assert-CseTestService 'k8s'
            $image = Get-TestFixture -Like 'registry.k8s.io/sig-storage/csi-attacher:*'
            $proxy = Start-CseTestFaultProxy -Registry $k8s -Fault corrupt -Count 1000
            try {
                $destination = Join-Path $Work 'corrupt'
                Expand-CseArtifact -Reference $image.Reference -Destination $destination -SourceMirror $proxy.Url -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            }
            finally { Stop-CseTestProcess $proxy }
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'DigestMismatch,*'
            $destination | Should -Not -Exist
            Get-ChildItem -Force $Work -Filter '.corrupt*' | Should -BeNullOrEmpty
        }
    }

    Context 'From an export (-Export)' {
        BeforeAll {
            # The export is made by Export-CseDependency from the suite's registry; the comparison is find and sha256sum's.
            Assert-CseTestService 'source' | Out-Null
            $script:ExportIndex = Get-TestFixture -Like '*/cluster-api-provider-cloud-director:*'
            $script:ExportFolder = Join-Path $Work 'export'
            $Fixture.Reference, $ExportIndex.Reference | Export-CseDependency -Path $ExportFolder -SourceMirror $Mirror -CaCertificate $Ca | Out-Null
        }

        It 'gives the same files as expanding the image from its registry' {
            $fromRegistry = Join-Path $Work 'export-vs-registry'
            Expand-CseArtifact -Reference $Fixture.Reference -Destination $fromRegistry -SourceMirror $Mirror -CaCertificate $Ca | Out-Null
            $fromExport = Join-Path $Work 'export-expanded'
            # No -SourceMirror and no CA: the image is read from the export alone.
            $artifact = Expand-CseArtifact -Export $ExportFolder -Reference $Fixture.Reference -Destination $fromExport
            $artifact.Engine | Should -Be 'Export'
            $artifact.Digest | Should -Be $Fixture.Digest
            $expected = Get-TreeListing $fromRegistry
            $expected | Should -Not -BeNullOrEmpty
            Get-TreeListing $fromExport | Should -Be $expected
            $script = 'src/artifact/getting_started.sh'
            (& sha256sum (Join-Path $fromExport $script)).Split(' ')[0] | Should -Be (& sha256sum (Join-Path $fromRegistry $script)).Split(' ')[0]
        }

        It 'picks -Platform from an exported index' {
            $arm = Expand-CseArtifact -Export $ExportFolder -Reference $ExportIndex.Reference -Destination (Join-Path $Work 'export-arm') -Platform linux/arm64
            Join-Path $arm.Root 'usr/lib/libbase-arm64.so' | Should -Exist
            Join-Path $arm.Root 'usr/lib/libbase.so' | Should -Not -Exist
        }

        It 'says ExportIncomplete for an image the export does not hold, and writes nothing' {
            $destination = Join-Path $Work 'export-missing'
            Expand-CseArtifact -Export $ExportFolder -Reference 'example.test/not/exported:v1' -Destination $destination -ErrorVariable problems -ErrorAction SilentlyContinue |
                Should -BeNullOrEmpty
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'ExportIncomplete,*'
            $destination | Should -Not -Exist
        }

        It 'refuses registry parameters with -Export' {
            { Expand-CseArtifact -Export $ExportFolder -Reference $Fixture.Reference -SourceMirror 'mirror.corp.local' -WhatIf -ErrorAction Stop } |
                Should -Throw -ErrorId 'RegistryParameterWithExport,CseAirgap.PowerShell.Commands.ExpandCseArtifactCommand'
        }
    }

    Context 'Docker engine' {
        It 'gives the same tree as the Registry engine, and removes its container' {
            $docker = Assert-CseTestService 'docker'
            $before = @(& docker -H $docker.DockerHost ps -aq)
            $viaDocker = Get-CseAirgapImage -CseVersion 4.2.2 | Expand-CseArtifact -Engine Docker -DockerHost $docker.DockerHost -Destination (Join-Path $Work 'docker-engine') -SourceMirror $Mirror
            $viaDocker.Engine | Should -Be 'Docker'
            $viaDocker.Digest | Should -Be $Fixture.Digest
            $viaRegistry = Expand-CseArtifact -Reference $Fixture.Reference -Destination (Join-Path $Work 'registry-engine-2') -SourceMirror $Mirror -CaCertificate $Ca
            Get-TreeListing $viaDocker.Root | Should -Be (Get-TreeListing $viaRegistry.Root)
            @(& docker -H $docker.DockerHost ps -aq).Count | Should -Be $before.Count
        }

        It 'pulls and creates the -Platform asked for from an index, not the engine''s own platform (issue 22)' {
            # The index fixture holds linux/amd64 and linux/arm64 images with different files; the suite's dockerd is
            # amd64, so without a platform on pull and create it would give the amd64 files whatever was asked.
            $docker = Assert-CseTestService 'docker'
            $index = Get-TestFixture -Like '*/cluster-api-provider-cloud-director:*'
            $arm = Expand-CseArtifact -Reference $index.Reference -Engine Docker -DockerHost $docker.DockerHost -Destination (Join-Path $Work 'docker-arm') -SourceMirror $Mirror -Platform linux/arm64
            Join-Path $arm.Root 'usr/lib/libbase-arm64.so' | Should -Exist
            Join-Path $arm.Root 'usr/lib/libbase.so' | Should -Not -Exist
        }

        It 'refuses a DOCKER_HOST that is no engine address as InvalidDockerHost, naming the npipe form' {
            Expand-CseArtifact -Reference $Fixture.Reference -Engine Docker -DockerHost 'npipe:////./docker_engine' -Destination (Join-Path $Work 'bad-host') -ErrorVariable problems -ErrorAction SilentlyContinue |
                Should -BeNullOrEmpty
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidDockerHost,*'
            $problems[0].Exception.Message | Should -Match ([regex]::Escape('npipe:////./pipe/docker_engine'))
            Join-Path $Work 'bad-host' | Should -Not -Exist
        }

        It 'says clearly when no Docker engine answers' {
            $socket = Join-Path $Work 'no-docker.sock'
            Expand-CseArtifact -Reference $Fixture.Reference -Engine Docker -DockerHost "unix://$socket" -Destination (Join-Path $Work 'no-docker') -ErrorVariable problems -ErrorAction SilentlyContinue |
                Should -BeNullOrEmpty
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'RegistryUnreachable,*'
            $problems[0].Exception.Message | Should -Match '-Engine Registry'
        }
    }

    Context 'Archive files' {
        BeforeAll {
            $docker = Assert-CseTestService 'docker'
            $source = Assert-CseTestService 'source'
            & docker -H $docker.DockerHost pull --quiet $Fixture.Location | Out-Null
            $script:Expected = Get-TreeListing (Expand-CseArtifact -Reference $Fixture.Reference -Destination (Join-Path $Work 'archive-expected') -SourceMirror $Mirror -CaCertificate $Ca).Root
            $script:ExportTar = Join-Path $Work 'export.tar'
            $id = & docker -H $docker.DockerHost create $Fixture.Location /never-runs
            & docker -H $docker.DockerHost export -o $ExportTar $id
            & docker -H $docker.DockerHost rm -f $id | Out-Null
            $script:SaveTar = Join-Path $Work 'save.tar'
            & docker -H $docker.DockerHost save -o $SaveTar $Fixture.Location
            $script:OciTar = Join-Path $Work 'oci.tar'
            Invoke-CseTestSkopeo copy --quiet @(Get-CseTestSkopeoArgs -Registry $source -Side src) "docker://$($Fixture.Location)" "oci-archive:${OciTar}:image" | Out-Null
        }

        It 'expands a <Kind> into the same tree' -TestCases @(
            @{ Kind = 'docker export tar'; Variable = 'ExportTar' }
            @{ Kind = 'docker save archive'; Variable = 'SaveTar' }
            @{ Kind = 'OCI layout archive'; Variable = 'OciTar' }
        ) {
            $file = Get-Variable -Name $Variable -ValueOnly
            $file | Should -Exist
            $artifact = Expand-CseArtifact -Path $file -Destination (Join-Path $Work "from-$Variable")
            $artifact.Engine | Should -Be 'Archive'
            $artifact.DependencyFile | Should -Exist
            Get-TreeListing $artifact.Root | Should -Be $Expected
        }
    }

    Context 'Safe extraction' {
        It 'refuses <Case>, names the entry, and writes nothing anywhere' -TestCases @(
            @{ Case = 'a path with ..'; Entry = '../escaped.txt'; Build = { param($dir, $tar)
                    Set-Content (Join-Path $dir 'payload') 'x'; & tar -cf $tar -C $dir --transform 's,^payload$,../escaped.txt,' payload } }
            @{ Case = 'an absolute path'; Entry = '/tmp/cseairgap-absolute-escape.txt'; Build = { param($dir, $tar)
                    Set-Content (Join-Path $dir 'payload') 'x'; & tar -cPf $tar -C $dir --transform 's,^payload$,/tmp/cseairgap-absolute-escape.txt,' payload } }
            @{ Case = 'a path through a symlink'; Entry = 'link/pwned.txt'; Build = { param($dir, $tar)
                    $outside = Join-Path $dir 'outside'; New-Item -ItemType Directory $outside | Out-Null
                    & ln -s $outside (Join-Path $dir 'link'); Set-Content (Join-Path $dir 'payload') 'x'
                    & tar -cf $tar -C $dir link; & tar -rf $tar -C $dir --transform 's,^payload$,link/pwned.txt,' payload } }
        ) {
            $tar = New-HostileTar ($Case -replace '\W', '') $Build
            & tar -tf $tar | Should -Contain $Entry -Because 'the hostile entry is really in the archive'
            $destination = Join-Path $Work ('hostile-' + ($Case -replace '\W', ''))
            Expand-CseArtifact -Path $tar -Destination $destination -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be 'UnsafeArchiveEntry,CseAirgap.PowerShell.Commands.ExpandCseArtifactCommand'
            $problems[0].CategoryInfo.Category | Should -Be 'SecurityError'
            $problems[0].TargetObject | Should -Be $Entry
            $problems[0].Exception.Message | Should -Match ([regex]::Escape($Entry))
            $destination | Should -Not -Exist
            Join-Path $Work 'escaped.txt' | Should -Not -Exist
            '/tmp/cseairgap-absolute-escape.txt' | Should -Not -Exist
            Get-ChildItem -Recurse (Split-Path $tar) -Filter 'pwned.txt' | Should -BeNullOrEmpty
        }

        It 'skips device nodes and keeps the rest' {
            $tar = New-HostileTar 'device' { param($dir, $tar)
                & mknod (Join-Path $dir 'null-device') c 1 3; Set-Content (Join-Path $dir 'kept.txt') 'kept'
                & tar -cf $tar -C $dir null-device kept.txt }
            $artifact = Expand-CseArtifact -Path $tar -Destination (Join-Path $Work 'device') -Verbose 4>&1 | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }
            Join-Path $artifact.Root 'kept.txt' | Should -Exist
            Join-Path $artifact.Root 'null-device' | Should -Not -Exist
        }
    }

    Context 'Hostile input (issue 12)' {
        It 'refuses the whiteout ".wh..." of an OCI archive and leaves the destination''s parent alone' {
            $archive = New-HostileArchive oci-whiteout (Join-Path $Work "oci-whiteout-$(New-Guid).tar")
            (Invoke-CseTestSkopeo inspect "oci-archive:$archive" | Out-String | ConvertFrom-Json).Layers.Count | Should -Be 2 -Because 'skopeo reads it as an OCI image'
            $canary = New-Canary
            Expand-CseArtifact -Path $archive -Destination $canary.Destination -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            Assert-Refused $problems $canary -ErrorId UnsafeArchiveEntry -Category SecurityError -Target '.wh...'
        }

        It 'refuses the whiteout ".wh..." of a layer pulled from a registry (-Reference), before keeping anything' {
            $k8s = Assert-CseTestService 'k8s'
            $folder = New-HostileArchive dir-whiteout (Join-Path $Work "dir-whiteout-$(New-Guid)")
            $path = "hostile-$([Guid]::NewGuid().ToString('N').Substring(0, 8))/whiteout:1"
            Invoke-CseTestSkopeo copy --preserve-digests --quiet @(Get-CseTestSkopeoArgs -Registry $k8s -Side dest -Credential) "dir:$folder" "docker://$($k8s.Host)/$path" | Out-Null
            $canary = New-Canary
            Expand-CseArtifact -Reference "registry.k8s.io/$path" -SourceMirror $Mirror -Destination $canary.Destination -ErrorVariable problems -ErrorAction SilentlyContinue |
                Should -BeNullOrEmpty
            Assert-Refused $problems $canary -ErrorId UnsafeArchiveEntry -Category SecurityError -Target '.wh...'
        }

        It 'refuses a docker-save <Which> that is a symbolic link to <Kind>' -TestCases @(
            @{ Which = 'manifest'; Kind = 'a host file'; Entry = 'manifest.json' }
            @{ Which = 'manifest'; Kind = '/dev/zero'; Entry = 'manifest.json' }
            @{ Which = 'layer'; Kind = 'a host file'; Entry = 'abc/layer.tar' }
            @{ Which = 'layer'; Kind = '/dev/zero'; Entry = 'abc/layer.tar' }
        ) {
            # The host files are valid: following the link would "work" and extract them.
            $host_ = New-HostileArchive host-files (Join-Path $Work "host-$(New-Guid)")
            $target = if ($Kind -eq '/dev/zero') { '/dev/zero' } elseif ($Which -eq 'manifest') { "$host_.json" } else { "$host_.tar" }
            $archive = New-HostileArchive save-link (Join-Path $Work "save-link-$(New-Guid).tar") -More $Which, $target
            (& tar -tvf $archive | Select-String -SimpleMatch " -> $target") | Should -Not -BeNullOrEmpty -Because 'the link is really in the archive'
            $canary = New-Canary
            Expand-CseArtifact -Path $archive -Destination $canary.Destination -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            Assert-Refused $problems $canary -ErrorId UnsafeArchiveEntry -Category SecurityError -Target $Entry
            $problems[0].Exception.Message | Should -Match 'symbolic link'
        }

        It 'recognises a docker-save archive whose manifest.json comes after its 64th entry' {
            $archive = New-HostileArchive save-late (Join-Path $Work "save-late-$(New-Guid).tar")
            $names = @(& tar -tf $archive)
            [array]::IndexOf($names, 'manifest.json') | Should -BeGreaterThan 64
            $canary = New-Canary
            $artifact = Expand-CseArtifact -Path $archive -Destination $canary.Destination
            $listing = @(Get-TreeListing $artifact.Root)
            $listing.Count | Should -Be 70
            $listing | Where-Object { $_ -like 'blobs*' -or $_ -like 'manifest.json*' } | Should -BeNullOrEmpty
            Get-Content (Join-Path $artifact.Root 'layer69.txt') | Should -Be 'layer 69'
        }

        It 'refuses a platform manifest named by sha512 that the mirror swaps, and expands the true one' {
            $k8s = Assert-CseTestService 'k8s'
            $path = "sha512-$([Guid]::NewGuid().ToString('N').Substring(0, 8))/app"
            $folders = @{}
            foreach ($tag in 'good', 'evil') {
                $folders[$tag] = New-HostileArchive dir-image (Join-Path $Work "dir-$tag-$(New-Guid)") -More "$tag.txt", $tag
                Invoke-CseTestSkopeo copy --preserve-digests --quiet @(Get-CseTestSkopeoArgs -Registry $k8s -Side dest -Credential) "dir:$($folders[$tag])" "docker://$($k8s.Host)/${path}:$tag" | Out-Null
            }
            # The index the hostile mirror serves names the good manifest by its sha512, as hashlib computes it.
            $goodSha512 = 'sha512:' + (& python3 -c 'import hashlib, sys; print(hashlib.sha512(open(sys.argv[1], "rb").read()).hexdigest())' (Join-Path $folders.good 'manifest.json'))

            $swapping = Start-CseTestHostileRegistry -Registry $k8s -Mode sha512-child -NoAuth -Substitute evil
            try {
                (Invoke-RestMethod "$($swapping.Url)/v2/$path/manifests/good").manifests[0].digest | Should -Be $goodSha512
                $canary = New-Canary
                Expand-CseArtifact -Reference "registry.k8s.io/${path}:good" -SourceMirror $swapping.Base -Destination $canary.Destination -ErrorVariable problems -ErrorAction SilentlyContinue |
                    Should -BeNullOrEmpty
                Assert-Refused $problems $canary -ErrorId DigestMismatch -Category InvalidData
                @((Get-CseTestHostileLog $swapping) | Where-Object { $_.Path -eq "/v2/$path/manifests/$goodSha512" -and $_.Status -eq 200 }).Count | Should -BeGreaterThan 0 -Because 'the swapped child was served'
            }
            finally { Stop-CseTestProcess $swapping }

            $honest = Start-CseTestHostileRegistry -Registry $k8s -Mode sha512-child -NoAuth
            try {
                $artifact = Expand-CseArtifact -Reference "registry.k8s.io/${path}:good" -SourceMirror $honest.Base -Destination (Join-Path $Work "sha512-$(New-Guid)")
                Get-Content (Join-Path $artifact.Root 'good.txt') | Should -Be 'good'
                Join-Path $artifact.Root 'evil.txt' | Should -Not -Exist
            }
            finally { Stop-CseTestProcess $honest }
        }

        It 'shows an entry name that holds terminal escapes escaped, in a verbose line and in a refusal' {
            $esc = [string][char]0x1b
            $fifo = New-HostileArchive escape-names (Join-Path $Work "escape-fifo-$(New-Guid).tar") -More fifo
            # GNU tar lists them quoted (\033); python's tarfile gives the names as they are.
            & python3 -c 'import sys, tarfile; print(any("\x1b]0;pwned" in n for n in tarfile.open(sys.argv[1]).getnames()))' $fifo | Should -Be 'True' -Because 'the escapes are really in the archive'
            $output = Expand-CseArtifact -Path $fifo -Destination (Join-Path $Work "escape-fifo-$(New-Guid)") -Verbose 4>&1
            $verbose = @($output | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | ForEach-Object Message)
            $skipped = @($verbose | Where-Object { $_ -like 'Skipped the device or FIFO*' })
            $skipped.Count | Should -Be 1
            $skipped[0] | Should -BeLike '*\x1b]0;pwned\x07\x1b`[2K\x0d\x1b`[32mAll 42 images*'
            ($verbose -join "`n").Contains($esc) | Should -BeFalse

            $escape = New-HostileArchive escape-names (Join-Path $Work "escape-entry-$(New-Guid).tar") -More entry
            $canary = New-Canary
            Expand-CseArtifact -Path $escape -Destination $canary.Destination -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            Assert-Refused $problems $canary -ErrorId UnsafeArchiveEntry -Category SecurityError
            foreach ($text in @($problems[0].Exception.Message, [string]$problems[0].TargetObject, ($problems[0] | Out-String), ($problems[0] | Format-List * -Force | Out-String))) {
                $text.Contains($esc) | Should -BeFalse
                $text.Contains([string][char]7) | Should -BeFalse
            }
            $problems[0].Exception.Message | Should -BeLike '*\x1b`[8m*'
        }

        It 'applies a 0555 folder''s mode after its content and drops setuid, setgid and sticky bits, saying so once' {
            $archive = New-HostileArchive fs-modes (Join-Path $Work "fs-modes-$(New-Guid).tar")
            & tar -tvf $archive | Select-String '^-rwsr-xr-x .* suid$' | Should -Not -BeNullOrEmpty -Because 'the archive holds a setuid file'
            $canary = New-Canary
            $output = Expand-CseArtifact -Path $archive -Destination $canary.Destination -Verbose 4>&1
            $artifact = $output | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }
            $verbose = @($output | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -match 'setuid' })
            $verbose.Count | Should -Be 1
            (& stat -c '%a' (Join-Path $artifact.Root 'ro')) | Should -Be '555'
            Get-Content (Join-Path $artifact.Root 'ro/inside.txt') | Should -Be 'filled'
            (& stat -c '%a' (Join-Path $artifact.Root 'suid')) | Should -Be '755'
            (& stat -c '%a' (Join-Path $artifact.Root 'sticky')) | Should -Be '777'
            # -Force over a tree holding a 0555 folder replaces it.
            Expand-CseArtifact -Path $archive -Destination $canary.Destination -Force | Should -Not -BeNullOrEmpty
        }

        It 'leaves a killed run''s staging folder, keeps a live run''s, and removes it once its process is gone' {
            $canary = New-Canary
            $good = New-HostileArchive fs-modes (Join-Path $Work "fs-good-$(New-Guid).tar")
            # A run held in the middle: it reads a FIFO to the end (to tell its kind), makes its staging folder, then
            # waits on the FIFO again for the bytes to apply, which never come.
            $fifo = Join-Path $Work "held-$(New-Guid).fifo"
            & mkfifo $fifo
            $start = [Diagnostics.ProcessStartInfo]::new('dotnet')
            foreach ($a in @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command',
                    "Import-Module '$ModulePath/CseAirgap.psd1'; Expand-CseArtifact -Path '$fifo' -Destination '$($canary.Destination)'")) { $start.ArgumentList.Add($a) }
            $start.RedirectStandardOutput = $true
            $start.RedirectStandardError = $true
            $held = [Diagnostics.Process]::Start($start)
            try {
                & timeout 120 bash -c "cat '$good' > '$fifo'"
                $LASTEXITCODE | Should -Be 0 -Because 'the held run opened the archive'
                # Waits on a condition (the folder the held run makes), with a deadline; no fixed sleep.
                $deadline = [DateTime]::UtcNow.AddSeconds(120)
                while (-not ($staging = Get-ChildItem -Force -Directory $canary.Parent -Filter '.dest.partial-*') -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
                $staging | Should -Not -BeNullOrEmpty
                $staging.Name | Should -Match "^\.dest\.partial-$($held.Id)-\d+-[0-9a-f]{8}$"

                # A concurrent run into the same destination must not take the live run's folder.
                Expand-CseArtifact -Path $good -Destination $canary.Destination | Should -Not -BeNullOrEmpty
                $staging.FullName | Should -Exist
            }
            finally {
                $held.Kill()
                $held.WaitForExit()
            }
            $staging.FullName | Should -Exist -Because 'a kill leaves the staging folder behind'
            $output = Expand-CseArtifact -Path $good -Destination $canary.Destination -Force -Verbose 4>&1
            $staging.FullName | Should -Not -Exist
            $output | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -match 'interrupted run' } | Should -HaveCount 1
            Get-ChildItem -Force $canary.Parent -Filter '.dest*' | Should -BeNullOrEmpty
            Get-Content (Join-Path $canary.Parent 'canary.txt') | Should -Be 'alive'
        }
    }

    Context 'Amplification (issue 26)' {
        It 'writes 200 hard links to one 1 MiB file as links: one inode, about 1 MiB on disk' {
            $archive = New-HostileArchive hard-links (Join-Path $Work "hard-links-$(New-Guid).tar.gz")
            (Get-Item $archive).Length | Should -BeLessThan 100KB
            @(& tar -tvzf $archive | Select-String ' link to data/big$').Count | Should -Be 200 -Because 'the archive holds 200 hard links'
            $canary = New-Canary
            $artifact = Expand-CseArtifact -Path $archive -Destination $canary.Destination
            # du counts each inode once; the old code's 201 copies took 211 MB.
            [long]((& du -sb $artifact.Root) -split '\s+')[0] | Should -BeLessThan 1.1MB
            & stat -c '%h' (Join-Path $artifact.Root 'data/big') | Should -Be '201'
            @(& find $artifact.Root -samefile (Join-Path $artifact.Root 'data/big')).Count | Should -Be 201
        }

        It 'refuses a <Kind> bomb over -MaxExpandedBytes as ContentTooLarge and keeps the previous expansion' -TestCases @(
            @{ Kind = 'gzip' }
            @{ Kind = 'zstd' }
        ) {
            $bomb = New-HostileArchive "$Kind-bomb" (Join-Path $Work "$Kind-bomb-$(New-Guid).tar")
            (Get-Item $bomb).Length | Should -BeLessThan 1MB
            $canary = New-Canary
            $previous = New-HostileArchive fs-modes (Join-Path $Work "previous-$(New-Guid).tar")
            Expand-CseArtifact -Path $previous -Destination $canary.Destination | Should -Not -BeNullOrEmpty
            $canary.Before = @(Get-TreeListing $canary.Parent)
            Expand-CseArtifact -Path $bomb -Destination $canary.Destination -Force -MaxExpandedBytes 4MB -ErrorVariable problems -ErrorAction SilentlyContinue |
                Should -BeNullOrEmpty
            Assert-Refused $problems $canary -ErrorId ContentTooLarge -Category LimitsExceeded -Target $bomb
            $problems[0].Exception.Message | Should -Match '4 MiB'
            $problems[0].Exception.Message | Should -Match '-MaxExpandedBytes'
            Get-ChildItem -Force $canary.Parent -Filter '.dest*' | Should -BeNullOrEmpty
            Get-Content (Join-Path $canary.Destination 'ro/inside.txt') | Should -Be 'filled'
        }

        It 'refuses an archive of more entries than -MaxEntryCount as ContentTooLarge' {
            $archive = New-HostileArchive many-entries (Join-Path $Work "many-$(New-Guid).tar") -More 1500
            $canary = New-Canary
            Expand-CseArtifact -Path $archive -Destination $canary.Destination -MaxEntryCount 1000 -ErrorVariable problems -ErrorAction SilentlyContinue |
                Should -BeNullOrEmpty
            Assert-Refused $problems $canary -ErrorId ContentTooLarge -Category LimitsExceeded -Target $archive
            $problems[0].Exception.Message | Should -Match '-MaxEntryCount'
            $canary.Destination | Should -Not -Exist
            # The same archive under a cap it fits in.
            (Expand-CseArtifact -Path $archive -Destination $canary.Destination -MaxEntryCount 2000).Root | Should -Be $canary.Destination
        }
    }

    Context 'Destination' {
        It 'refuses a non-empty destination unless -Force, then replaces it' {
            $destination = New-TestFolder 'nonempty'
            Set-Content (Join-Path $destination 'mine.txt') 'precious'
            Expand-CseArtifact -Reference $Fixture.Reference -Destination $destination -SourceMirror $Mirror -CaCertificate $Ca -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'DestinationNotEmpty,*'
            Join-Path $destination 'mine.txt' | Should -Exist
            $artifact = Expand-CseArtifact -Reference $Fixture.Reference -Destination $destination -SourceMirror $Mirror -CaCertificate $Ca -Force
            $artifact.DependencyFile | Should -Exist
            Join-Path $destination 'mine.txt' | Should -Not -Exist
            Remove-Item -Recurse -Force $destination
        }

        It 'defaults to a folder named after the image and tag in the current directory' {
            Push-Location $Work
            try { $artifact = Expand-CseArtifact -Reference $Fixture.Reference -SourceMirror $Mirror -CaCertificate $Ca }
            finally { Pop-Location }
            $artifact.Root | Should -Be (Join-Path $Work 'getting-started-airgapped-v0.1.4')
        }

        It 'takes the source account as -SourceCredential, and as -Credential, its name before' {
            $command = Get-Command Expand-CseArtifact
            $command.Parameters['SourceCredential'].Aliases | Should -Contain 'Credential'
            $command.Parameters.ContainsKey('Credential') | Should -BeFalse -Because 'Expand has no destination registry: -Credential is only the alias'
        }

        It 'refuses registry parameters with -Path, which reads an archive file' {
            { Expand-CseArtifact -Path (Join-Path $Work 'none.tar') -SourceMirror 'mirror.corp.local' -WhatIf -ErrorAction Stop } |
                Should -Throw -ErrorId 'RegistryParameterWithPath,CseAirgap.PowerShell.Commands.ExpandCseArtifactCommand'
        }

        It 'writes nothing with -WhatIf' {
            $destination = Join-Path $Work 'whatif'
            Expand-CseArtifact -Reference $Fixture.Reference -Destination $destination -SourceMirror $Mirror -CaCertificate $Ca -WhatIf | Should -BeNullOrEmpty
            $destination | Should -Not -Exist
        }
    }

    Context 'The whole procedure' {
        It 'runs Get-CseAirgapImage | Expand-CseArtifact | Get-CseDependency | Publish-CseDependency with the <Engine> engine' -TestCases @(
            @{ Engine = 'Registry' }, @{ Engine = 'Docker' }
        ) {
            $target = Assert-CseTestService 'token'
            $docker = Assert-CseTestService 'docker'
            $base = New-TestBase $target
            $expand = @{ Destination = (Join-Path $Work "chain-$Engine"); SourceMirror = $Mirror; CaCertificate = $Ca; Engine = $Engine }
            if ($Engine -eq 'Docker') { $expand.DockerHost = $docker.DockerHost }
            $results = Get-CseAirgapImage -CseVersion 4.2.2 | Expand-CseArtifact @expand | Get-CseDependency |
                Publish-CseDependency -Registry $base -Credential (Get-CseTestCredential) -SourceMirror $Mirror -CaCertificate $Ca
            $expected = (Get-CseTestEnvironment).Fixtures.Dependencies['v0.1.4']
            $results.Source | Sort-Object | Should -Be ($expected | Sort-Object)
            $results.Status | Sort-Object -Unique | Should -Be 'Copied'
            foreach ($r in $results) {
                Get-SkopeoDigest -Registry $target -Reference $r.Destination | Should -Be (Get-TestFixture -Like $r.Source).Digest
            }
        }
    }
}
