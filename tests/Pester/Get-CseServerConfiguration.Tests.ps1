BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    # A VCD cloudapi of our own (tests/TestServer vcd), built from VCD's documented API: started here, stopped here.
    $script:Vcd = Start-CseTestVcdServer
    $script:Server = $Vcd.Host
    $script:Ca = $Vcd.CaFile

    function Get-VcdLog { @(Invoke-CseTestVcdControl $Vcd '/__log') }
}

AfterAll {
    if ($Vcd) { Stop-CseTestVcdServer $Vcd }
}

Describe 'Get-CseServerConfiguration' {
    BeforeEach { Invoke-CseTestVcdControl $Vcd '/__reset' | Out-Null }

    It 'returns the registry, versions, entity id and ETag from a provider session, and logs out' {
        $config = Get-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -CaCertificate $Ca
        $config.PSObject.TypeNames[0] | Should -Be 'CseAirgap.PowerShell.Output.CseServerConfiguration'
        $config.ContainerRegistryUrl | Should -Be 'projects.registry.vmware.com'
        $config.CseVersion | Should -Be '4.2.3'
        $config.CapvcdVersion | Should -Be 'v1.3.2'
        $config.CpiVersion | Should -Be '1.6.1'
        $config.CsiVersion | Should -Be '1.6.1'
        $config.NoProxy | Should -Be @('localhost', '127.0.0.1', '.svc.cluster.local')
        $config.EntityId | Should -BeLike 'urn:vcloud:entity:vmware:VCDKEConfig:*'
        $served = Invoke-WebRequest "$($Vcd.Url)/__entity" -SkipCertificateCheck
        $config.ETag | Should -Be ([string]$served.Headers.ETag)

        $log = Get-VcdLog
        $log[0].path | Should -Be '/api/versions'
        $log[1].method, $log[1].path, $log[1].auth | Should -Be 'POST', '/cloudapi/1.0.0/sessions/provider', 'Basic'
        $log[1].accept | Should -Match '^application/json;\s*version=38\.0$' -Because 'the highest version listed'
        @($log | Select-Object -Skip 2 | Where-Object auth -NE 'Bearer') | Should -BeNullOrEmpty -Because 'after login only the session token is sent'
        $log[-1].method, $log[-1].path | Should -Be 'DELETE', '/cloudapi/1.0.0/sessions/current'
        (Invoke-CseTestVcdControl $Vcd '/__sessions').live | Should -Be 0
    }

    It 'treats a bare user name and user@System alike' {
        $system = [pscredential]::new('administrator@System', $Vcd.Admin.Password)
        (Get-CseServerConfiguration -Server $Server -Credential $system -CaCertificate $Ca).ContainerRegistryUrl | Should -Be 'projects.registry.vmware.com'
        (Get-CseServerConfiguration -Server "https://$Server/provider" -Credential $Vcd.Admin -CaCertificate $Ca).ContainerRegistryUrl | Should -Be 'projects.registry.vmware.com'
    }

    It 'logs in with an API token (refresh_token grant, form body) and logs out' {
        $config = Get-CseServerConfiguration -Server $Server -ApiToken $Vcd.ApiToken -CaCertificate $Ca
        $config.ContainerRegistryUrl | Should -Be 'projects.registry.vmware.com'
        $log = Get-VcdLog
        $log[1].method, $log[1].path | Should -Be 'POST', '/oauth/provider/token'
        $log[2].path, $log[2].auth | Should -Be '/cloudapi/1.0.0/sessions/current', 'Bearer'
        $log[-1].method | Should -Be 'DELETE'
        (Invoke-CseTestVcdControl $Vcd '/__sessions').live | Should -Be 0
    }

    It 'refuses a tenant session as not a provider, and logs it out' {
        $null = Get-CseServerConfiguration -Server $Server -Credential $Vcd.Tenant -CaCertificate $Ca -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'VcdNotProvider*'
        $problems[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $problems[0].Exception.Message | Should -Match 'acme'
        @(Get-VcdLog | Where-Object path -Like '/cloudapi/1.0.0/entities*') | Should -BeNullOrEmpty
        (Invoke-CseTestVcdControl $Vcd '/__sessions').live | Should -Be 0
    }

    It 'reports a wrong password, a tenant API token and a user without rights each by its own error ID' {
        $wrong = [pscredential]::new('administrator', (ConvertTo-SecureString 'not-the-password' -AsPlainText -Force))
        $null = Get-CseServerConfiguration -Server $Server -Credential $wrong -CaCertificate $Ca -ErrorVariable e1 -ErrorAction SilentlyContinue
        $e1[0].FullyQualifiedErrorId | Should -BeLike 'VcdAuthenticationFailed*'
        $e1[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $null = Get-CseServerConfiguration -Server $Server -ApiToken $Vcd.TenantApiToken -CaCertificate $Ca -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -BeLike 'VcdAuthenticationFailed*'
        $null = Get-CseServerConfiguration -Server $Server -Credential $Vcd.Viewer -CaCertificate $Ca -ErrorVariable e3 -ErrorAction SilentlyContinue
        $e3[0].FullyQualifiedErrorId | Should -BeLike 'VcdAccessDenied*'
        $e3[0].CategoryInfo.TargetName | Should -Be $Server
        (Invoke-CseTestVcdControl $Vcd '/__sessions').live | Should -Be 0 -Because 'the viewer session is logged out too'
    }

    It 'refuses a VCD that lists no API version of 35.0 or later, before sending any credential' {
        Invoke-CseTestVcdControl $Vcd '/__control' @{ versions = @('31.0', '33.0', '34.0') } | Out-Null
        $null = Get-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -CaCertificate $Ca -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'VcdApiVersionUnsupported*'
        $problems[0].Exception.Message | Should -Match '34\.0'
        @(Get-VcdLog | Where-Object path -NE '/api/versions') | Should -BeNullOrEmpty
    }

    It 'reports a 406 for the version it picked as VcdApiVersionUnsupported' {
        Invoke-CseTestVcdControl $Vcd '/__control' @{ refuse = @('38.0') } | Out-Null
        $null = Get-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -CaCertificate $Ca -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'VcdApiVersionUnsupported*'
        $problems[0].Exception.Message | Should -Match '406'
    }

    It 'follows the entity query page by page and picks the vcdKeConfig entity by name' {
        Invoke-CseTestVcdControl $Vcd '/__control' @{ maxPageSize = 1; ignoreFilter = $true; decoys = 2 } | Out-Null
        $config = Get-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -CaCertificate $Ca
        $config.ContainerRegistryUrl | Should -Be 'projects.registry.vmware.com'
        $queries = @(Get-VcdLog | Where-Object path -EQ '/cloudapi/1.0.0/entities/types/vmware/VCDKEConfig/1.1.0')
        $queries.Count | Should -Be 3
        $queries[0].query | Should -Match 'filter=name==vcdKeConfig'
        $queries.query | Should -Match 'page=[123]&'
    }

    It 'returns the certificate lists as X509Certificate2 objects' {
        $pem = (Get-Content -Raw $Ca).Trim()
        Invoke-CseTestVcdControl $Vcd '/__edit' @{ path = @('profiles', 0, 'K8Config', 'certificateAuthorities'); value = @($pem) } | Out-Null
        $config = Get-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -CaCertificate $Ca
        $config.ClusterCertificates.Count | Should -Be 1
        $config.ClusterCertificates[0] | Should -BeOfType ([Security.Cryptography.X509Certificates.X509Certificate2])
        $config.ClusterCertificates[0].Thumbprint | Should -Be ([Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem($pem)).Thumbprint
        $config.BootstrapCertificates.Count | Should -Be 0
        ($config | Format-List | Out-String) | Should -Match ([regex]::Escape(([Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem($pem)).Subject))
    }

    It 'refuses an untrusted certificate and an http:// address without sending a credential' {
        $null = Get-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -ErrorVariable e1 -ErrorAction SilentlyContinue
        $e1[0].FullyQualifiedErrorId | Should -BeLike 'VcdCertificateUntrusted*'
        $null = Get-CseServerConfiguration -Server "http://$Server" -Credential $Vcd.Admin -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -BeLike 'InsecureVcdConnection*'
        @(Get-VcdLog) | Should -BeNullOrEmpty
        (Get-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -SkipCertificateCheck).ContainerRegistryUrl | Should -Be 'projects.registry.vmware.com'
    }

    It 'never writes a password, an API token, an access token or the entity''s GitHub token to any stream' {
        $all = & {
            Get-CseServerConfiguration -Server $Server -Credential $Vcd.Admin -CaCertificate $Ca -Verbose | Format-List * | Out-String
            Get-CseServerConfiguration -Server $Server -ApiToken $Vcd.ApiToken -CaCertificate $Ca -Verbose | Format-List * | Out-String
            Get-CseServerConfiguration -Server $Server -Credential $Vcd.Tenant -CaCertificate $Ca -Verbose
        } *>&1 | Out-String
        $all | Should -Match 'VCD 127\.0\.0\.1' -Because 'verbose output was captured'
        $issued = @((Invoke-CseTestVcdControl $Vcd '/__sessions').issued)
        $issued.Count | Should -BeGreaterOrEqual 3
        foreach ($secret in @($Vcd.Secrets) + $issued + 'ghp_FixtureSecretNeverPrinted0123456789') {
            $all.Contains($secret) | Should -BeFalse -Because 'no secret reaches any stream'
        }
    }
}
