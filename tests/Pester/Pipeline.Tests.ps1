BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Environment = Get-CseTestEnvironment
    $script:Mirror = Get-TestMirror
    $script:Ca = $Environment.CaFile
    $script:Work = New-TestFolder 'pipeline'
}

AfterAll { Remove-Item -Recurse -Force $Work -ErrorAction SilentlyContinue }

Describe 'The documented chains bind without ForEach-Object' {
    It 'Get-CseAirgapImage | Expand-CseArtifact | Get-CseDependency | Publish-CseDependency | Test-CseRegistryLayout' {
        $target = Assert-CseTestService 'http'
        $base = New-TestBase $target
        $checks = Get-CseAirgapImage -CseVersion 4.2.1 |
            Expand-CseArtifact -Destination (Join-Path $Work 'chain') -SourceMirror $Mirror -CaCertificate $Ca |
            Get-CseDependency |
            Publish-CseDependency -Registry $base -SourceMirror $Mirror -CaCertificate $Ca |
            Test-CseRegistryLayout -Registry $base -SourceMirror $Mirror -CaCertificate $Ca
        $present = $checks | Where-Object Check -EQ 'Present'
        $present.Count | Should -Be @($Environment.Fixtures.Dependencies['v0.1.3']).Count
        $present.Status | Sort-Object -Unique | Should -Be 'Passed'
    }

    It 'Get-ChildItem *.tar.001 | Test-CseExport, and Get-CseDependency -Path <export> | Publish-CseDependency' {
        $target = Assert-CseTestService 'http'
        $tar = Join-Path $Work 'chain.tar'
        (Get-TestFixture -Like '*/tkg/kube-rbac-proxy:*').Reference | Export-CseDependency -Path $tar -MaxPartSize 1MB -SourceMirror $Mirror -CaCertificate $Ca | Out-Null
        (Get-ChildItem $Work -Filter 'chain.tar.001' | Test-CseExport -Quiet) | Should -BeTrue
        $results = Get-CseDependency -Path "$tar.001" | Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $Mirror -CaCertificate $Ca
        $results.Status | Should -Be 'Copied'
    }

    It 'Get-CseTkgDependency | Export-CseDependency, and reference strings into every cmdlet that takes dependencies' {
        $exported = Get-CseTkgDependency -TkgVersion 2.5.0 -KubernetesVersion 1.27 -SourceMirror $Mirror -CaCertificate $Ca |
            Export-CseDependency -Path (Join-Path $Work 'tkg') -SourceMirror $Mirror -CaCertificate $Ca
        ($exported | Where-Object Status -EQ 'Failed') | Should -BeNullOrEmpty
        $reference = (Get-TestFixture -Like '*/tkg/kube-rbac-proxy:*').Reference
        ($reference | Test-CseRegistryLayout -Registry (Assert-CseTestService 'http').Base | Where-Object Check -EQ 'Present').Target | Should -BeLike '*kube-rbac-proxy*'
    }
}
