BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Environment = Get-CseTestEnvironment
    $script:Mirror = Get-TestMirror
    $script:Ca = $Environment.CaFile
    $script:Work = New-TestFolder 'export'
    $script:References = @($Environment.Fixtures.Dependencies['v0.1.4'])
    $script:Fixtures = $References | ForEach-Object { Get-TestFixture -Like $_ }
    $script:UniqueBlobBytes = ($Fixtures.Blobs | Sort-Object Digest -Unique | Measure-Object Size -Sum).Sum

    function Export-Fixtures([string] $Path, [hashtable] $Extra = @{}) {
        $References | Export-CseDependency -Path $Path -SourceMirror $Mirror -CaCertificate $Ca @Extra
    }
}

AfterAll { Remove-Item -Recurse -Force $Work -ErrorAction SilentlyContinue }

Describe 'Export-CseDependency' {
    It 'writes a standard OCI image layout that skopeo reads, every blob once, digests unchanged' {
        Assert-CseTestService 'source' | Out-Null
        $folder = Join-Path $Work 'layout'
        $results = Export-Fixtures $folder
        $results.Status | Sort-Object -Unique | Should -Be 'Copied'
        ($results | Measure-Object BytesCopied -Sum).Sum | Should -Be $UniqueBlobBytes -Because 'shared layers are written once'
        Get-Content -Raw (Join-Path $folder 'oci-layout') | ConvertFrom-Json | ForEach-Object imageLayoutVersion | Should -Be '1.0.0'
        $index = Get-Content -Raw (Join-Path $folder 'index.json') | ConvertFrom-Json
        $index.manifests.Count | Should -Be $References.Count
        foreach ($fixture in $Fixtures) {
            $entry = $index.manifests | Where-Object { $_.annotations.'org.opencontainers.image.ref.name' -eq $fixture.Reference }
            $entry.digest | Should -Be $fixture.Digest
            $entry.annotations.'io.containerd.image.name' | Should -Be $fixture.Reference
        }
        foreach ($blob in $Fixtures.Blobs | Sort-Object Digest -Unique) {
            (& sha256sum (Join-Path $folder "blobs/sha256/$($blob.Digest.Substring(7))")).Split(' ')[0] | Should -Be $blob.Digest.Substring(7)
        }
    }

    It 'is read by skopeo: inspect and copy an OCI image from the layout to a registry (<Like>)' -TestCases @(
        @{ Like = '*/tkg/cluster-api/cluster-api-controller:*' }, @{ Like = 'registry.k8s.io/sig-storage/csi-provisioner:*' }
    ) {
        # skopeo 1.9's oci: reader skips index entries with Docker media types, so OCI-typed images are used here.
        $target = Assert-CseTestService 'http'
        $folder = Join-Path $Work 'layout-skopeo'
        $fixture = Get-TestFixture -Like $Like
        $fixture.Reference | Export-CseDependency -Path $folder -SourceMirror $Mirror -CaCertificate $Ca | Out-Null
        $raw = Join-Path $Work 'raw.json'
        & bash -c "skopeo inspect --raw 'oci:${folder}:$($fixture.Reference)' > '$raw'"
        $LASTEXITCODE | Should -Be 0
        (& skopeo manifest-digest $raw).Trim() | Should -Be $fixture.Digest
        $destination = "$($target.Host)/from-layout-$([Guid]::NewGuid().ToString('N').Substring(0, 6))/$($fixture.Repository):$($fixture.Tag)"
        Invoke-CseTestSkopeo copy --all --preserve-digests --quiet --dest-tls-verify=false "oci:${folder}:$($fixture.Reference)" "docker://$destination" | Out-Null
        Get-SkopeoDigest -Registry $target -Reference $destination | Should -Be $fixture.Digest
    }

    It 'adds only what is missing on a re-run' {
        $folder = Join-Path $Work 'layout-rerun'
        Export-Fixtures $folder | Out-Null
        $victim = ($Fixtures | Where-Object Reference -Like '*/tkg/kube-rbac-proxy:*').Blobs | Sort-Object Size -Descending | Select-Object -First 1
        Remove-Item (Join-Path $folder "blobs/sha256/$($victim.Digest.Substring(7))")
        $again = Export-Fixtures $folder
        ($again | Measure-Object BytesCopied -Sum).Sum | Should -Be $victim.Size
        ($again | Where-Object Status -EQ 'Copied').Source | Should -BeLike '*/tkg/kube-rbac-proxy:*'
        (Get-Content -Raw (Join-Path $folder 'index.json') | ConvertFrom-Json).manifests.Count | Should -Be $References.Count
    }

    It 'never keeps a corrupt blob under its name' {
        $k8s = Assert-CseTestService 'k8s'
        $fixture = Get-TestFixture -Like 'registry.k8s.io/sig-storage/csi-attacher:*'
        $proxy = Start-CseTestFaultProxy -Registry $k8s -Fault corrupt -Count 1000
        $folder = Join-Path $Work 'layout-corrupt'
        try {
            $result = $fixture.Reference | Export-CseDependency -Path $folder -SourceMirror $proxy.Url -ErrorVariable problems -ErrorAction SilentlyContinue
        }
        finally { Stop-CseTestProcess $proxy }
        $result.Status | Should -Be 'Failed'
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'DigestMismatch,*'
        foreach ($file in Get-ChildItem (Join-Path $folder 'blobs/sha256') -File) {
            $file.Name | Should -Not -Match 'partial'
            (& sha256sum $file.FullName).Split(' ')[0] | Should -Be $file.Name
        }
        (Get-Content -Raw (Join-Path $folder 'index.json') | ConvertFrom-Json).manifests | Should -BeNullOrEmpty
    }

    It 'streams a single tar no larger than the unique blobs plus a few KB, which skopeo reads' {
        $tar = Join-Path $Work 'export.tar'
        Export-Fixtures $tar | Out-Null
        $names = & tar -tf $tar
        $names[0] | Should -Be 'oci-layout'
        $names[-1] | Should -Be 'index.json'
        $manifestBytes = 64KB
        (Get-Item $tar).Length | Should -BeLessThan ($UniqueBlobBytes + $manifestBytes + 1024 * $names.Count)
        $fixture = Get-TestFixture -Like '*/tkg/cluster-api/cluster-api-controller:*'
        $raw = Join-Path $Work 'raw-tar.json'
        & bash -c "skopeo inspect --raw 'oci-archive:${tar}:$($fixture.Reference)' > '$raw'"
        $LASTEXITCODE | Should -Be 0
        (& skopeo manifest-digest $raw).Trim() | Should -Be $fixture.Digest
    }

    It 'splits a tar into parts with a checksum file that sha256sum accepts' {
        $tar = Join-Path $Work 'split.tar'
        Export-Fixtures $tar @{ MaxPartSize = 2MB } | Out-Null
        $parts = Get-ChildItem $Work -Filter 'split.tar.*' | Where-Object Name -Match '\.\d{3}$'
        $parts.Count | Should -BeGreaterThan 3
        ($parts | Where-Object Length -GT 2MB) | Should -BeNullOrEmpty
        Push-Location $Work
        try { & sha256sum -c --quiet 'split.tar.sha256'; $LASTEXITCODE | Should -Be 0 }
        finally { Pop-Location }
    }

    It 'writes nothing with -WhatIf' {
        $folder = Join-Path $Work 'layout-whatif'
        Export-Fixtures $folder @{ WhatIf = $true } | Should -BeNullOrEmpty
        $folder | Should -Not -Exist
    }
}

