BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Probe = Get-TestFixture -Like '*/tkg/kube-rbac-proxy:*'
}

Describe 'The test environment' {
    It 'serves the registry API on the <Name> registry, where skopeo can push and read back the same digest' -TestCases @(
        @{ Name = 'http' }, @{ Name = 'tls' }, @{ Name = 'basic' }, @{ Name = 'token' }
    ) {
        $registry = Assert-CseTestService $Name
        $source = Assert-CseTestService 'source'
        $target = "$($registry.Host)/env-check/$([Guid]::NewGuid().ToString('N').Substring(0, 8)):probe"
        Invoke-CseTestSkopeo copy --all --preserve-digests --quiet @(Get-CseTestSkopeoArgs -Registry $source -Side src) `
            @(Get-CseTestSkopeoArgs -Registry $registry -Side dest -Credential) "docker://$($Probe.Location)" "docker://$target" | Out-Null
        Get-SkopeoDigest -Registry $registry -Reference $target | Should -Be $Probe.Digest
    }

    It 'uses the run''s own CA on the <Name> registry: skopeo without it refuses the certificate' -TestCases @(
        @{ Name = 'tls' }, @{ Name = 'basic' }, @{ Name = 'token' }
    ) {
        $registry = Assert-CseTestService $Name
        $output = & skopeo --insecure-policy inspect --raw --no-creds "docker://$($registry.Host)/none:latest" 2>&1
        $LASTEXITCODE | Should -Not -Be 0
        "$output" | Should -Match 'x509|certificate'
    }

    It 'lets anyone pull from the token registry, as the VMware registry does' {
        $source = Assert-CseTestService 'source'
        $output = Invoke-CseTestSkopeo inspect --raw --no-creds --cert-dir (Get-CseTestEnvironment).CertDir "docker://$($Probe.Location)"
        ($output -join "`n") | Should -Match '"schemaVersion"'
    }

    It 'refuses an anonymous push to the token registry' {
        $registry = Assert-CseTestService 'token'
        $source = Assert-CseTestService 'source'
        $output = & skopeo --insecure-policy copy --quiet @(Get-CseTestSkopeoArgs -Registry $source -Side src) `
            --dest-cert-dir (Get-CseTestEnvironment).CertDir --dest-no-creds "docker://$($Probe.Location)" "docker://$($registry.Host)/anon/denied:1" 2>&1
        $LASTEXITCODE | Should -Not -Be 0
        "$output" | Should -Match 'unauthorized|authentication required|denied'
    }

    It 'refuses a wrong password on the basic-auth registry' {
        $registry = Assert-CseTestService 'basic'
        $output = & skopeo --insecure-policy inspect --raw --cert-dir (Get-CseTestEnvironment).CertDir --creds 'cse-admin:wrong' "docker://$($registry.Host)/none:latest" 2>&1
        $LASTEXITCODE | Should -Not -Be 0
        "$output" | Should -Match 'unauthorized|authentication required|invalid username/password'
    }

    It 'runs a Docker engine that answers on its own socket' {
        $docker = Assert-CseTestService 'docker'
        $version = & docker -H $docker.DockerHost version --format '{{.Server.Version}}'
        $LASTEXITCODE | Should -Be 0
        $version | Should -Match '^\d+\.\d+'
    }

    It 'lets the Docker engine pull a fixture from a plain-HTTP registry' {
        $docker = Assert-CseTestService 'docker'
        $k8s = Assert-CseTestService 'k8s'
        $fixture = Get-TestFixture -Like 'registry.k8s.io/sig-storage/csi-attacher:*'
        & docker -H $docker.DockerHost pull --quiet $fixture.Location | Out-Null
        $LASTEXITCODE | Should -Be 0
        $repoDigests = & docker -H $docker.DockerHost image inspect --format '{{json .RepoDigests}}' $fixture.Location | ConvertFrom-Json
        $repoDigests | Should -Contain "$($k8s.Host)/sig-storage/csi-attacher@$($fixture.Digest)"
    }
}

Describe 'The fixture set' {
    It 'has the three getting-started images with an executable script, dependencies.txt and bom.json, whiteout included' {
        $source = Assert-CseTestService 'source'
        foreach ($tag in 'v0.1.2', 'v0.1.3', 'v0.1.4') {
            $fixture = Get-TestFixture -Like "*/getting-started-airgapped:$tag"
            $folder = Copy-SkopeoImage -Registry $source -Reference $fixture.Location
            try {
                $oci = Join-Path $folder 'oci'
                Invoke-CseTestSkopeo copy --quiet "dir:$folder" "oci:${oci}:img" | Out-Null
                $bundle = Join-Path $folder 'bundle'
                & umoci raw unpack --rootless --image "${oci}:img" $bundle 2>&1 | Out-Null
                $LASTEXITCODE | Should -Be 0
                $artifact = Join-Path $bundle 'src/artifact'
                (Get-Item (Join-Path $artifact 'getting_started.sh')).UnixFileMode.HasFlag([IO.UnixFileMode]::UserExecute) | Should -BeTrue
                Join-Path $artifact 'dependencies.txt' | Should -Exist
                Join-Path $artifact 'bom.json' | Should -Exist
                Join-Path $artifact 'draft-dependencies.txt' | Should -Not -Exist
            }
            finally { Remove-Item -Recurse -Force $folder }
        }
    }

    It 'lists dependencies in VMware''s artifact format, with a disabled line and a second registry' {
        $lines = (Get-CseTestEnvironment).Fixtures.Dependencies['v0.1.4']
        $lines | Should -Contain 'projects.registry.vmware.com/vmware-cloud-director/cluster-api-provider-cloud-director:1.3.0'
        $lines | Where-Object { $_ -like 'registry.k8s.io/*' } | Should -Not -BeNullOrEmpty
    }

    It 'has Docker and OCI media types, single images and indexes, and a layer of 100 MB' {
        $images = (Get-CseTestEnvironment).Fixtures.Images
        $types = $images | ForEach-Object MediaType | Sort-Object -Unique
        $types | Should -Contain 'application/vnd.oci.image.manifest.v1+json'
        $types | Should -Contain 'application/vnd.oci.image.index.v1+json'
        $types | Should -Contain 'application/vnd.docker.distribution.manifest.v2+json'
        $types | Should -Contain 'application/vnd.docker.distribution.manifest.list.v2+json'
        ($images.Blobs | ForEach-Object Size | Measure-Object -Maximum).Maximum | Should -BeGreaterOrEqual 100MB
    }
}
