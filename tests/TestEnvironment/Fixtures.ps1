# The fixture set: synthetic but realistic copies of what projects.registry.vmware.com and registry.k8s.io
# serve to CSE. Built here from files the test writes (tar, gzip, JSON), independent of the module, laid out
# in skopeo's dir: format and pushed with `skopeo copy --all --preserve-digests`, so every digest is the one
# computed here and skopeo refuses to change it.

$script:VmwareHost = 'projects.registry.vmware.com'
$script:K8sHost = 'registry.k8s.io'

function Get-Sha256 {
    param([Parameter(Mandatory)][string] $Path)
    'sha256:' + (Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash.ToLowerInvariant()
}

function New-FixtureBlobFile {
    <# Moves a file into the blob store under its digest; returns its descriptor. #>
    param([string] $Store, [string] $Path, [string] $MediaType)
    $digest = Get-Sha256 $Path
    $target = Join-Path $Store $digest.Substring(7)
    Move-Item -Force $Path $target
    @{ mediaType = $MediaType; digest = $digest; size = (Get-Item $target).Length }
}

function New-FixtureJsonBlob {
    param([string] $Store, $Object, [string] $MediaType)
    $tmp = Join-Path $Store "tmp-$([Guid]::NewGuid().ToString('N'))"
    [IO.File]::WriteAllBytes($tmp, [Text.Encoding]::UTF8.GetBytes(($Object | ConvertTo-Json -Depth 20 -Compress)))
    New-FixtureBlobFile -Store $Store -Path $tmp -MediaType $MediaType
}

function New-FixtureLayer {
    <#
    .SYNOPSIS
        A gzip layer built with GNU tar from files written here. -Files maps a path to a string, a byte
        count (random bytes from -Seed) or a hashtable @{ Content; Mode; Link }; -Whiteouts deletes paths of
        lower layers the OCI way (.wh.<name>), -Opaque marks directories opaque (.wh..wh..opq).
    #>
    param([string] $Store, [hashtable] $Files = @{}, [string[]] $Whiteouts = @(), [string[]] $Opaque = @(), [int] $Seed = 1, [switch] $Uncompressed)
    $stage = Join-Path $Store "stage-$([Guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory $stage | Out-Null
    $random = [Random]::new($Seed)
    foreach ($path in $Files.Keys) {
        $spec = $Files[$path]
        if ($spec -isnot [hashtable]) { $spec = @{ Content = $spec } }
        $full = Join-Path $stage $path
        New-Item -ItemType Directory -Force (Split-Path $full) | Out-Null
        if ($spec.Contains('Link')) { & ln -s $spec.Link $full; continue }
        if ($spec.Content -is [int] -or $spec.Content -is [long]) {
            # Random bytes (incompressible, like real binaries), written in slices so 1 GiB needs no 1 GiB array.
            $stream = [IO.File]::Create($full)
            try {
                $slice = [byte[]]::new([Math]::Min(8MB, [long]$spec.Content))
                for ($left = [long]$spec.Content; $left -gt 0; $left -= $slice.Length) {
                    $random.NextBytes($slice)
                    $stream.Write($slice, 0, [int][Math]::Min($slice.Length, $left))
                }
            }
            finally { $stream.Dispose() }
        }
        elseif ($spec.Content -is [byte[]]) {
            [IO.File]::WriteAllBytes($full, $spec.Content)
        }
        else {
            [IO.File]::WriteAllText($full, [string]$spec.Content)
        }
        $mode = if ($spec.Contains('Mode')) { $spec.Mode } else { '644' }
        & chmod $mode $full
    }
    foreach ($path in $Whiteouts) {
        $full = Join-Path $stage ((Split-Path $path) + '/.wh.' + (Split-Path -Leaf $path))
        New-Item -ItemType Directory -Force (Split-Path $full) | Out-Null
        [IO.File]::WriteAllBytes($full, [byte[]]::new(0))
    }
    foreach ($dir in $Opaque) {
        New-Item -ItemType Directory -Force (Join-Path $stage $dir) | Out-Null
        [IO.File]::WriteAllBytes((Join-Path $stage "$dir/.wh..wh..opq"), [byte[]]::new(0))
    }
    $tar = "$stage.tar"
    $top = @(Get-ChildItem -Force $stage | ForEach-Object Name)
    & tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='@0' --format=gnu -C $stage -cf $tar @top
    if ($LASTEXITCODE -ne 0) { throw "tar failed for a fixture layer" }
    $diffId = Get-Sha256 $tar
    Remove-Item -Recurse -Force $stage
    if ($Uncompressed) {
        # A plain tar layer: the benchmark's 1 GiB layer would spend minutes in gzip for nothing.
        $layer = New-FixtureBlobFile -Store $Store -Path $tar -MediaType 'tar'
    }
    else {
        & gzip -n -1 $tar
        if ($LASTEXITCODE -ne 0) { throw "gzip failed for a fixture layer" }
        $layer = New-FixtureBlobFile -Store $Store -Path "$tar.gz" -MediaType ''
    }
    $layer.diffId = $diffId
    $layer
}

function New-FixtureImage {
    <# A config and manifest over the given layers, in OCI or Docker schema 2 media types. #>
    param([string] $Store, [object[]] $Layers, [ValidateSet('Oci', 'Docker')][string] $Format, [string] $Architecture = 'amd64', [hashtable] $Labels = @{})
    $types = if ($Format -eq 'Oci') {
        @{ manifest = 'application/vnd.oci.image.manifest.v1+json'; config = 'application/vnd.oci.image.config.v1+json'; layer = 'application/vnd.oci.image.layer.v1.tar+gzip' }
    }
    else {
        @{ manifest = 'application/vnd.docker.distribution.manifest.v2+json'; config = 'application/vnd.docker.container.image.v1+json'; layer = 'application/vnd.docker.image.rootfs.diff.tar.gzip' }
    }
    $config = [ordered]@{
        architecture = $Architecture
        os           = 'linux'
        config       = [ordered]@{ Env = @('PATH=/usr/local/bin:/usr/bin:/bin'); Labels = $Labels }
        rootfs       = [ordered]@{ type = 'layers'; diff_ids = @($Layers | ForEach-Object { $_.diffId }) }
    }
    $configBlob = New-FixtureJsonBlob -Store $Store -Object $config -MediaType $types.config
    $manifest = [ordered]@{
        schemaVersion = 2
        mediaType     = $types.manifest
        config        = [ordered]@{ mediaType = $types.config; digest = $configBlob.digest; size = $configBlob.size }
        layers        = @($Layers | ForEach-Object { [ordered]@{ mediaType = ($_.mediaType -eq 'tar' ? ($types.layer -replace '[.+]gzip$', '') : $types.layer); digest = $_.digest; size = $_.size } })
    }
    $descriptor = New-FixtureJsonBlob -Store $Store -Object $manifest -MediaType $types.manifest
    $descriptor.blobs = @($configBlob.digest) + @($Layers | ForEach-Object { $_.digest })
    $descriptor.platform = "linux/$Architecture"
    $descriptor
}

function New-FixtureIndex {
    param([string] $Store, [object[]] $Images, [ValidateSet('Oci', 'Docker')][string] $Format)
    $type = if ($Format -eq 'Oci') { 'application/vnd.oci.image.index.v1+json' } else { 'application/vnd.docker.distribution.manifest.list.v2+json' }
    $index = [ordered]@{
        schemaVersion = 2
        mediaType     = $type
        manifests     = @($Images | ForEach-Object {
                [ordered]@{ mediaType = $_.mediaType; digest = $_.digest; size = $_.size; platform = [ordered]@{ architecture = $_.platform.Split('/')[1]; os = 'linux' } }
            })
    }
    $descriptor = New-FixtureJsonBlob -Store $Store -Object $index -MediaType $type
    $descriptor.children = $Images
    $descriptor
}

function New-CseTestDirImage {
    <# Lays out one image (or index with its children) in skopeo's dir: format; returns the folder. #>
    param([string] $Store, $Image, [string] $Folder)
    New-Item -ItemType Directory -Force $Folder | Out-Null
    [IO.File]::WriteAllText((Join-Path $Folder 'version'), "Directory Transport Version: 1.1`n")
    Copy-Item (Join-Path $Store $Image.digest.Substring(7)) (Join-Path $Folder 'manifest.json')
    $images = if ($Image.Contains('children')) { $Image.children } else { @($Image) }
    foreach ($child in $images) {
        if ($Image.Contains('children')) { Copy-Item (Join-Path $Store $child.digest.Substring(7)) (Join-Path $Folder "$($child.digest.Substring(7)).manifest.json") }
        foreach ($blob in $child.blobs) { Copy-Item (Join-Path $Store $blob.Substring(7)) (Join-Path $Folder $blob.Substring(7)) -Force }
    }
    $Folder
}

function Get-FixtureArtifactFiles {
    <# The files of a getting-started-airgapped image: the script, dependencies.txt, bom.json. #>
    param([string] $Tag, [string[]] $Dependencies)
    $lines = @("# CSE getting-started-airgapped $Tag dependencies (synthetic test fixture)") + $Dependencies +
        @("#$script:VmwareHost vmware-cloud-director/cloud-provider-for-cloud-director 1.5.0", '')
    @{
        'src/artifact/getting_started.sh' = @{ Content = "#!/usr/bin/env bash`n# publishes every dependency to the registry given as `$2`nset -euo pipefail`necho `"synthetic $Tag`"`n"; Mode = '755' }
        'src/artifact/dependencies.txt'   = ($lines -join "`n")
        'src/artifact/bom.json'           = ([ordered]@{ version = $Tag; images = $Dependencies.Count } | ConvertTo-Json -Compress)
        'src/artifact/README.txt'         = "Synthetic CSE air-gap artifact $Tag.`n"
    }
}

function New-CseTestFixtureSet {
    <#
    .SYNOPSIS
        Builds every fixture image and pushes it to the 'source' (as projects.registry.vmware.com) and
        'k8s' (as registry.k8s.io) registries. Returns what was pushed: reference, mirror location, digest.
    #>
    param($Environment)
    $store = Join-Path $Environment.Root 'fixtures/blobs'
    New-Item -ItemType Directory -Force $store | Out-Null
    $mirrors = @{ $script:VmwareHost = $Environment.Registries['source']; $script:K8sHost = $Environment.Registries['k8s'] }

    # Shared base layers: several images of a run reuse them (dedup and cross-repository mount).
    $baseOs = New-FixtureLayer -Store $store -Seed 11 -Files @{ 'etc/os-release' = "ID=photon`n"; 'usr/lib/libbase.so' = 3MB }
    $baseArm = New-FixtureLayer -Store $store -Seed 12 -Files @{ 'etc/os-release' = "ID=photon`n"; 'usr/lib/libbase-arm64.so' = 3MB }
    $app = { param($name, $seed, $size) New-FixtureLayer -Store $store -Seed $seed -Files @{ "usr/local/bin/$name" = @{ Content = $size; Mode = '755' } } }

    $images = [ordered]@{}
    $capvcdAmd = New-FixtureImage -Store $store -Format Oci -Architecture amd64 -Layers @($baseOs, (& $app 'manager' 21 1MB))
    $capvcdArm = New-FixtureImage -Store $store -Format Oci -Architecture arm64 -Layers @($baseArm, (& $app 'manager' 22 1MB))
    $images["$script:VmwareHost/vmware-cloud-director/cluster-api-provider-cloud-director:1.3.0"] = New-FixtureIndex -Store $store -Format Oci -Images @($capvcdAmd, $capvcdArm)
    $cpiAmd = New-FixtureImage -Store $store -Format Docker -Architecture amd64 -Layers @($baseOs, (& $app 'cloud-controller-manager' 31 1MB))
    $cpiArm = New-FixtureImage -Store $store -Format Docker -Architecture arm64 -Layers @($baseArm, (& $app 'cloud-controller-manager' 32 1MB))
    $images["$script:VmwareHost/vmware-cloud-director/cloud-provider-for-cloud-director:1.6.0"] = New-FixtureIndex -Store $store -Format Docker -Images @($cpiAmd, $cpiArm)
    $images["$script:VmwareHost/vmware-cloud-director/cloud-director-named-disk-csi-driver:1.6.0"] = New-FixtureImage -Store $store -Format Docker -Layers @($baseOs, (& $app 'csi' 41 512KB))
    $images["$script:VmwareHost/tkg/cluster-api/cluster-api-controller:v1.5.3_vmware.1"] = New-FixtureImage -Store $store -Format Oci -Layers @($baseOs, (& $app 'cluster-api' 51 1MB))
    $images["$script:VmwareHost/tkg/kube-rbac-proxy:v0.14.1_vmware.1"] = New-FixtureImage -Store $store -Format Docker -Layers @((& $app 'kube-rbac-proxy' 61 256KB))
    $images["$script:K8sHost/sig-storage/csi-attacher:v3.2.1"] = New-FixtureImage -Store $store -Format Docker -Layers @($baseOs, (& $app 'csi-attacher' 71 512KB))
    $attAmd = New-FixtureImage -Store $store -Format Oci -Architecture amd64 -Layers @((& $app 'csi-provisioner' 81 512KB))
    $attArm = New-FixtureImage -Store $store -Format Oci -Architecture arm64 -Layers @((& $app 'csi-provisioner' 82 512KB))
    $images["$script:K8sHost/sig-storage/csi-provisioner:v2.2.2"] = New-FixtureIndex -Store $store -Format Oci -Images @($attAmd, $attArm)
    # One layer of 100 MB, for the large-blob tests and the benchmark; not in any dependencies.txt.
    $images["$script:VmwareHost/vmware-cloud-director/cse-bench-payload:1.0.0"] = New-FixtureImage -Store $store -Format Oci -Layers @(
        New-FixtureLayer -Store $store -Seed 91 -Files @{ 'payload/data.bin' = 100MB })

    $dependencyRefs = @($images.Keys | Where-Object { $_ -notlike '*cse-bench-payload*' })
    $asLine = { param($ref) $h, $rest = $ref -split '/', 2; $repo, $tag = $rest -split ':', 2; "$h $repo $tag" }
    $artifactLists = [ordered]@{
        'v0.1.2' = @($dependencyRefs | Select-Object -First 4)
        'v0.1.3' = @($dependencyRefs | Select-Object -First 6)
        'v0.1.4' = $dependencyRefs
    }
    foreach ($tag in $artifactLists.Keys) {
        $lines = @($artifactLists[$tag] | ForEach-Object { & $asLine $_ })
        $files = Get-FixtureArtifactFiles -Tag $tag -Dependencies $lines
        # Layer 1 holds a draft file that layer 2 deletes (whiteout) and a folder that layer 2 makes opaque,
        # as a rebuilt artifact image would; layer 2 adds a symbolic link.
        $lower = New-FixtureLayer -Store $store -Seed 101 -Files (@{
                'src/artifact/draft-dependencies.txt' = "obsolete`n"; 'src/artifact/bom.json' = '{}'
                'src/artifact/templates/old-cluster.yaml' = "kind: Old`n"; 'src/artifact/templates/keep-me-not.yaml' = "kind: Old`n"
            })
        $files['src/artifact/templates/cluster.yaml'] = "kind: Cluster`n"
        $files['src/artifact/run.sh'] = @{ Link = 'getting_started.sh' }
        $upper = New-FixtureLayer -Store $store -Seed 102 -Files $files -Whiteouts @('src/artifact/draft-dependencies.txt') -Opaque @('src/artifact/templates')
        $images["$script:VmwareHost/vmware-cloud-director/getting-started-airgapped:$tag"] = New-FixtureImage -Store $store -Format Oci -Layers @($lower, $upper) -Labels @{ 'org.opencontainers.image.version' = $tag }
    }

    $tkg = Add-TkgFixtures -Store $store -Images $images -Layer $app
    $plugins = Add-PluginFixtures -Store $store -Images $images -Work (Join-Path $Environment.Root 'fixtures/plugins')

    $pushed = [Collections.Generic.List[object]]::new()
    foreach ($reference in $images.Keys) {
        $registry = $mirrors[($reference -split '/', 2)[0]]
        $pushed.Add((Publish-FixtureImage -Environment $Environment -Store $store -Reference $reference -Image $images[$reference] -Registry $registry))
    }
    @{
        Tkg          = $tkg
        Plugins      = $plugins
        Images       = $pushed
        Dependencies = $artifactLists
        Mirrors      = @{ $script:VmwareHost = $mirrors[$script:VmwareHost].Url; $script:K8sHost = $mirrors[$script:K8sHost].Url }
    }
}

function Publish-FixtureImage {
    <# Pushes one built image (or index) with skopeo and returns what tests and the benchmark need to know of it. #>
    param($Environment, [string] $Store, [string] $Reference, $Image, $Registry)
    $sourceHost, $path = $Reference -split '/', 2
    $folder = New-CseTestDirImage -Store $Store -Image $Image -Folder (Join-Path $Environment.Root "fixtures/dir/$($path -replace '[/:]', '_')")
    try {
        Invoke-CseTestSkopeo copy --all --preserve-digests --quiet @(Get-CseTestSkopeoArgs -Registry $Registry -Side dest -Credential -Environment $Environment) `
            "dir:$folder" "docker://$($Registry.Host)/$path" | Out-Null
    }
    finally { Remove-Item -Recurse -Force $folder }
    $repository, $tag = $path -split ':', 2
    [ordered]@{
        Reference  = $Reference
        Mirror     = $Registry.Name
        Location   = "$($Registry.Host)/$path"
        Repository = $repository
        Tag        = $tag
        Digest     = $Image.digest
        MediaType  = $Image.mediaType
        Platforms  = if ($Image.Contains('children')) { @($Image.children | ForEach-Object { @{ Platform = $_.platform; Digest = $_.digest } }) } else { @() }
        Blobs      = @(($Image.Contains('children') ? @($Image.children) : @($Image)) | ForEach-Object { $_.blobs } | Select-Object -Unique |
                ForEach-Object { @{ Digest = $_; Size = (Get-Item (Join-Path $Store $_.Substring(7))).Length } })
    }
}

function New-CseTestBenchSet {
    <#
    .SYNOPSIS
        The benchmark's extra images on the 'source' registry: -Count small images over a shared base layer
        (projects.registry.vmware.com/tkg/bench/app-NN:1.0) and one image with a -LargeLayerMiB layer.
    #>
    param($Environment, [int] $Count = 50, [int] $LargeLayerMiB = 1024)
    $store = Join-Path $Environment.Root 'fixtures/bench-blobs'
    New-Item -ItemType Directory -Force $store | Out-Null
    $source = $Environment.Registries['source']
    $base = New-FixtureLayer -Store $store -Seed 500 -Files @{ 'usr/lib/libbench.so' = 2MB }
    $small = foreach ($i in 1..$Count) {
        $app = New-FixtureLayer -Store $store -Seed (500 + $i) -Files @{ "usr/local/bin/app-$i" = @{ Content = 64KB; Mode = '755' } }
        $image = New-FixtureImage -Store $store -Format Oci -Layers @($base, $app)
        Publish-FixtureImage -Environment $Environment -Store $store -Reference ("$script:VmwareHost/tkg/bench/app-{0:d2}:1.0" -f $i) -Image $image -Registry $source
    }
    $bigLayer = New-FixtureLayer -Store $store -Seed 999 -Uncompressed -Files @{ 'payload/large.bin' = ([long]$LargeLayerMiB * 1MB) }
    $big = Publish-FixtureImage -Environment $Environment -Store $store -Reference "$script:VmwareHost/vmware-cloud-director/cse-bench-large:1.0" -Registry $source `
        -Image (New-FixtureImage -Store $store -Format Oci -Layers @($bigLayer))
    Remove-Item -Recurse -Force $store
    @{ Small = @($small); Large = $big }
}

function New-CseTestCseShapedSet {
    <#
    .SYNOPSIS
        A benchmark set shaped like the real CSE dependency set on -Registry: -Count images over three shared base
        layers, each with an app layer of its own, plus one image with a -LargeLayerMiB layer; about
        -UniqueMiB of unique blob bytes in all. Layers are uncompressed random bytes (what a registry copies is
        opaque; random bytes keep gzip from hiding the per-byte cost).
    #>
    param($Environment, $Registry, [int] $Count = 20, [int] $LargeLayerMiB = 512, [int] $UniqueMiB = 1200)
    $store = Join-Path $Environment.Root 'fixtures/cse-shaped-blobs'
    New-Item -ItemType Directory -Force $store | Out-Null
    $bases = foreach ($b in 1..3) { New-FixtureLayer -Store $store -Seed (700 + $b) -Uncompressed -Files @{ "usr/lib/base-$b.so" = 24MB } }
    $perImage = [long][math]::Max(1MB, (($UniqueMiB - $LargeLayerMiB - 72) * 1MB) / $Count)
    $images = foreach ($i in 1..$Count) {
        $app = New-FixtureLayer -Store $store -Seed (800 + $i) -Uncompressed -Files @{ "usr/local/bin/cse-app-$i" = $perImage }
        $image = New-FixtureImage -Store $store -Format ($i % 2 ? 'Oci' : 'Docker') -Layers @($bases[$i % 3], $bases[($i + 1) % 3], $app)
        Publish-FixtureImage -Environment $Environment -Store $store -Reference ("$script:VmwareHost/vmware-cloud-director/cse-shaped-{0:d2}:1.0" -f $i) -Image $image -Registry $Registry
    }
    $bigLayer = New-FixtureLayer -Store $store -Seed 899 -Uncompressed -Files @{ 'payload/large.bin' = ([long]$LargeLayerMiB * 1MB) }
    $big = Publish-FixtureImage -Environment $Environment -Store $store -Reference "$script:VmwareHost/tkg/cse-shaped-large:1.0" -Registry $Registry `
        -Image (New-FixtureImage -Store $store -Format Oci -Layers @($bigLayer))
    Remove-Item -Recurse -Force $store
    @(@($images) + $big)
}

function New-FixtureFileImage {
    <# A single-layer image holding one file at its root, as TKG's BOM and compatibility images do. #>
    param([string] $Store, [string] $Name, [string] $Content, [int] $Seed)
    New-FixtureImage -Store $Store -Format Oci -Layers @(New-FixtureLayer -Store $Store -Seed $Seed -Files @{ $Name = $Content })
}

function New-FixtureBundle {
    <# An imgpkg bundle: config label dev.carvel.imgpkg.bundle, and .imgpkg/images.yml locking images by digest. #>
    param([string] $Store, [string[]] $Locked, [int] $Seed)
    $lock = @('apiVersion: imgpkg.carvel.dev/v1alpha1', 'kind: ImagesLock', 'images:') + @($Locked | ForEach-Object {
            "- image: $_"; '  annotations:'; "    kbld.carvel.dev/id: $($_ -replace '@.*$', '')" })
    $layer = New-FixtureLayer -Store $Store -Seed $Seed -Files @{
        '.imgpkg/images.yml' = ($lock -join "`n") + "`n"
        'packages/package.yml' = "apiVersion: data.packaging.carvel.dev/v1alpha1`nkind: Package`n"
    }
    New-FixtureImage -Store $Store -Format Oci -Layers @($layer) -Labels @{ 'dev.carvel.imgpkg.bundle' = '' }
}

function Add-TkgFixtures {
    <#
    .SYNOPSIS
        A synthetic TKG 2.5.0 in the real tanzu-framework shapes (isolated-cluster's test data and download-bundle): the
        TKG BOM (tkg-bom-v2.5.0.yaml in tkg-bom:v2.5.0), tkg-compatibility tagged v9 and v10 (the newest is v10, by
        number), two TKr compatibility images (the newest lists 2.5.0 with two TKrs), a TKr BOM per TKr
        (tkr-bom-<version>.yaml), per-TKr package repositories that are imgpkg bundles (one with a nested bundle) and
        per-TKr packages. The BOMs name a staging host in imageConfig.imageRepository (and one image names another
        repository), as the real ones do: download-bundle ignores both and reads everything from its source repository.
        TKG 2.5.1 lists a TKr whose BOM is missing. Adds them to -Images; returns what the tests expect.
    #>
    param([string] $Store, $Images, [scriptblock] $Layer)
    $h = $script:VmwareHost
    $repo = "$h/tkg"
    $staging = 'projects-stg.registry.vmware.com/tkg'
    $plain = { param($seed) New-FixtureImage -Store $Store -Format Oci -Layers @((& $Layer "bin-$seed" $seed 64KB)) }
    $Images["$repo/pause:3.9"] = & $plain 201
    $Images["$repo/etcd:v3.5.12_vmware.1"] = & $plain 202
    $Images["$repo/etcd:v3.5.10_vmware.1"] = & $plain 203
    $Images["$repo/coredns:v1.10.1_vmware.1"] = & $plain 204

    # Package images, then the bundles that lock them by digest (one bundle nests another).
    $antrea = & $plain 211
    $calicoImages = & $plain 212
    $Images["$repo/packages/core/antrea:v1.13.1"] = $antrea
    $Images["$repo/packages/core/calico-images:v3.26.1"] = $calicoImages
    $calico = New-FixtureBundle -Store $Store -Seed 213 -Locked @("$repo/packages/core/calico-images@$($calicoImages.digest)")
    $Images["$repo/packages/core/calico:v3.26.1"] = $calico

    $tkrs = [ordered]@{
        'v1.28.7+vmware.1-tkg.1'  = @{ Etcd = 'v3.5.12_vmware.1'; Locked = @("$repo/packages/core/antrea@$($antrea.digest)", "$repo/packages/core/calico@$($calico.digest)") }
        'v1.27.11+vmware.1-tkg.2' = @{ Etcd = 'v3.5.10_vmware.1'; Locked = @("$repo/packages/core/antrea@$($antrea.digest)") }
    }
    $expected = [Collections.Generic.List[string]]::new()
    $bundles = [Collections.Generic.List[object]]::new()
    $seed = 220
    foreach ($tkr in $tkrs.Keys) {
        $tag = $tkr -replace '\+', '_'
        $spec = $tkrs[$tkr]
        $tkrBom = @"
apiVersion: run.tanzu.vmware.com/v1alpha2
release:
  version: $tkr
imageConfig:
  imageRepository: $staging
components:
  kubernetes:
  - version: $($tkr -replace '-tkg.*$', '')
    images:
      pause:
        imagePath: pause
        tag: "3.9"
  etcd:
  - version: $($spec.Etcd -replace '_', '+')
    images:
      etcd:
        imagePath: etcd
        tag: $($spec.Etcd)
  coredns:
  - version: v1.10.1+vmware.1
    images:
      coredns:
        imagePath: coredns
        imageRepository: projects-stg.registry.vmware.com/tkg-override
        tag: v1.10.1_vmware.1
kubeadmConfigSpec:
  apiVersion: kubeadm.k8s.io/v1beta3
  kind: ClusterConfiguration
  kubernetesVersion: $($tkr -replace '-tkg.*$', '' -replace '\+', '_')
"@
        $Images["$repo/tkr-bom:$tag"] = New-FixtureFileImage -Store $Store -Name "tkr-bom-$tkr.yaml" -Content $tkrBom -Seed ($seed++)
        $Images["$repo/tkr-repository-vsphere-nonparavirt:$tag"] = New-FixtureBundle -Store $Store -Seed ($seed++) -Locked $spec.Locked
        $Images["$repo/tkr-vsphere-nonparavirt:$tag"] = & $plain ($seed++)
        $bundles.Add(@{ Reference = "$repo/tkr-repository-vsphere-nonparavirt:$tag"; Locked = $spec.Locked })
        $expected.AddRange([string[]]@("$repo/tkr-bom:$tag", "$repo/etcd:$($spec.Etcd)", "$repo/tkr-repository-vsphere-nonparavirt:$tag", "$repo/tkr-vsphere-nonparavirt:$tag"))
    }
    $expected.AddRange([string[]]@("$repo/pause:3.9", "$repo/coredns:v1.10.1_vmware.1"))

    $tkgBom = @"
apiVersion: run.tanzu.vmware.com/v1alpha2
default:
  k8sVersion: v1.28.7+vmware.1-tkg.1
release:
  version: v2.5.0
imageConfig:
  imageRepository: $staging
components:
  cluster_api:
  - version: v1.5.3+vmware.1
    images:
      capiControllerImage:
        imagePath: cluster-api/cluster-api-controller
        tag: v1.5.3_vmware.1
  kube_rbac_proxy:
  - version: v0.14.1+vmware.1
    images:
      kubeRbacProxyControllerImageCapi:
        imagePath: kube-rbac-proxy
        tag: v0.14.1_vmware.1
  tkg_telemetry:
  - version: v2.5.0+vmware.1
    metadata:
      note: a version without images
tkr-bom:
  imagePath: tkr-bom
tkr-compatibility:
  imagePath: tkr-compatibility
tkr-package-repo:
  vsphere-nonparavirt: tkr-repository-vsphere-nonparavirt
tkr-package:
  vsphere-nonparavirt: tkr-vsphere-nonparavirt
"@
    $Images["$repo/tkg-bom:v2.5.0"] = New-FixtureFileImage -Store $Store -Name 'tkg-bom-v2.5.0.yaml' -Content $tkgBom -Seed 240
    # TKG 2.5.1: the same BOM, but its compatibility entry also lists a TKr whose BOM the source does not have.
    $missingTkr = 'v1.26.14+vmware.1-tkg.1'
    $Images["$repo/tkg-bom:v2.5.1"] = New-FixtureFileImage -Store $Store -Name 'tkg-bom-v2.5.1.yaml' -Content ($tkgBom -replace 'version: v2.5.0', 'version: v2.5.1') -Seed 243
    $old = "version: v1`nmanagementClusterVersions:`n- version: v2.4.0`n  supportedKubernetesVersions:`n  - v1.27.5+vmware.1-tkg.1`n"
    $new = "version: v2`nmanagementClusterVersions:`n- version: v2.4.0`n  supportedKubernetesVersions:`n  - v1.27.5+vmware.1-tkg.1`n- version: v2.5.0`n  supportedKubernetesVersions:`n" +
        (($tkrs.Keys | ForEach-Object { "  - $_" }) -join "`n") + "`n" +
        "- version: v2.5.1`n  supportedKubernetesVersions:`n  - $missingTkr`n  - v1.28.7+vmware.1-tkg.1`n"
    $Images["$repo/tkr-compatibility:v1"] = New-FixtureFileImage -Store $Store -Name 'tkr-compatibility.yaml' -Content $old -Seed 241
    $Images["$repo/tkr-compatibility:v2"] = New-FixtureFileImage -Store $Store -Name 'tkr-compatibility.yaml' -Content $new -Seed 242
    # tkg-compatibility: which TKG BOM each management-cluster plug-in version goes with. v10 is newer than v9 by number, not by text.
    $tkgCompatibility = { param($v) "version: $v`nmanagementClusterPluginVersions:`n- version: v0.32.0`n  supportedTKGBomVersions:`n  - imagePath: tkg-bom`n    tag: v2.5.0`n" }
    $Images["$repo/tkg-compatibility:v9"] = New-FixtureFileImage -Store $Store -Name 'tkg-compatibility.yaml' -Content (& $tkgCompatibility 'v9') -Seed 244
    $Images["$repo/tkg-compatibility:v10"] = New-FixtureFileImage -Store $Store -Name 'tkg-compatibility.yaml' -Content (& $tkgCompatibility 'v10') -Seed 245
    $expected.AddRange([string[]]@("$repo/tkg-bom:v2.5.0", "$repo/tkr-compatibility:v2", "$repo/tkg-compatibility:v10",
            "$repo/cluster-api/cluster-api-controller:v1.5.3_vmware.1", "$repo/kube-rbac-proxy:v0.14.1_vmware.1"))
    @{
        Version  = '2.5.0'
        Expected = @($expected | Sort-Object -Unique)
        Bundles  = $bundles
        NestedBundle = @{ Reference = "$repo/packages/core/calico@$($calico.digest)"; Locked = "$repo/packages/core/calico-images@$($calicoImages.digest)" }
        StagingHost = $staging.Split('/')[0]
        MissingTkr = @{ TkgVersion = '2.5.1'; Kubernetes = $missingTkr; Bom = "$repo/tkr-bom:$($missingTkr -replace '\+', '_')"; Present = "$repo/tkr-bom:v1.28.7_vmware.1-tkg.1" }
    }
}

function Add-PluginFixtures {
    <#
    .SYNOPSIS
        A synthetic Tanzu CLI plug-in inventory in tanzu-cli's real schema (create_tables.sql), written with the sqlite3
        command: groups vmware-tkg/default v2.4.1 and v2.5.0 (one plug-in named by a shortened version, one binary
        hidden), v2.5.9 hidden (as `tanzu plugin-group deactivate` leaves it), vmware-tanzucli/essentials v1.0.0 and
        v1.1.0, and another vendor's group; plug-in images (one binary in one layer) for linux and windows; the
        inventory image holding central_config.yaml beside plugin_inventory.db (as tanzu-cli's central repository
        has it) and the metadata image. Adds the images to -Images; returns what the tests expect.
    #>
    param([string] $Store, $Images, [string] $Work)
    New-Item -ItemType Directory -Force $Work | Out-Null
    $folder = "$script:VmwareHost/tanzu_cli/plugins"
    $platforms = @(@{ OS = 'linux'; Arch = 'amd64' }, @{ OS = 'windows'; Arch = 'amd64' })
    $binaries = @(
        @{ Name = 'cluster'; Target = 'kubernetes'; Version = 'v0.29.0' }
        @{ Name = 'telemetry'; Target = 'global'; Version = 'v0.29.0' }
        @{ Name = 'cluster'; Target = 'kubernetes'; Version = 'v0.30.1' }
        @{ Name = 'kubernetes-release'; Target = 'kubernetes'; Version = 'v0.30.1' }
        @{ Name = 'telemetry'; Target = 'global'; Version = 'v0.30.0' }
        @{ Name = 'telemetry'; Target = 'global'; Version = 'v0.30.2' }
        @{ Name = 'mission-control'; Target = 'mission-control'; Version = 'v1.0.0' }
        @{ Name = 'telemetry'; Target = 'global'; Version = 'v1.0.0'; Publisher = 'tanzucli' }
        @{ Name = 'telemetry'; Target = 'global'; Version = 'v1.1.0'; Publisher = 'tanzucli' }
    )
    $groups = @(
        @{ Vendor = 'vmware'; Publisher = 'tkg'; Name = 'default'; Version = 'v2.4.1'; Hidden = 'false'; Plugins = @(@('cluster', 'kubernetes', 'v0.29.0'), @('telemetry', 'global', 'v0.29.0')) }
        @{ Vendor = 'vmware'; Publisher = 'tkg'; Name = 'default'; Version = 'v2.5.0'; Hidden = 'false'; Plugins = @(@('cluster', 'kubernetes', 'v0.30.1'), @('kubernetes-release', 'kubernetes', 'v0.30.1'), @('telemetry', 'global', 'v0.30')) }
        @{ Vendor = 'vmware'; Publisher = 'tkg'; Name = 'default'; Version = 'v2.5.9'; Hidden = 'true'; Plugins = @(,@('cluster', 'kubernetes', 'v0.30.1')) }
        @{ Vendor = 'vmware'; Publisher = 'tmc'; Name = 'default'; Version = 'v1.0.0'; Hidden = 'false'; Plugins = @(,@('mission-control', 'mission-control', 'v1.0.0')) }
        @{ Vendor = 'vmware'; Publisher = 'tanzucli'; Name = 'essentials'; Version = 'v1.0.0'; Hidden = 'false'; Plugins = @(,@('telemetry', 'global', 'v1.0.0')) }
        @{ Vendor = 'vmware'; Publisher = 'tanzucli'; Name = 'essentials'; Version = 'v1.1.0'; Hidden = 'false'; Plugins = @(,@('telemetry', 'global', 'v1.1.0')) }
    )
    $sql = [Collections.Generic.List[string]]::new()
    $sql.Add(@'
CREATE TABLE IF NOT EXISTS "PluginBinaries" (
    "PluginName" TEXT NOT NULL, "Target" TEXT NOT NULL, "RecommendedVersion" TEXT NOT NULL, "Version" TEXT NOT NULL,
    "Hidden" TEXT NOT NULL, "Description" TEXT NOT NULL, "Publisher" TEXT NOT NULL, "Vendor" TEXT NOT NULL,
    "OS" TEXT NOT NULL, "Architecture" TEXT NOT NULL, "Digest" TEXT NOT NULL, "URI" TEXT NOT NULL,
    PRIMARY KEY("PluginName", "Target", "Version", "OS", "Architecture"));
CREATE TABLE IF NOT EXISTS "PluginGroups" (
    "Vendor" TEXT NOT NULL, "Publisher" TEXT NOT NULL, "GroupName" TEXT NOT NULL, "GroupVersion" TEXT NOT NULL,
    "Description" TEXT NOT NULL, "PluginName" TEXT NOT NULL, "Target" TEXT NOT NULL, "PluginVersion" TEXT NOT NULL,
    "Mandatory" TEXT NOT NULL, "Hidden" TEXT NOT NULL,
    PRIMARY KEY("Vendor", "Publisher", "GroupName", "GroupVersion", "PluginName", "Target"));
'@)
    $seed = 300
    $pluginDigests = @{}
    foreach ($b in $binaries) {
        $publisher = if ($b.Contains('Publisher')) { $b.Publisher } elseif ($b.Name -eq 'mission-control') { 'tmc' } else { 'tkg' }
        # A binary can be hidden on its own too; download-bundle takes it all the same.
        $hidden = if ($b.Name -eq 'kubernetes-release') { 'true' } else { 'false' }
        foreach ($p in $platforms) {
            $file = "tanzu-$($b.Name)-$($p.OS)_$($p.Arch)" + $(if ($p.OS -eq 'windows') { '.exe' } else { '' })
            $layer = New-FixtureLayer -Store $Store -Seed ($seed++) -Files @{ $file = @{ Content = 4KB; Mode = '755' } }
            $image = New-FixtureImage -Store $Store -Format Oci -Layers @($layer)
            $uri = "vmware/$publisher/$($p.OS)/$($p.Arch)/$($b.Target)/$($b.Name):$($b.Version)"
            $Images["$folder/$uri"] = $image
            $pluginDigests["$folder/$uri"] = $image.digest
            $sql.Add("INSERT INTO PluginBinaries VALUES ('$($b.Name)','$($b.Target)','','$($b.Version)','$hidden','The $($b.Name) plug-in','$publisher','vmware','$($p.OS)','$($p.Arch)','$(('{0:x64}' -f $seed))','$uri');")
        }
    }
    foreach ($g in $groups) {
        foreach ($p in $g.Plugins) {
            $sql.Add("INSERT INTO PluginGroups VALUES ('$($g.Vendor)','$($g.Publisher)','$($g.Name)','$($g.Version)','Plugins for TKG','$($p[0])','$($p[1])','$($p[2])','true','$($g.Hidden)');")
        }
    }
    $db = Join-Path $Work 'plugin_inventory.db'
    Set-Content (Join-Path $Work 'inventory.sql') $sql
    & bash -c "sqlite3 '$db' < '$(Join-Path $Work 'inventory.sql')'"
    if ($LASTEXITCODE -ne 0) { throw 'sqlite3 could not write the fixture inventory' }
    $metadata = Join-Path $Work 'plugin_inventory_metadata.db'
    & sqlite3 $metadata 'CREATE TABLE IF NOT EXISTS "AvailablePluginBinaries" ("PluginName" TEXT NOT NULL, "Target" TEXT NOT NULL, "Version" TEXT NOT NULL, PRIMARY KEY("PluginName", "Target", "Version")); CREATE TABLE IF NOT EXISTS "AvailablePluginGroups" ("Vendor" TEXT NOT NULL, "Publisher" TEXT NOT NULL, "GroupName" TEXT NOT NULL, "GroupVersion" TEXT NOT NULL, PRIMARY KEY("Vendor", "Publisher", "GroupName", "GroupVersion"));'
    $centralConfig = "cli.core.cli_recommended_versions:`n  - version: v1.3.0`ncli.core.essentials_plugin_group_name: vmware-tanzucli/essentials`ncli.core.essentials_plugin_group_version: v1.1.0`n"
    $dbLayer = New-FixtureLayer -Store $Store -Seed 390 -Files @{ 'plugin_inventory.db' = @{ Content = [IO.File]::ReadAllBytes($db) }; 'central_config.yaml' = $centralConfig }
    $Images["$folder/plugin-inventory:latest"] = New-FixtureImage -Store $Store -Format Oci -Layers @($dbLayer)
    $metaLayer = New-FixtureLayer -Store $Store -Seed 391 -Files @{ 'plugin_inventory_metadata.db' = @{ Content = [IO.File]::ReadAllBytes($metadata) } }
    $Images["$folder/plugin-inventory-metadata:latest"] = New-FixtureImage -Store $Store -Format Oci -Layers @($metaLayer)
    @{
        Folder = $folder
        Images = $pluginDigests
        CentralConfig = $centralConfig
        Essentials = 'vmware-tanzucli/essentials:v1.1.0'
        # Each TKG version's vmware-tkg/default plug-ins, and the newest essentials always with them.
        Expected = @{
            'v2.5.0' = @('cluster:v0.30.1', 'kubernetes-release:v0.30.1', 'telemetry:v0.30.2', 'telemetry:v1.1.0')
            'v2.4.1' = @('cluster:v0.29.0', 'telemetry:v0.29.0', 'telemetry:v1.1.0')
            'v2.5.9' = @('cluster:v0.30.1', 'telemetry:v1.1.0')
        }
    }
}

function Publish-CseTestFileImage {
    <#
    .SYNOPSIS
        Builds an image whose one layer holds -Files (path to string or byte[]) with GNU tar and gzip, and pushes it
        with skopeo to -Registry at -Path (repository:tag). For tests that need an image of their own (a hostile
        inventory, for example). -Labels go into the config (dev.carvel.imgpkg.bundle makes it an imgpkg bundle). Returns
        the manifest digest.
    #>
    param([Parameter(Mandatory)] $Registry, [Parameter(Mandatory)][string] $Path, [Parameter(Mandatory)][hashtable] $Files, [hashtable] $Labels = @{})
    $environment = Get-CseTestEnvironment
    $store = Join-Path $environment.Root "fixtures/test-blobs-$([Guid]::NewGuid().ToString('N').Substring(0, 8))"
    New-Item -ItemType Directory -Force $store | Out-Null
    try {
        $spec = @{}
        foreach ($name in $Files.Keys) { $spec[$name] = @{ Content = $Files[$name] } }
        $image = New-FixtureImage -Store $store -Format Oci -Layers @(New-FixtureLayer -Store $store -Files $spec) -Labels $Labels
        $folder = New-CseTestDirImage -Store $store -Image $image -Folder (Join-Path $store 'dir')
        Invoke-CseTestSkopeo copy --preserve-digests --quiet @(Get-CseTestSkopeoArgs -Registry $Registry -Side dest -Credential -Environment $environment) `
            "dir:$folder" "docker://$($Registry.Host)/$Path" | Out-Null
        $image.digest
    }
    finally { Remove-Item -Recurse -Force $store -ErrorAction SilentlyContinue }
}
