BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Environment = Get-CseTestEnvironment
    $script:Mirror = Get-TestMirror
    $script:Ca = $Environment.CaFile
    $script:Tkg = $Environment.Fixtures.Tkg
    $script:Work = New-TestFolder 'tkg'

    function Get-Tkg([hashtable] $Extra = @{}) {
        Get-CseTkgDependency -TkgVersion $Tkg.Version -SourceMirror $Mirror -CaCertificate $Ca @Extra
    }
}

AfterAll { Remove-Item -Recurse -Force $Work -ErrorAction SilentlyContinue }

Describe 'Get-CseTkgDependency' {
    It 'names every image of the TKG BOM, the newest compatibility images, each TKr BOM and package repository, once' {
        Assert-CseTestService 'source' | Out-Null
        $dependencies = Get-Tkg
        $dependencies[0].PSObject.TypeNames[0] | Should -Be 'CseAirgap.PowerShell.Output.CseDependency'
        $dependencies.Reference | Sort-Object | Should -Be ($Tkg.Expected | Sort-Object)
        ($dependencies.Reference | Group-Object | Where-Object Count -GT 1) | Should -BeNullOrEmpty
        $dependencies.Reference | Should -Contain 'projects.registry.vmware.com/tkg/tkr-compatibility:v2' -Because 'the highest v<number> tag is used'
        $dependencies.Reference | Should -Contain 'projects.registry.vmware.com/tkg/tkg-compatibility:v10' -Because 'download-bundle copies the newest tkg-compatibility too (v10 is newer than v9)'
    }

    It 'reads every image from the source repository, whatever host the BOMs name' {
        $dependencies = Get-Tkg
        ($dependencies.Reference | Where-Object { $_ -like "*$($Tkg.StagingHost)*" -or $_ -like '*tkg-override*' }) | Should -BeNullOrEmpty
        $dependencies.Reference | Should -Contain 'projects.registry.vmware.com/tkg/coredns:v1.10.1_vmware.1' -Because 'a per-image imageRepository is ignored, as download-bundle ignores it'
        ($dependencies.Reference | Where-Object { $_ -notlike 'projects.registry.vmware.com/tkg/*' }) | Should -BeNullOrEmpty
    }

    It 'takes another source repository with -SourceRepository, for every image of the release' {
        $source = Assert-CseTestService 'source'
        $dependencies = Get-CseTkgDependency -TkgVersion $Tkg.Version -SourceRepository 'mirror.corp.example/tkg' -SourceMirror @{ 'mirror.corp.example' = $source.Url } -CaCertificate $Ca
        $dependencies.Count | Should -Be $Tkg.Expected.Count
        $dependencies.Reference | Sort-Object | Should -Be ($Tkg.Expected -replace '^projects\.registry\.vmware\.com/', 'mirror.corp.example/' | Sort-Object)
    }

    It 'writes each dependency as soon as it is known, before the TKr BOMs are read' {
        $stream = @(Get-Tkg @{ Verbose = $true } 4>&1)
        $firstObject = [Array]::FindIndex($stream, [Predicate[object]] { param($o) $o -is [psobject] -and $o.PSObject.TypeNames[0] -eq 'CseAirgap.PowerShell.Output.CseDependency' })
        $firstTkrRead = [Array]::FindIndex($stream, [Predicate[object]] { param($o) $o -is [System.Management.Automation.VerboseRecord] -and $o.Message -like 'Reading the TKr BOM*' })
        $firstObject | Should -BeGreaterOrEqual 0
        $firstTkrRead | Should -BeGreaterThan $firstObject -Because 'the TKG BOM and its images come out before the TKr BOMs are even read'
    }

    It 'stops reading when the pipeline wants no more' {
        $first = @(Get-Tkg | Select-Object -First 1)
        $first.Count | Should -Be 1
        $first[0].Reference | Should -Be "projects.registry.vmware.com/tkg/tkg-bom:v$($Tkg.Version)"
    }

    It 'narrows the Kubernetes releases with -KubernetesVersion' {
        $dependencies = Get-Tkg @{ KubernetesVersion = '1.28' }
        $dependencies.Reference | Should -Contain 'projects.registry.vmware.com/tkg/tkr-bom:v1.28.7_vmware.1-tkg.1'
        $dependencies.Reference | Where-Object { $_ -like '*1.27.11*' } | Should -BeNullOrEmpty
    }

    It 'says clearly when the source has no such TKG version' {
        Get-CseTkgDependency -TkgVersion 2.4.1 -SourceMirror $Mirror -CaCertificate $Ca -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'TkgVersionNotFound,*'
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $problems[0].Exception.Message | Should -Match 'no TKG 2.4.1'
        $problems[0].TargetObject | Should -Be '2.4.1'
    }

    It 'lists the other Kubernetes releases when one TKr BOM is missing, and names the missing one in a non-terminating error' {
        $missing = $Tkg.MissingTkr
        $dependencies = Get-CseTkgDependency -TkgVersion $missing.TkgVersion -SourceMirror $Mirror -CaCertificate $Ca -ErrorVariable problems -ErrorAction SilentlyContinue
        $dependencies.Reference | Should -Contain $missing.Present
        $dependencies.Reference | Should -Contain 'projects.registry.vmware.com/tkg/tkg-bom:v2.5.1'
        $dependencies.Reference | Should -Not -Contain $missing.Bom
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'TkrBomNotFound,*'
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $problems[0].TargetObject | Should -Be $missing.Bom
        $problems[0].Exception.Message | Should -Match ([regex]::Escape($missing.Bom))
        $problems[0].Exception.Message | Should -Match '-KubernetesVersion v1\.28\.7'
    }

    It 'completes -TkgVersion with the versions CSE 4.2.x supports' {
        $line = 'Get-CseTkgDependency -TkgVersion 2.'
        $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $completions | Should -Contain '2.3.1'
        $completions | Should -Contain '2.4.0'
        $completions | Should -Contain '2.5.0'
    }
}