Describe 'Publishing from an export' {
    It 'publishes a <Kind> export with digests unchanged end to end' -TestCases @(
        @{ Kind = 'folder'; Name = 'pub-folder'; Extra = @{} }
        @{ Kind = 'tar'; Name = 'pub.tar'; Extra = @{} }
        @{ Kind = 'split tar, from its first part'; Name = 'pub-split.tar'; Extra = @{ MaxPartSize = 1MB }; First = '.001' }
    ) {
        $target = Assert-CseTestService 'token'
        $export = Join-Path $Work $Name
        Export-Fixtures $export $Extra | Out-Null
        $path = $export + $First
        $base = New-TestBase $target
        $results = Publish-CseDependency -Path $path -Registry $base -Credential (Get-CseTestCredential) -CaCertificate $Ca
        $results.Count | Should -Be $References.Count
        $results.Status | Sort-Object -Unique | Should -Be 'Copied'
        foreach ($r in $results) {
            Get-SkopeoDigest -Registry $target -Reference $r.Destination | Should -Be (Get-TestFixture -Like $r.Source).Digest
        }
        $again = Publish-CseDependency -Path $path -Registry $base -Credential (Get-CseTestCredential) -CaCertificate $Ca
        $again.Status | Sort-Object -Unique | Should -Be 'AlreadyPresent'
    }

    It 'lists what an export holds with Get-CseDependency' {
        $folder = Join-Path $Work 'list'
        Export-Fixtures $folder | Out-Null
        (Get-CseDependency -Path $folder).Reference | Sort-Object | Should -Be ($References | Sort-Object)
        Export-Fixtures (Join-Path $Work 'list.tar') | Out-Null
        (Get-CseDependency -Path (Join-Path $Work 'list.tar')).Reference | Sort-Object | Should -Be ($References | Sort-Object)
    }
}

