BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    # A VCD cloudapi of our own (tests/TestServer vcd), built from VCD's documented API: started here, stopped here.
    $script:Vcd = Start-CseTestVcdServer
    $script:Server = $Vcd.Host
    $script:Ca = $Vcd.CaFile
    $script:CaCert = [Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem((Get-Content -Raw $Ca))
    $script:Changed = @('containerRegistryUrl', 'certificateAuthorities', 'noProxy')

    function Get-VcdLog { @(Invoke-CseTestVcdControl $Vcd '/__log') }
    function Get-Puts { @(Get-VcdLog | Where-Object method -EQ 'PUT') }
    function Get-ServedEntity {
        # The entity as the server holds it, with its ETag; parsed by PowerShell's JSON reader, not the module's.
        $r = Invoke-WebRequest "$($Vcd.Url)/__entity" -SkipCertificateCheck
        [pscustomobject]@{ ETag = [string]$r.Headers.ETag; Raw = $r.Content; Json = ($r.Content | ConvertFrom-Json -AsHashtable -Depth 50) }
    }
    function Remove-Field {
        # A copy of a parsed entity without the named fields (anywhere), as canonical JSON for comparison.
        param($Json, [string[]] $Names)
        $copy = $Json | ConvertTo-Json -Depth 50 | ConvertFrom-Json -AsHashtable -Depth 50
        $walk = {
            param($node)
            if ($node -is [Collections.IDictionary]) {
                foreach ($name in $Names) { $node.Remove($name) }
                foreach ($key in @($node.Keys)) { & $walk $node[$key] }
            }
            elseif ($node -is [Collections.IList]) { foreach ($item in $node) { & $walk $item } }
        }
        & $walk $copy
        Sort-Json $copy | ConvertTo-Json -Depth 50 -Compress
    }
    function Sort-Json {
        param($node)
        if ($node -is [Collections.IDictionary]) {
            $sorted = [ordered]@{}
            foreach ($key in ($node.Keys | Sort-Object)) { $sorted[$key] = Sort-Json $node[$key] }
            return $sorted
        }
        if ($node -is [Collections.IList]) { return , @($node | ForEach-Object { Sort-Json $_ }) }
        $node
    }
    function Set-Edit {
        param([object[]] $Path, $Value, [switch] $BeforeNextPut)
        Invoke-CseTestVcdControl $Vcd '/__edit' @{ path = $Path; value = $Value; beforeNextPut = [bool]$BeforeNextPut } | Out-Null
    }
}

AfterAll {
    if ($Vcd) { Stop-CseTestVcdServer $Vcd }
}