Describe 'imgpkg bundles' {
    BeforeAll {
        $script:Target = Assert-CseTestService 'token'
        $script:Base = New-TestBase $Target
        $script:Results = Get-Tkg | Publish-CseDependency -Registry $Base -Credential (Get-CseTestCredential) -SourceMirror $Mirror -CaCertificate $Ca
        $script:Host_ = $Base
    }

    It 'lands everything under the base with digests unchanged' {
        $Results.Status | Sort-Object -Unique | Should -Be 'Copied'
        foreach ($r in $Results) {
            $fixture = Get-TestFixture -Like $r.Source
            Get-SkopeoDigest -Registry $Target -Reference $r.Destination | Should -Be $fixture.Digest
        }
        $compatibility = Get-TestFixture -Like '*/tkg/tkg-compatibility:v10'
        Get-SkopeoDigest -Registry $Target -Reference "$Base/tkg/tkg-compatibility:v10" | Should -Be $compatibility.Digest
    }

    It 'copies every image of a bundle''s lock, nested bundles too, into the bundle''s repository, by digest and tagged as imgpkg does' {
        foreach ($bundle in $Tkg.Bundles) {
            $result = $Results | Where-Object Source -EQ $bundle.Reference
            $result.Kind | Should -Be 'Bundle'
            $repository = "$Base/$((Get-TestFixture -Like $bundle.Reference).Repository)"
            $locked = @($bundle.Locked) + @(if ($bundle.Locked -contains $Tkg.NestedBundle.Reference) { $Tkg.NestedBundle.Locked })
            $result.BundleImages | Should -Be $locked.Count
            foreach ($image in $locked) {
                $digest = $image.Split('@')[1]
                Get-SkopeoDigest -Registry $Target -Reference "$repository@$digest" | Should -Be $digest
                Get-SkopeoDigest -Registry $Target -Reference "${repository}:$($digest.Replace(':', '-')).imgpkg" | Should -Be $digest
            }
            Get-SkopeoDigest -Registry $Target -Reference "${repository}:$($result.Digest.Replace(':', '-')).imgpkg" | Should -Be $result.Digest
        }
    }

    It 'passes Test-CseRegistryLayout for every dependency' {
        $checks = Get-Tkg | Test-CseRegistryLayout -Registry $Base -Credential (Get-CseTestCredential) -SourceMirror $Mirror -CaCertificate $Ca
        ($checks | Where-Object { $_.Check -in 'Present', 'Digest', 'AnonymousPull' -and $_.Status -ne 'Passed' }) | Should -BeNullOrEmpty
        ($checks | Where-Object { $_.Check -eq 'Group' -and $_.Target -like '*/tkg' }).Status | Should -Be 'Passed'
    }

    It 'travels in an export with its images, and publishes from it' {
        $folder = Join-Path $Work 'export'
        $exported = Get-Tkg | Export-CseDependency -Path $folder -SourceMirror $Mirror -CaCertificate $Ca
        ($exported | Where-Object Kind -EQ 'Bundle').Count | Should -Be $Tkg.Bundles.Count
        $index = (Get-Content -Raw (Join-Path $folder 'index.json') | ConvertFrom-Json).manifests.annotations.'io.containerd.image.name'
        $index | Should -Contain $Tkg.NestedBundle.Locked
        $base = New-TestBase $Target
        $published = Publish-CseDependency -Path $folder -Registry $base -Credential (Get-CseTestCredential) -CaCertificate $Ca
        ($published | Where-Object Status -EQ 'Failed') | Should -BeNullOrEmpty
        $bundle = $published | Where-Object Source -EQ ($Tkg.Bundles | Where-Object { $_.Locked.Count -eq 2 }).Reference
        $bundle.Kind | Should -Be 'Bundle'
        $repository = "$base/$((Get-TestFixture -Like $bundle.Source).Repository)"
        $nested = $Tkg.NestedBundle.Locked.Split('@')[1]
        Get-SkopeoDigest -Registry $Target -Reference "$repository@$nested" | Should -Be $nested
    }
}