Describe 'Test-CseExport' {
    It 'passes a good export and fails a damaged blob' {
        $folder = Join-Path $Work 'verify'
        Export-Fixtures $folder | Out-Null
        Test-CseExport -Path $folder -Quiet | Should -BeTrue
        $blob = Get-ChildItem (Join-Path $folder 'blobs/sha256') | Sort-Object Length -Descending | Select-Object -First 1
        $bytes = [IO.File]::ReadAllBytes($blob.FullName); $bytes[100] = $bytes[100] -bxor 0xFF; [IO.File]::WriteAllBytes($blob.FullName, $bytes)
        $results = Test-CseExport -Path $folder
        ($results | Where-Object { $_.Check -eq 'Blob' -and $_.Status -eq 'Failed' }).Target | Should -Be "sha256:$($blob.Name)"
        Test-CseExport -Path $folder -Quiet | Should -BeFalse
    }

    It 'fails a damaged or missing part of a split export' {
        $tar = Join-Path $Work 'verify-split.tar'
        Export-Fixtures $tar @{ MaxPartSize = 2MB } | Out-Null
        Test-CseExport -Path "$tar.001" -Quiet | Should -BeTrue
        $part = "$tar.002"
        $bytes = [IO.File]::ReadAllBytes($part); $bytes[10] = $bytes[10] -bxor 0xFF; [IO.File]::WriteAllBytes($part, $bytes)
        $results = Test-CseExport -Path "$tar.001"
        ($results | Where-Object { $_.Check -eq 'Part' -and $_.Status -eq 'Failed' }).Target | Should -Be $part
        Remove-Item "$tar.003"
        ($results = Test-CseExport -Path "$tar.001") | Where-Object { $_.Check -eq 'Part' -and $_.Detail -match 'missing' } | Should -Not -BeNullOrEmpty
    }
}

