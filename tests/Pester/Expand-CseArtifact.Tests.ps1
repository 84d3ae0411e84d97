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
