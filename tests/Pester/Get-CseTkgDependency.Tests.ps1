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
    It 'names every image of the TKG BOM, the newest compatibility image, each TKr BOM and package repository, once' {
        Assert-CseTestService 'source' | Out-Null
        $dependencies = Get-Tkg
        $dependencies[0].PSObject.TypeNames[0] | Should -Be 'CseAirgap.PowerShell.Output.CseDependency'
        $dependencies.Reference | Sort-Object | Should -Be ($Tkg.Expected | Sort-Object)
        ($dependencies.Reference | Group-Object | Where-Object Count -GT 1) | Should -BeNullOrEmpty
        $dependencies.Reference | Should -Contain 'projects.registry.vmware.com/tkg/tkr-compatibility:v2' -Because 'the highest v<number> tag is used'
        $dependencies.Reference | Should -Contain 'projects.registry.vmware.com/tkg-override/coredns:v1.10.1_vmware.1' -Because 'a per-image imageRepository wins'
    }

    It 'narrows the Kubernetes releases with -KubernetesVersion' {
        $dependencies = Get-Tkg @{ KubernetesVersion = '1.28' }
        $dependencies.Reference | Should -Contain 'projects.registry.vmware.com/tkg/tkr-bom:v1.28.7_vmware.1-tkg.1'
        $dependencies.Reference | Where-Object { $_ -like '*1.27.11*' } | Should -BeNullOrEmpty
    }

    It 'says clearly when the source has no such TKG version' {
        Get-CseTkgDependency -TkgVersion 2.4.1 -SourceMirror $Mirror -CaCertificate $Ca -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ManifestNotFound,*'
        $problems[0].Exception.Message | Should -Match 'no TKG 2.4.1'
        $problems[0].TargetObject | Should -Be '2.4.1'
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
