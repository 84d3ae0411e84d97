# The VMware Cloud Director test server (tests/TestServer vcd): started and stopped by the test file that uses it.

function Start-CseTestVcdServer {
    <#
    .SYNOPSIS
        A VCD cloudapi of our own over TLS (the run's server certificate), with a provider user, a tenant user, a
        provider user without rights on CSE's entity type (viewer), and two API tokens (a provider's and a tenant's),
        all with random secrets. Stop it with Stop-CseTestVcdServer from the run that started it.
    #>
    $environment = Get-CseTestEnvironment
    $port = Get-CseTestFreePort
    $server = Join-Path $script:RepoRoot 'out/testserver/TestServer.dll'
    $pki = Join-Path $environment.Root 'pki'
    $secrets = @{ Admin = New-RandomSecret; Tenant = New-RandomSecret; Viewer = New-RandomSecret; Token = New-RandomSecret; TenantToken = New-RandomSecret }
    $holder = [pscustomobject]@{ Root = $environment.Root; Processes = [Collections.Generic.List[object]]::new() }
    $started = Start-ServiceProcess -Environment $holder -Name "vcd-$port" -FilePath 'dotnet' -ArgumentList @(
        $server, 'vcd', '--port', $port, '--cert', (Join-Path $pki 'server.crt'), '--key', (Join-Path $pki 'server.key')) -Variables @{
        CSEAIRGAP_VCD_USERS  = "administrator@System:$($secrets.Admin);tenant-admin@acme:$($secrets.Tenant);viewer@System:$($secrets.Viewer)"
        CSEAIRGAP_VCD_TOKENS = "$($secrets.Token)=administrator@System;$($secrets.TenantToken)=tenant-admin@acme"
    }
    $url = "https://127.0.0.1:$port"
    $err = Wait-ServiceReady -Started $started -Probe { (Invoke-WebRequest "$url/__log" -SkipCertificateCheck -TimeoutSec 2).StatusCode -eq 200 }
    if ($err) { Stop-CseTestProcess $started; throw "The VCD test server did not start: $err" }
    $credential = { param($name, $secret) [pscredential]::new($name, (ConvertTo-SecureString $secret -AsPlainText -Force)) }
    [pscustomobject]@{
        Process = $started.Process; Log = $started.Log; Url = $url; Host = "127.0.0.1:$port"; CaFile = $environment.CaFile
        Admin = & $credential 'administrator' $secrets.Admin
        Tenant = & $credential 'tenant-admin@acme' $secrets.Tenant
        Viewer = & $credential 'viewer@System' $secrets.Viewer
        ApiToken = ConvertTo-SecureString $secrets.Token -AsPlainText -Force
        TenantApiToken = ConvertTo-SecureString $secrets.TenantToken -AsPlainText -Force
        # Every secret of this server, for the tests that prove none reaches an output stream.
        Secrets = @($secrets.Values)
    }
}

function Stop-CseTestVcdServer {
    param([Parameter(Mandatory)] $Vcd)
    Stop-CseTestProcess $Vcd.Process
}

function Invoke-CseTestVcdControl {
    <# The VCD test server's controls: GET /__log, /__entity, /__sessions; POST /__reset, /__control, /__edit with a body. #>
    param([Parameter(Mandatory)] $Vcd, [Parameter(Mandatory)][string] $Path, $Body)
    $answer = if ($PSBoundParameters.ContainsKey('Body')) {
        Invoke-RestMethod -Method Post "$($Vcd.Url)$Path" -SkipCertificateCheck -ContentType 'application/json' -Body (ConvertTo-Json $Body -Depth 20 -Compress)
    }
    elseif ($Path -eq '/__reset') { Invoke-RestMethod -Method Post "$($Vcd.Url)$Path" -SkipCertificateCheck }
    else { Invoke-RestMethod "$($Vcd.Url)$Path" -SkipCertificateCheck }
    # Invoke-RestMethod writes a JSON array as one object: its items, one by one.
    $answer
}
