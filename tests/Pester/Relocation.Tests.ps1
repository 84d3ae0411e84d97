# Issue 21: VMware's registry moved to projects.packages.broadcom.com (June 2024). The suite's source registry plays
# the new host (the user mirrors projects.packages.broadcom.com to it); the old host is mirrored to an unresolvable
# *.invalid name, so nothing here can reach the real projects.registry.vmware.com. The references stay the documented
# old ones (catalog, dependencies.txt, BOMs, locks): the built-in table does the move. Copies are checked with skopeo.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Environment = Get-CseTestEnvironment
    $script:Ca = $Environment.CaFile
    $script:Source = Assert-CseTestService 'source'
    $script:Target = Assert-CseTestService 'http'
    $script:Work = New-TestFolder 'relocation'
    $fixtureMirrors = Get-TestMirror
    # The content only under the new host's name; the old host gone.
    $script:Moved = @{
        'projects.packages.broadcom.com' = $fixtureMirrors['projects.registry.vmware.com']
        'projects.registry.vmware.com'   = 'https://old-host.invalid'
        'registry.k8s.io'                = $fixtureMirrors['registry.k8s.io']
    }

    function New-TestLockedBundle([string[]] $Locked, [string] $Repository) {
        # An imgpkg bundle (config label dev.carvel.imgpkg.bundle) whose lock names $Locked, pushed by skopeo into the
        # source registry at $Repository:v1.
        $lock = @('apiVersion: imgpkg.carvel.dev/v1alpha1', 'kind: ImagesLock', 'images:') + @($Locked | ForEach-Object {
                "- image: $_"; '  annotations:'; "    kbld.carvel.dev/id: $($_ -replace '@.*$', '')" })
        Publish-CseTestFileImage -Registry $Source -Path "$($Repository):v1" -Files @{ '.imgpkg/images.yml' = ($lock -join "`n") + "`n" } `
            -Labels @{ 'dev.carvel.imgpkg.bundle' = '' } | Out-Null
    }
}

AfterAll { Remove-Item -Recurse -Force $Work -ErrorAction SilentlyContinue }

Describe 'A moved host is read at its new name' {
    It 'Publish-CseDependency copies an old-host reference from the new host, says so, and lands at the same path' {
        $fixture = Get-TestFixture -Like '*/tkg/kube-rbac-proxy:*'
        $base = New-TestBase $Target
        $result = $fixture.Reference | Publish-CseDependency -Registry $base -SourceMirror $Moved -CaCertificate $Ca -Verbose 4>&1 |
            Tee-Object -Variable all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $result.Status | Should -Be 'Copied'
        $result.Digest | Should -Be $fixture.Digest
        $at = $base -replace '^https?://', ''
        $result.Destination | Should -Be "$at/$($fixture.Repository):$($fixture.Tag)" -Because 'the strict layout is <base>/<path below the host> whichever host served it'
        $result.ResolvedFrom | Should -Be "$($Source.Host)/$($fixture.Repository)@$($fixture.Digest)"
        @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'moved to projects\.packages\.broadcom\.com' }).Count | Should -BeGreaterThan 0
        Get-SkopeoDigest -Registry $Target -Reference "$at/$($fixture.Repository):$($fixture.Tag)" | Should -Be $fixture.Digest
    }

    It 'fails with a clear error under -NoRelocation, naming the old host' {
        $fixture = Get-TestFixture -Like '*/tkg/kube-rbac-proxy:*'
        $result = $fixture.Reference | Publish-CseDependency -Registry (New-TestBase $Target) -SourceMirror $Moved -CaCertificate $Ca -NoRelocation `
            -ErrorVariable problems -ErrorAction SilentlyContinue
        $result.Status | Should -Be 'Failed'
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'RegistryUnreachable,*'
        $problems[0].Exception.Message | Should -Match 'old-host\.invalid'
    }

    It 'Get-CseAirgapImage | Expand-CseArtifact | Get-CseDependency | Publish-CseDependency works from the new host alone' {
        $base = New-TestBase $Target
        $artifact = Get-CseAirgapImage -CseVersion 4.2.1 | Expand-CseArtifact -Destination (Join-Path $Work 'chain') -SourceMirror $Moved -CaCertificate $Ca
        $artifact.ResolvedFrom | Should -Be "$($Source.Host)/vmware-cloud-director/getting-started-airgapped@$($artifact.Digest)"
        $results = $artifact | Get-CseDependency |
            Publish-CseDependency -Registry $base -SourceMirror $Moved -CaCertificate $Ca
        $results.Count | Should -Be @($Environment.Fixtures.Dependencies['v0.1.3']).Count
        $results.Status | Sort-Object -Unique | Should -Be 'Copied'
    }

    It 'Expand-CseArtifact fails under -NoRelocation, naming the old host' {
        { Get-CseAirgapImage -CseVersion 4.2.1 | Expand-CseArtifact -Destination (Join-Path $Work 'none') -SourceMirror $Moved -CaCertificate $Ca -NoRelocation -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*old-host.invalid*'
    }

    It 'Get-CseTkgDependency reads the release from the new host, and not under -NoRelocation' {
        $found = @(Get-CseTkgDependency -TkgVersion 2.5.0 -KubernetesVersion 1.27 -SourceMirror $Moved -CaCertificate $Ca)
        $found.Count | Should -BeGreaterThan 0
        $none = @(Get-CseTkgDependency -TkgVersion 2.5.0 -KubernetesVersion 1.27 -SourceMirror $Moved -CaCertificate $Ca -NoRelocation -ErrorVariable problems -ErrorAction SilentlyContinue)
        $none.Count | Should -Be 0
        ($problems | Select-Object -First 1).Exception.Message | Should -Match 'old-host\.invalid'
    }

    It 'Publish-CseTanzuPlugin reads the inventory from the new host, and not under -NoRelocation' {
        $base = New-TestBase $Target
        $results = @(Publish-CseTanzuPlugin -TkgVersion 2.5.0 -Registry $base -Credential (Get-CseTestCredential) -SourceMirror $Moved -CaCertificate $Ca)
        $results.Count | Should -BeGreaterThan 0
        ($results | Where-Object Status -EQ 'Failed') | Should -BeNullOrEmpty
        { Publish-CseTanzuPlugin -TkgVersion 2.5.0 -Registry (New-TestBase $Target) -Credential (Get-CseTestCredential) -SourceMirror $Moved -CaCertificate $Ca -NoRelocation -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*old-host.invalid*'
    }
}

Describe 'A bundle''s locked images are looked for beside the bundle first (imgpkg''s relocation rule)' {
    It 'copies a bundle whose lock names only the old host, its images only in the bundle''s own repository' {
        $id = [Guid]::NewGuid().ToString('N').Substring(0, 10)
        $repository = "reloc/$id/bundle"
        $images = @((Get-TestFixture -Like '*/tkg/kube-rbac-proxy:*'), (Get-TestFixture -Like '*/cloud-provider-for-cloud-director:*'))
        foreach ($image in $images) {
            # Into the bundle's repository by digest, as `imgpkg copy` leaves a relocated bundle's images.
            Invoke-CseTestSkopeo copy --all --preserve-digests --quiet @(Get-CseTestSkopeoArgs -Registry $Source -Side src) @(Get-CseTestSkopeoArgs -Registry $Source -Side dest -Credential) `
                "docker://$($image.Location)" "docker://$($Source.Host)/$($repository):img-$($image.Digest.Substring(7, 12))" | Out-Null
        }
        New-TestLockedBundle -Repository $repository -Locked @($images | ForEach-Object { "projects.registry.vmware.com/tkg/gone/$($_.Repository -replace '^.*/', '')@$($_.Digest)" })
        $base = New-TestBase $Target
        $result = "projects.registry.vmware.com/$($repository):v1" | Publish-CseDependency -Registry $base -SourceMirror $Moved -CaCertificate $Ca
        $result.Status | Should -Be 'Copied'
        $result.Kind | Should -Be 'Bundle'
        $result.BundleImages | Should -Be 2
        $at = $base -replace '^https?://', ''
        Get-SkopeoDigest -Registry $Target -Reference "$at/$($repository):v1" | Should -Not -BeNullOrEmpty
        foreach ($image in $images) {
            Get-SkopeoDigest -Registry $Target -Reference "$at/$repository@$($image.Digest)" | Should -Be $image.Digest
            Copy-SkopeoImage -Registry $Target -Reference "$at/$repository@$($image.Digest)" | Should -Exist
        }
    }

    It 'fails a bundle whose image is neither beside it nor at the place its lock names, naming that image' {
        $id = [Guid]::NewGuid().ToString('N').Substring(0, 10)
        $repository = "reloc/$id/bundle"
        $missing = "projects.registry.vmware.com/tkg/nowhere/img@sha256:$('cd' * 32)"
        New-TestLockedBundle -Repository $repository -Locked @($missing)
        $result = "projects.registry.vmware.com/$($repository):v1" | Publish-CseDependency -Registry (New-TestBase $Target) -SourceMirror $Moved -CaCertificate $Ca `
            -ErrorVariable problems -ErrorAction SilentlyContinue
        $result.Status | Should -Be 'Failed'
        $failure = @($problems | Where-Object { $_.FullyQualifiedErrorId -like 'BundleImageFailed,*' })
        $failure.Count | Should -Be 1
        $failure[0].Exception.Image | Should -Be $missing
        $failure[0].Exception.Message | Should -Match ([regex]::Escape($missing))
    }
}

Describe 'Test-CsePrerequisite checks the sources it will read' {
    It 'checks the moved host''s new name and reports the move as its own row' {
        $results = Test-CsePrerequisite -Registry $Target.Base -SourceMirror $Moved -CaCertificate $Ca
        $pull = @($results | Where-Object Check -EQ 'SourcePull')
        $pull.Count | Should -Be 1
        $pull[0].Status | Should -Be 'Passed'
        $pull[0].Target | Should -BeLike "$($Source.Host)/vmware-cloud-director/getting-started-airgapped:*"
        ($results | Where-Object Check -EQ 'SourceApi').Status | Should -Be 'Passed'
        $moved = @($results | Where-Object Check -EQ 'SourceRelocation')
        $moved.Count | Should -Be 1
        $moved[0].Status | Should -Be 'Passed'
        $moved[0].Detail | Should -Match 'projects\.registry\.vmware\.com moved to projects\.packages\.broadcom\.com'
        $moved[0].Detail | Should -Match 'Mirror projects\.packages\.broadcom\.com'
    }

    It 'reports a source that asks for a login, when none is given for it, as a SourceLogin row naming -SourceCredential' {
        $k8s = Assert-CseTestService 'k8s'
        $locked = Start-CseTestHostileRegistry -Registry $k8s -Mode plain
        try {
            $attacher = (Get-TestFixture -Like 'registry.k8s.io/sig-storage/csi-attacher:*').Reference
            $mirror = @{ 'registry.k8s.io' = $locked.Base }
            $without = Test-CsePrerequisite -Registry $Target.Base -SourceImage $attacher -SourceMirror $mirror -CaCertificate $Ca
            $login = @($without | Where-Object Check -EQ 'SourceLogin')
            $login.Count | Should -Be 1
            $login[0].Status | Should -Be 'Failed'
            $login[0].Detail | Should -Match '-SourceCredential'
            $with = Test-CsePrerequisite -Registry $Target.Base -SourceImage $attacher -SourceMirror $mirror -SourceCredential (Get-CseTestCredential) -CaCertificate $Ca
            ($with | Where-Object Check -EQ 'SourceLogin') | Should -BeNullOrEmpty
            ($with | Where-Object Check -EQ 'SourcePull').Status | Should -Be 'Passed'
        }
        finally { Stop-CseTestProcess $locked }
    }
}