Describe 'Set-CseServerConfiguration' {
    BeforeEach {
        Invoke-CseTestVcdControl $Vcd '/__reset' | Out-Null
        $script:Backups = New-TestFolder 'vcd-backup'
    }

    It 'sets the registry and certificates with exactly one PUT, sent with If-Match, every other field unchanged' {
        $before = Get-ServedEntity
        $result = Set-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -CaCertificate $Ca -ContainerRegistryUrl 'localhost:5000/cse' `
            -Certificate $Ca -NoProxy 'localhost:5000' -BackupPath $Backups -Confirm:$false
        $result.PSObject.TypeNames[0] | Should -Be 'CseAirgap.PowerShell.Output.CseServerConfigurationResult'
        $result.RestartRequired | Should -BeTrue
        $result.NextStep | Should -Match 'Restart the CSE server VM'
        $result.Merged | Should -BeFalse
        @($result.Changes.Field) | Should -Be @('profiles[0].containerRegistryUrl', 'profiles[0].bootstrapClusterConfig.certificateAuthorities',
            'profiles[0].K8Config.certificateAuthorities', 'profiles[0].bootstrapClusterConfig.proxyConfig.noProxy')

        $puts = Get-Puts
        $puts.Count | Should -Be 1
        $puts[0].ifMatch | Should -Be $before.ETag
        $sent = $puts[0].body | ConvertFrom-Json -AsHashtable -Depth 50
        $profile = $sent.entity.profiles[0]
        $profile.containerRegistryUrl | Should -Be 'localhost:5000/cse'
        $profile.bootstrapClusterConfig.proxyConfig.noProxy | Should -Be 'localhost,127.0.0.1,.svc.cluster.local,localhost:5000'
        foreach ($list in $profile.bootstrapClusterConfig.certificateAuthorities, $profile.K8Config.certificateAuthorities) {
            @($list).Count | Should -Be 1
            ([Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem($list[0])).Thumbprint | Should -Be $CaCert.Thumbprint
        }
        Remove-Field $sent $Changed | Should -Be (Remove-Field $before.Json $Changed) -Because 'every field not asked to change goes back equal, unknown ones included'
        foreach ($number in '"ratio":1.10', '"leaseSeconds":3600', '"scale":1e3', '"serial":12345678901234567890', '"maxUnhealthyNodes":100.0', '"rdePollIntervalInMin":1') {
            ($puts[0].body -replace '\s', '').Contains($number) | Should -BeTrue -Because "the number $number keeps its text"
        }
        $profile.vcdKeInstances[0].vcdKeInstanceId | Should -Be '4b6a0c56-0f4e-4c1f-8a43-b86fd1ea7f29'

        Test-Path $result.BackupPath | Should -BeTrue
        (Split-Path $result.BackupPath) | Should -Be $Backups
        # The backup is the entity as read, but for its one secret (the GitHub token), which is never written to disk.
        $backup = Get-Content -Raw $result.BackupPath
        $backup | Should -Not -Match 'ghp_FixtureSecretNeverPrinted'
        $saved = $backup | ConvertFrom-Json -AsHashtable -Depth 50
        $saved.entity.profiles[0].githubConfig.githubPersonalAccessToken | Should -BeLike '<removed by CseAirgap*'
        $expected = $before.Raw | ConvertFrom-Json -AsHashtable -Depth 50
        $expected.entity.profiles[0].githubConfig.githubPersonalAccessToken = $saved.entity.profiles[0].githubConfig.githubPersonalAccessToken
        (Sort-Json $saved | ConvertTo-Json -Depth 50 -Compress) | Should -Be (Sort-Json $expected | ConvertTo-Json -Depth 50 -Compress)
        foreach ($number in '"ratio":1.10', '"leaseSeconds":3600', '"scale":1e3') {
            ($backup -replace '\s', '').Contains($number) | Should -BeTrue -Because "the backup keeps the number $number as it was written"
        }
        (Get-ServedEntity).ETag | Should -Be $result.ETag
    }

    It '-WhatIf shows each field''s change and sends no PUT and writes no backup' {
        $verbose = Set-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -CaCertificate $Ca -ContainerRegistryUrl 'localhost/cse' `
            -Certificate $Ca -CertificateScope Cluster -BackupPath $Backups -WhatIf -Verbose 4>&1 | Out-String
        $verbose | Should -Match "profiles\[0\]\.containerRegistryUrl: 'projects\.registry\.vmware\.com' -> 'localhost/cse'"
        $verbose | Should -Match 'profiles\[0\]\.K8Config\.certificateAuthorities: 0 certificates -> 1 certificate'
        $verbose | Should -Not -Match 'bootstrapClusterConfig\.certificateAuthorities' -Because '-CertificateScope Cluster'
        Get-Puts | Should -BeNullOrEmpty
        @(Get-ChildItem $Backups) | Should -BeNullOrEmpty
        (Get-VcdLog)[-1].method | Should -Be 'DELETE' -Because 'the session is logged out under -WhatIf too'
    }

    It 'refuses <Case> before logging in' -ForEach @(
        @{ Case = 'a scheme'; Url = 'https://harbor.corp.local' }
        @{ Case = 'a trailing /tkg'; Url = 'harbor.corp.local/cse/tkg' }
        @{ Case = 'a trailing slash'; Url = 'harbor.corp.local/' }
    ) {
        { Set-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -CaCertificate $Ca -ContainerRegistryUrl $Url -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidCseConfiguration*'
        Get-VcdLog | Should -BeNullOrEmpty
    }

    It 'refuses a registry host that does not resolve, and writes nothing' {
        { Set-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -CaCertificate $Ca -ContainerRegistryUrl 'registry.cseairgap.invalid/cse' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidCseConfiguration*'
        Get-Puts | Should -BeNullOrEmpty
    }

    It 'refuses a registry the bootstrap VM would reach through its proxy, and accepts it with -NoProxy' {
        Set-Edit -Path 'profiles', 0, 'bootstrapClusterConfig', 'proxyConfig', 'httpsProxy' -Value 'http://proxy.corp.local:3128'
        $err = $null
        try { Set-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -CaCertificate $Ca -ContainerRegistryUrl '127.0.0.2:5000/cse' -BackupPath $Backups -Confirm:$false -ErrorAction Stop }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidCseConfiguration*'
        $err.Exception.Message | Should -Match "-NoProxy '127\.0\.0\.2'"
        Get-Puts | Should -BeNullOrEmpty
        $result = Set-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -CaCertificate $Ca -ContainerRegistryUrl '127.0.0.2:5000/cse' -NoProxy 127.0.0.2 -BackupPath $Backups -Confirm:$false
        $result.RestartRequired | Should -BeTrue
        @(Get-Puts).Count | Should -Be 1
    }

    It 'refuses a certificate that does not parse, and adds a certificate already present no second time' {
        $bad = Join-Path $Backups 'bad.pem'
        Set-Content $bad "-----BEGIN CERTIFICATE-----`nbm90IGEgY2VydGlmaWNhdGU=`n-----END CERTIFICATE-----"
        { Set-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -CaCertificate $Ca -Certificate $bad -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidCseConfiguration*'
        Get-VcdLog | Should -BeNullOrEmpty

        $first = Set-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -CaCertificate $Ca -Certificate $Ca, $CaCert, (Get-Content -Raw $Ca) -BackupPath $Backups -Confirm:$false
        @($first.Changes).Count | Should -Be 2
        $again = Set-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -CaCertificate $Ca -Certificate $CaCert -BackupPath $Backups -Confirm:$false
        $again.RestartRequired | Should -BeFalse
        @($again.Changes).Count | Should -Be 0
        @(Get-Puts).Count | Should -Be 1
        @((Get-ServedEntity).Json.entity.profiles[0].K8Config.certificateAuthorities).Count | Should -Be 1
    }

    It 'takes Get-CseRegistryCertificate''s output from the pipeline' {
        $tls = Assert-CseTestService 'tls'
        $chain = @(Get-CseRegistryCertificate -Registry $tls.Host)
        $result = Get-CseRegistryCertificate -Registry $tls.Host | Set-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -CaCertificate $Ca -CertificateScope Bootstrap -BackupPath $Backups -Confirm:$false
        @($result.Changes.Field) | Should -Be @('profiles[0].bootstrapClusterConfig.certificateAuthorities')
        $stored = @((Get-ServedEntity).Json.entity.profiles[0].bootstrapClusterConfig.certificateAuthorities |
                ForEach-Object { ([Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem($_)).Thumbprint })
        $stored | Should -Be @($chain.Thumbprint)
    }

    It 'on 412 re-reads, keeps the other change and writes its own with the new ETag' {
        Set-Edit -BeforeNextPut -Path 'profiles', 0, 'serverConfig', 'rdePollIntervalInMin' -Value 5
        $result = Set-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -CaCertificate $Ca -ContainerRegistryUrl 'localhost/cse' -BackupPath $Backups -Confirm:$false
        $result.Merged | Should -BeTrue
        $puts = Get-Puts
        $puts.Count | Should -Be 2
        $puts.status | Should -Be @(412, 200)
        $puts[1].ifMatch | Should -Not -Be $puts[0].ifMatch
        $served = Get-ServedEntity
        $served.Json.entity.profiles[0].serverConfig.rdePollIntervalInMin | Should -Be 5
        $served.Json.entity.profiles[0].containerRegistryUrl | Should -Be 'localhost/cse'
        $served.ETag | Should -Be $result.ETag
    }

    It 'on 412 from a change to a field it was asked to set, writes nothing and reports both values' {
        Set-Edit -BeforeNextPut -Path 'profiles', 0, 'containerRegistryUrl' -Value 'other.corp.local'
        $err = $null
        try { Set-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -CaCertificate $Ca -ContainerRegistryUrl 'localhost/cse' -BackupPath $Backups -Confirm:$false -ErrorAction Stop }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'CseConfigurationConflict*'
        $err.Exception.Message | Should -Match 'other\.corp\.local'
        $err.Exception.Message | Should -Match 'localhost/cse'
        @(Get-Puts).Count | Should -Be 1 -Because 'only the PUT that met the 412'
        (Get-ServedEntity).Json.entity.profiles[0].containerRegistryUrl | Should -Be 'other.corp.local'
        (Get-VcdLog)[-1].method | Should -Be 'DELETE'
    }

    It 'never writes a password, an API token, an access token or the entity''s GitHub token to any stream' {
        $all = & {
            Set-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -CaCertificate $Ca -ContainerRegistryUrl 'localhost/cse' -Certificate $Ca -BackupPath $Backups -WhatIf -Verbose
            Set-CseServerConfiguration -Server $Server -ApiToken $Vcd.ApiToken -CaCertificate $Ca -ContainerRegistryUrl 'localhost/cse' -Certificate $Ca -BackupPath $Backups -Confirm:$false -Verbose | Format-List * | Out-String
            try { Set-CseServerConfiguration -Server $Server -Credential $Vcd.Tenant -CaCertificate $Ca -ContainerRegistryUrl 'localhost/cse' -Confirm:$false -Verbose -ErrorAction Stop }
            catch { $_ | Format-List * -Force | Out-String }
        } *>&1 | Out-String
        $all | Should -Match 'containerRegistryUrl' -Because 'verbose output was captured'
        $issued = @((Invoke-CseTestVcdControl $Vcd '/__sessions').issued)
        $issued.Count | Should -BeGreaterOrEqual 3
        foreach ($secret in @($Vcd.Secrets) + $issued + 'ghp_FixtureSecretNeverPrinted0123456789') {
            $all.Contains($secret) | Should -BeFalse -Because 'no secret reaches any stream'
        }
    }
}
