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
