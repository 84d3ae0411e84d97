BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Environment = Get-CseTestEnvironment
    $script:Mirror = Get-TestMirror
    $script:Ca = $Environment.CaFile
    $script:Admin = Get-CseTestCredential
    $script:Dependencies = @((Get-CseTestEnvironment).Fixtures.Dependencies['v0.1.4'])

    function New-PublishedBase {
        # A base holding the v0.1.4 dependencies (published by the module) and a plug-in inventory (pushed by skopeo).
        param($Registry, [string[]] $Skip = @(), [switch] $NoInventory)
        $base = New-TestBase $Registry
        $Dependencies | Where-Object { $ref = $_; -not ($Skip | Where-Object { $ref -like $_ }) } |
            Publish-CseDependency -Registry $base -Credential $Admin -SourceMirror $Mirror -CaCertificate $Ca | Out-Null
        if (-not $NoInventory) {
            # The fixture inventory and every plug-in image it lists, copied by skopeo.
            $source = Assert-CseTestService 'source'
            $plugins = (Get-CseTestEnvironment).Fixtures.Plugins
            foreach ($reference in @("$($plugins.Folder)/plugin-inventory:latest") + @($plugins.Images.Keys)) {
                $fixture = Get-TestFixture -Like $reference
                Invoke-CseTestSkopeo copy --quiet --preserve-digests @(Get-CseTestSkopeoArgs -Registry $source -Side src) @(Get-CseTestSkopeoArgs -Registry $Registry -Side dest -Credential) `
                    "docker://$($fixture.Location)" "docker://$(($base -replace '^https?://', ''))/$($fixture.Repository):$($fixture.Tag)" | Out-Null
            }
        }
        $base
    }
}

Describe 'Test-CseRegistryLayout' {
    It 'passes every check on a complete layout' {
        $target = Assert-CseTestService 'token'
        $base = New-PublishedBase $target
        $results = Get-CseDependency -Reference $Dependencies | Test-CseRegistryLayout -Registry $base -Credential $Admin -SourceMirror $Mirror -CaCertificate $Ca
        $results[0].PSObject.TypeNames[0] | Should -Be 'CseAirgap.PowerShell.Output.CseCheckResult'
        ($results | Where-Object Status -NE 'Passed' | ForEach-Object { "$($_.Check) $($_.Target): $($_.Detail)" }) | Should -BeNullOrEmpty
        ($results | Where-Object Check -EQ 'Group').Count | Should -Be 3
        ($results | Where-Object Check -EQ 'Present').Count | Should -Be $Dependencies.Count
        ($results | Where-Object Check -EQ 'Platforms').Count | Should -Be 3 -Because 'three dependencies are indexes'
        ($results | Where-Object Check -EQ 'AnonymousPull').Count | Should -Be $Dependencies.Count
        Get-CseDependency -Reference $Dependencies | Test-CseRegistryLayout -Registry $base -Credential $Admin -SourceMirror $Mirror -CaCertificate $Ca -Quiet | Should -BeTrue
    }

    It 'checks what Publish-CseDependency just published, straight from its output' {
        $target = Assert-CseTestService 'http'
        $base = New-TestBase $target
        $results = Get-CseDependency -Reference $Dependencies[0] | Publish-CseDependency -Registry $base -SourceMirror $Mirror -CaCertificate $Ca |
            Test-CseRegistryLayout -Registry $base -SourceMirror $Mirror -CaCertificate $Ca
        ($results | Where-Object Check -EQ 'Present').Status | Should -Be 'Passed'
        ($results | Where-Object Check -EQ 'Digest').Status | Should -Be 'Passed'
    }

    It 'fails a registry that misses one group' {
        $target = Assert-CseTestService 'token'
        $base = New-PublishedBase $target -Skip '*/tkg/*'
        $results = Test-CseRegistryLayout -Registry $base -Credential $Admin -CaCertificate $Ca
        $tkg = $results | Where-Object { $_.Check -eq 'Group' -and $_.Target -like '*/tkg' }
        $tkg.Status | Should -Be 'Failed'
        $tkg.Detail | Should -Match 'side by side'
        ($results | Where-Object { $_.Check -eq 'Group' -and $_.Status -eq 'Passed' }).Count | Should -Be 2
        Test-CseRegistryLayout -Registry $base -Credential $Admin -CaCertificate $Ca -Quiet | Should -BeFalse
    }

    It 'fails a tag that skopeo re-pointed to another digest' {
        $target = Assert-CseTestService 'token'
        $base = New-PublishedBase $target
        $victim = Get-TestFixture -Like '*/tkg/cluster-api/cluster-api-controller:*'
        $other = Get-TestFixture -Like '*/cloud-director-named-disk-csi-driver:*'
        Invoke-CseTestSkopeo copy --quiet --preserve-digests @(Get-CseTestSkopeoArgs -Registry (Assert-CseTestService 'source') -Side src) `
            @(Get-CseTestSkopeoArgs -Registry $target -Side dest -Credential) "docker://$($other.Location)" "docker://$base/$($victim.Repository):$($victim.Tag)" | Out-Null
        $results = Get-CseDependency -Reference $victim.Reference | Test-CseRegistryLayout -Registry $base -Credential $Admin -SourceMirror $Mirror -CaCertificate $Ca
        $digest = $results | Where-Object Check -EQ 'Digest'
        $digest.Status | Should -Be 'Failed'
        $digest.Detail | Should -Match ([regex]::Escape($other.Digest))
        $digest.Detail | Should -Match ([regex]::Escape($victim.Digest))
    }

    It 'warns when anonymous pull is refused' {
        $target = Assert-CseTestService 'basic'
        $base = New-PublishedBase $target -NoInventory
        $results = Get-CseDependency -Reference $Dependencies[0] | Test-CseRegistryLayout -Registry $base -Credential $Admin -SourceMirror $Mirror -CaCertificate $Ca
        $anonymous = $results | Where-Object Check -EQ 'AnonymousPull'
        $anonymous.Status | Should -Be 'Warning'
        $anonymous.Detail | Should -Match 'public'
        ($results | Where-Object Check -EQ 'Present').Status | Should -Be 'Passed'
    }

    It 'trusts the test CA only when given -CaCertificate' {
        $target = Assert-CseTestService 'tls'
        (Test-CseRegistryLayout -Registry $target.Base -CaCertificate $Ca | Where-Object Check -EQ 'RegistryApi').Status | Should -Be 'Passed'
        $without = Test-CseRegistryLayout -Registry $target.Base | Where-Object Check -EQ 'RegistryApi'
        $without.Status | Should -Be 'Failed'
        $without.Detail | Should -Match '-CaCertificate'
    }

    It 'rejects a registry with a scheme it cannot use as InvalidRegistry' {
        { Test-CseRegistryLayout -Registry 'ftp://harbor.corp.local' -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidRegistry,CseAirgap.PowerShell.Commands.TestCseRegistryLayoutCommand'
    }

    It 'fails, with one result, for a name that does not resolve' {
        $results = @(Test-CseRegistryLayout -Registry 'registry.does-not-exist.invalid')
        $results.Count | Should -Be 1
        $results[0].Check | Should -Be 'RegistryApi'
        $results[0].Status | Should -Be 'Failed'
        $results[0].Detail | Should -Match 'registry.does-not-exist.invalid'
    }

    It 'refuses a -Registry it cannot use as InvalidRegistry, the ID every cmdlet gives it' {
        { Test-CseRegistryLayout -Registry 'ftp://harbor.corp.local' -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidRegistry,CseAirgap.PowerShell.Commands.TestCseRegistryLayoutCommand'
        { Test-CsePrerequisite -Registry 'ftp://harbor.corp.local' -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidRegistry,CseAirgap.PowerShell.Commands.TestCsePrerequisiteCommand'
    }

    It 'refuses a CA file that does not exist before any request, as InvalidRegistrySettings' {
        $missing = Join-Path (New-TestFolder 'ca') 'missing.pem'
        { Test-CseRegistryLayout -Registry 'harbor.corp.local' -CaCertificate $missing -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidRegistrySettings,CseAirgap.PowerShell.Commands.TestCseRegistryLayoutCommand'
    }

    It 'shows results grouped by status, failures first, each group with its count' {
        $target = Assert-CseTestService 'token'
        $base = New-PublishedBase $target -Skip '*/tkg/*'
        $text = Test-CseRegistryLayout -Registry $base -Credential $Admin -CaCertificate $Ca | Out-String -Width 300
        $text | Should -Match 'Status: Failed: 1 of 6 checks'
        $text | Should -Match 'Status: Passed: 5 of 6 checks'
        $text.IndexOf('Failed: 1 of') | Should -BeLessThan $text.IndexOf('Passed: 5 of')
    }
}

Describe 'Test-CsePrerequisite' {
    It 'passes a reachable, trusted registry where the account may push into every group' {
        $target = Assert-CseTestService 'token'
        $docker = Assert-CseTestService 'docker'
        $results = Test-CsePrerequisite -Registry $target.Base -Credential $Admin -CaCertificate $Ca -DockerHost $docker.DockerHost -SourceMirror (Get-TestMirror)
        ($results | Where-Object Status -EQ 'Failed' | ForEach-Object { "$($_.Check): $($_.Detail)" }) | Should -BeNullOrEmpty
        $results.Check | Should -Contain 'RegistryTcp'
        $results.Check | Should -Contain 'RegistryTls'
        $results.Check | Should -Contain 'RegistryApi'
        $results.Check | Should -Contain 'DockerEngine'
        $results.Check | Should -Contain 'DiskSpace'
        ($results | Where-Object Check -EQ 'Push').Count | Should -Be 3
    }

    It 'fails push for an account without push rights' {
        $target = Assert-CseTestService 'token'
        $push = Test-CsePrerequisite -Registry (New-TestBase $target) -Credential (Get-CseTestCredential -User Reader) -CaCertificate $Ca -SourceMirror (Get-TestMirror) | Where-Object Check -EQ 'Push'
        $push.Status | Sort-Object -Unique | Should -Be 'Failed'
        $push[0].Detail | Should -Match 'may not push'
    }

    It 'proves push rights without leaving a repository behind' {
        $target = Assert-CseTestService 'token'
        $base = New-TestBase $target
        (Test-CsePrerequisite -Registry $base -Credential $Admin -CaCertificate $Ca -SourceMirror (Get-TestMirror) | Where-Object Check -EQ 'Push').Status | Sort-Object -Unique | Should -Be 'Passed'
        $prefix = ($base -split '/')[-1]
        @(Get-TestCatalog $target) -like "$prefix/*" | Should -BeNullOrEmpty
    }

    It 'fails TLS without the CA, and says how to fix it' {
        $target = Assert-CseTestService 'tls'
        $tls = Test-CsePrerequisite -Registry $target.Base -SourceMirror (Get-TestMirror) | Where-Object Check -EQ 'RegistryTls'
        $tls.Status | Should -Be 'Failed'
        $tls.Detail | Should -Match 'Get-CseRegistryCertificate'
    }

    It 'fails DNS for a VCD endpoint that does not resolve, and a Docker host that does not answer' {
        $target = Assert-CseTestService 'http'
        $results = Test-CsePrerequisite -Registry $target.Base -VcdEndpoint 'https://vcd.does-not-exist.invalid' -DockerHost "unix:///tmp/no-docker-$PID.sock" -SourceMirror (Get-TestMirror)
        ($results | Where-Object Check -EQ 'VcdEndpointDns').Status | Should -Be 'Failed'
        ($results | Where-Object Check -EQ 'DockerEngine').Status | Should -Be 'Failed'
        ($results | Where-Object Check -EQ 'RegistryApi').Status | Should -Be 'Passed'
    }
}

Describe 'Get-CseRegistryCertificate' {
    It 'returns the certificate the registry presents, as openssl reads the server''s file' {
        $target = Assert-CseTestService 'tls'
        $certificates = @(Get-CseRegistryCertificate -Registry $target.Host)
        $certificates.Count | Should -BeGreaterOrEqual 1
        $leaf = $certificates[0]
        $leaf | Should -BeOfType [Security.Cryptography.X509Certificates.X509Certificate2]
        $expected = (& openssl x509 -in (Join-Path (Split-Path $Environment.CaFile) 'server.crt') -noout -fingerprint -sha1) -replace '^.*=', '' -replace ':', ''
        $leaf.Thumbprint | Should -Be $expected
        $leaf.IsSelfSigned | Should -BeFalse
        $leaf.IsTrusted | Should -BeFalse
    }

    It 'gives PEM text that openssl accepts' {
        $target = Assert-CseTestService 'tls'
        $pem = Get-CseRegistryCertificate -Registry $target.Host -AsPem
        $pem | Should -Match '-----BEGIN CERTIFICATE-----'
        $file = Join-Path ([IO.Path]::GetTempPath()) "cert-$([Guid]::NewGuid().ToString('N')).pem"
        Set-Content $file $pem
        try { & openssl verify -CAfile $Ca $file | Should -Match ': OK' }
        finally { Remove-Item $file }
    }

    It 'says a plain-HTTP registry has no certificate' {
        $target = Assert-CseTestService 'http'
        Get-CseRegistryCertificate -Registry $target.Base -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidRegistry,*'
    }
}

Describe 'Test-CseRegistryLayout -FromServer' {
    BeforeAll {
        # A VCD cloudapi of our own (tests/TestServer vcd) and a TLS registry the test owns, so that its certificate can
        # change over the same content; both stopped in AfterAll.
        $script:Vcd = Start-CseTestVcdServer
        $script:Store = Join-Path (New-TestFolder 'own-registry') 'data'
        $pki = Join-Path (Get-CseTestEnvironment).Root 'pki'
        $script:Own = Start-CseTestOwnTlsRegistry -DataDir $Store -CertFile (Join-Path $pki 'server.crt') -KeyFile (Join-Path $pki 'server.key')
    }

    AfterAll {
        if ($Own) { Stop-CseTestProcess $Own.Process }
        if ($Vcd) { Stop-CseTestVcdServer $Vcd }
    }

    It 'proves what CSE will pull after Set-CseServerConfiguration, and names the list that no longer covers a changed certificate' {
        $base = New-PublishedBase $Own
        $url = $base -replace '^https://', ''
        Invoke-CseTestVcdControl $Vcd '/__reset' | Out-Null
        Set-CseServerConfiguration -Server $Vcd.Host -Credential $Vcd.Admin -CaCertificate $Ca -ContainerRegistryUrl $url -Certificate $Ca `
            -BackupPath (New-TestFolder 'vcd-backup') -Confirm:$false | Out-Null

        $streams = Get-CseDependency -Reference $Dependencies |
            Test-CseRegistryLayout -FromServer $Vcd.Host -ServerCredential $Vcd.Admin -CaCertificate $Ca -SourceMirror $Mirror -Verbose *>&1
        $results = @($streams | Where-Object { $_ -is [CseAirgap.PowerShell.Output.CseCheckResult] })
        ($results | Where-Object Status -NE 'Passed' | ForEach-Object { "$($_.Check) $($_.Target): $($_.Detail)" }) | Should -BeNullOrEmpty
        foreach ($check in 'ServerRegistryUrl', 'BootstrapCertificates', 'ClusterCertificates') {
            ($results | Where-Object Check -EQ $check).Status | Should -Be 'Passed' -Because "$check is checked from CSE's configuration"
        }
        ($results | Where-Object Check -EQ 'Group').Target | Should -Be @("$url/tkg", "$url/vmware-cloud-director", "$url/tanzu_cli")
        ($results | Where-Object Check -EQ 'Present').Count | Should -Be $Dependencies.Count
        $text = ($streams | Out-String) + ($streams | ForEach-Object { "$_" }) -join "`n"
        $sessions = Invoke-CseTestVcdControl $Vcd '/__sessions'
        foreach ($secret in @($Vcd.Secrets) + @($sessions.issued)) { $text.Contains($secret) | Should -BeFalse -Because 'no password or token reaches any stream' }
        $log = @(Invoke-CseTestVcdControl $Vcd '/__log')
        @($log | Where-Object method -EQ 'PUT').Count | Should -Be 1 -Because 'only Set-CseServerConfiguration wrote; the test only read'
        $sessions.live | Should -Be 0 -Because 'every session was logged out'

        # The registry renews its certificate from another CA; CSE's lists still hold the old CA.
        Stop-CseTestProcess $Own.Process
        $other = New-CseTestServerCertificate -Folder (New-TestFolder 'other-pki')
        $script:Own = Start-CseTestOwnTlsRegistry -DataDir $Store -CertFile $other.CertFile -KeyFile $other.KeyFile -Port $Own.Port
        $results = @(Test-CseRegistryLayout -FromServer $Vcd.Host -ServerCredential $Vcd.Admin -CaCertificate $Ca, $other.CaFile)
        foreach ($check in 'BootstrapCertificates', 'ClusterCertificates') {
            $row = $results | Where-Object Check -EQ $check
            $row.Status | Should -Be 'Failed'
            $row.Detail | Should -Match 'CseAirgap Other Test CA'
            $row.Detail | Should -Match "-CertificateScope $($check -replace 'Certificates$', '')"
        }
        ($results | Where-Object Check -EQ 'ServerRegistryUrl').Status | Should -Be 'Passed'
        ($results | Where-Object Check -EQ 'PluginInventory').Status | Should -Be 'Passed' -Because 'the content is the same; only the certificate changed'
        Test-CseRegistryLayout -FromServer $Vcd.Host -ServerCredential $Vcd.Admin -CaCertificate $Ca, $other.CaFile -Quiet | Should -BeFalse
    }

    It 'refuses a tenant user of VCD before looking at any registry' {
        { Test-CseRegistryLayout -FromServer $Vcd.Host -ServerCredential $Vcd.Tenant -CaCertificate $Ca -ErrorAction Stop } |
            Should -Throw -ErrorId 'VcdNotProvider,CseAirgap.PowerShell.Commands.TestCseRegistryLayoutCommand'
    }
}