Describe 'Hostile and damaged exports' {
    BeforeAll {
        function New-HostileExport([string] $Name) {
            # An export folder written by the test, with a canary beside it.
            $root = Join-Path $Work $Name
            $folder = Join-Path $root 'export'
            New-Item -ItemType Directory -Force (Join-Path $folder 'blobs/sha256') | Out-Null
            [IO.File]::WriteAllText((Join-Path $folder 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
            Set-Content (Join-Path $root 'canary.txt') 'canary'
            $folder
        }
        function Get-Beside([string] $Folder) {
            Get-ChildItem (Split-Path $Folder) | Where-Object FullName -NE $Folder | ForEach-Object { "$($_.Name) $($_.Length) $($_.LastWriteTimeUtc.Ticks)" }
        }
        function Set-Index([string] $Folder, [string] $Digest) {
            Set-Content (Join-Path $Folder 'index.json') ('{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"' + $Digest + '","size":10,"annotations":{"io.containerd.image.name":"example.test/app:v1"}}]}')
        }
    }

    It 'refuses an index.json naming sha256:../../../../dev/zero as InvalidDigest, in Test-CseExport and Publish-CseDependency -Path, reading nothing' {
        $folder = New-HostileExport 'hostile-index'
        Set-Index $folder 'sha256:../../../../dev/zero'
        $before = Get-Beside $folder
        $results = Test-CseExport -Path $folder -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidDigest,*'
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
        ($results | Where-Object Check -EQ 'Index').Status | Should -Be 'Failed'
        Test-CseExport -Path $folder -Quiet | Should -BeFalse
        $target = Assert-CseTestService 'http'
        { Publish-CseDependency -Path $folder -Registry (New-TestBase $target) -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidDigest,CseAirgap.PowerShell.Commands.PublishCseDependencyCommand'
        Get-Beside $folder | Should -Be $before
    }

    It 'refuses a blob that is a symbolic link to a host file, and never reads it' {
        $folder = New-HostileExport 'hostile-link'
        $hex = 'a' * 64
        New-Item -ItemType SymbolicLink -Path (Join-Path $folder "blobs/sha256/$hex") -Target '/dev/zero' | Out-Null
        Set-Index $folder "sha256:$hex"
        $before = Get-Beside $folder
        $results = Test-CseExport -Path $folder
        ($results | Where-Object { $_.Check -eq 'Blob' -and $_.Status -eq 'Failed' }).Detail | Should -Match 'symbolic link'
        ($results | Where-Object Check -EQ 'Image').Status | Should -Be 'Failed'
        Get-Beside $folder | Should -Be $before
    }

    It 'removes the unfinished files a killed export left in the folder, and keeps the export complete' {
        $folder = Join-Path $Work 'layout-leftovers'
        Export-Fixtures $folder | Out-Null
        $stale = Join-Path $folder "blobs/sha256/$('e' * 64).partial-deadbeef0000"
        Set-Content $stale 'half a blob'
        (Get-Item $stale).LastWriteTimeUtc = (Get-Date).ToUniversalTime().AddHours(-1)
        $staleIndex = Join-Path $folder 'index.json.partial-deadbeef0001'
        Set-Content $staleIndex '{'
        (Get-Item $staleIndex).LastWriteTimeUtc = (Get-Date).ToUniversalTime().AddHours(-1)
        Export-Fixtures $folder | Out-Null
        $stale | Should -Not -Exist
        $staleIndex | Should -Not -Exist
        Test-CseExport -Path $folder -Quiet | Should -BeTrue
    }

    It 'fails a bundle whose locked image is missing from the export as BundleImageFailed, naming ExportIncomplete' {
        $tkg = (Get-CseTestEnvironment).Fixtures.Tkg
        $bundle = $tkg.Bundles | Select-Object -First 1
        $folder = Join-Path $Work 'bundle-damaged'
        $bundle.Reference | Export-CseDependency -Path $folder -SourceMirror $Mirror -CaCertificate $Ca | Out-Null
        $locked = @($bundle.Locked | Where-Object { $_ -ne $tkg.NestedBundle.Reference })[0]
        $index = (Get-Content -Raw (Join-Path $folder 'index.json') | ConvertFrom-Json).manifests
        $entry = $index | Where-Object { $_.annotations.'io.containerd.image.name' -eq $locked }
        $manifest = Get-Content -Raw (Join-Path $folder "blobs/sha256/$($entry.digest.Substring(7))") | ConvertFrom-Json
        Remove-Item (Join-Path $folder "blobs/sha256/$($manifest.layers[0].digest.Substring(7))")
        $target = Assert-CseTestService 'token'
        $results = Publish-CseDependency -Path $folder -Registry (New-TestBase $target) -Credential (Get-CseTestCredential) -CaCertificate $Ca -ErrorVariable problems -ErrorAction SilentlyContinue
        ($results | Where-Object Source -EQ $bundle.Reference).Status | Should -Be 'Failed'
        $bundleError = $problems | Where-Object { $_.FullyQualifiedErrorId -like 'BundleImageFailed,*' }
        $bundleError | Should -Not -BeNullOrEmpty
        $bundleError[0].Exception.Message | Should -Match 'ExportIncomplete'
        $bundleError[0].Exception.InnerException.ErrorId | Should -Be 'ExportIncomplete'
        ($problems | Where-Object { $_.FullyQualifiedErrorId -like 'ExportIncomplete,*' }) | Should -Not -BeNullOrEmpty -Because 'the locked image, listed on its own too, is missing a file'
    }

    It 'refuses a manifest from a lying registry whose layer digest is sha256:../../../X, and writes nothing outside the export' {
        # A real registry would not accept this manifest; the test server serves what the test wrote, unchecked.
        $served = Join-Path $Work 'static-registry'
        New-Item -ItemType Directory -Force (Join-Path $served 'manifests'), (Join-Path $served 'blobs') | Out-Null
        $config = [Text.Encoding]::UTF8.GetBytes('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}')
        $configHex = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($config)).ToLowerInvariant()
        [IO.File]::WriteAllBytes((Join-Path $served "blobs/sha256_$configHex"), $config)
        [IO.File]::WriteAllText((Join-Path $served 'manifests/v1'), ('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",' +
            '"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:' + $configHex + '","size":' + $config.Length + '},' +
            '"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:../../../X","size":5}]}'))
        $port = Get-CseTestFreePort
        $module = Get-Module CseAirgapTestEnvironment
        $holder = [pscustomobject]@{ Root = $Work; Processes = [Collections.Generic.List[object]]::new() }
        $server = Join-Path $RepoRoot 'out/testserver/TestServer.dll'
        $started = & $module { param($h, $n, $a) Start-ServiceProcess -Environment $h -Name $n -FilePath 'dotnet' -ArgumentList $a } $holder "static-$port" @($server, 'static', '--port', $port, '--folder', $served)
        try {
            $err = & $module { param($s, $p) Wait-ServiceReady -Started $s -Probe { (Invoke-WebRequest "http://127.0.0.1:$p/v2/" -TimeoutSec 2).StatusCode -eq 200 }.GetNewClosure() } $started $port
            $err | Should -BeNullOrEmpty
            $root = Join-Path $Work 'lying'
            $folder = Join-Path $root 'export'
            New-Item -ItemType Directory -Force $root | Out-Null
            Set-Content (Join-Path $root 'canary.txt') 'canary'
            $before = Get-ChildItem $root -Recurse | ForEach-Object { "$($_.FullName) $($_.Length)" }
            $result = 'lying.example.test/app:v1' | Export-CseDependency -Path $folder -SourceMirror @{ 'lying.example.test' = "http://127.0.0.1:$port" } -ErrorVariable problems -ErrorAction SilentlyContinue
        }
        finally { Stop-CseTestProcess $started }
        $result.Status | Should -Be 'Failed'
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidDigest,*'
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
        (Join-Path $root 'X') | Should -Not -Exist
        (Join-Path $Work 'X') | Should -Not -Exist
        Get-ChildItem $root -Recurse | Where-Object { -not $_.FullName.StartsWith($folder) } | ForEach-Object { "$($_.FullName) $($_.Length)" } | Should -Be $before
        Get-ChildItem $folder -Recurse -File | Where-Object Name -Match 'partial' | Should -BeNullOrEmpty
    }
}

