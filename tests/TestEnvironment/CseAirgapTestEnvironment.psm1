# Test services for CseAirgap. Everything listens on 127.0.0.1, on ports picked at start, with data in a
# temp folder; Stop-CseTestEnvironment ends every process it started. A service that fails to start is
# recorded with its log, and Assert-CseTestService turns that into a clear test failure.
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

. (Join-Path $PSScriptRoot 'Processes.ps1')
. (Join-Path $PSScriptRoot 'Registries.ps1')
. (Join-Path $PSScriptRoot 'Fixtures.ps1')
. (Join-Path $PSScriptRoot 'Vcd.ps1')

$script:RepoRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')
$script:RequiredPackages = [ordered]@{
    'docker-registry' = 'docker-registry'
    'skopeo'          = 'skopeo'
    'umoci'           = 'umoci'
    'dockerd'         = 'docker.io'
    'htpasswd'        = 'apache2-utils'
    'openssl'         = 'openssl'
    'sqlite3'         = 'sqlite3'
    '/usr/bin/time'   = 'time'
    # The benchmark's references: curl's monolithic PUT and minimal-relay.py.
    'curl'            = 'curl'
    'python3'         = 'python3'
    # Expand-CseArtifact's zstd bomb (issue 26) is compressed by the reference zstd.
    'zstd'            = 'zstd'
}

function Install-CseTestPrerequisite {
    <# Installs the Debian packages the test services need, or says exactly what to run. #>
    $missing = @($script:RequiredPackages.GetEnumerator() | Where-Object { -not (Get-Command $_.Key -ErrorAction SilentlyContinue) } | ForEach-Object Value | Select-Object -Unique)
    if ($missing.Count -eq 0) { return }
    $command = "apt-get update && apt-get install -y $($missing -join ' ')"
    $isRoot = (& id -u) -eq '0'
    if (-not $isRoot -or -not (Get-Command apt-get -ErrorAction SilentlyContinue)) {
        throw "The test services need these Debian packages: $($missing -join ', '). Install them as root: $command"
    }
    Write-Host "Installing $($missing -join ', ') ..."
    $env:DEBIAN_FRONTEND = 'noninteractive'
    & apt-get update -q | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "apt-get update failed; run: $command" }
    & apt-get install -y -q @missing | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "apt-get install failed; run: $command" }
}

function Get-CseTestCredential {
    <# The push user (or the pull-only one) of this run, as a PSCredential. #>
    param([ValidateSet('Admin', 'Reader')][string] $User = 'Admin')
    $password = if ($User -eq 'Admin') { $env:CSEAIRGAP_TEST_ADMIN_PASSWORD } else { $env:CSEAIRGAP_TEST_READER_PASSWORD }
    if (-not $password) { throw 'No test environment is running: start it with Start-CseTestEnvironment (build.ps1 Test does).' }
    $name = if ($User -eq 'Admin') { 'cse-admin' } else { 'cse-reader' }
    [pscredential]::new($name, (ConvertTo-SecureString $password -AsPlainText -Force))
}

function Start-CseTestEnvironment {
    <#
    .SYNOPSIS
        Starts the registries (http, tls, basic, token, and the two fixture sources), the token service
        and optionally dockerd; builds and pushes the fixtures. Returns the environment and publishes it
        to tests through $env:CSEAIRGAP_TEST_ENV.
    #>
    param([switch] $Docker, [switch] $Fixtures, [string] $Root)
    if (-not $Root) { $Root = Join-Path ([IO.Path]::GetTempPath()) "cseairgap-test-$PID-$([Guid]::NewGuid().ToString('N').Substring(0, 6))" }
    New-Item -ItemType Directory -Force $Root | Out-Null
    $environment = [pscustomobject]@{
        Root        = $Root
        Registries  = [ordered]@{}
        Services    = [ordered]@{}
        Processes   = [Collections.Generic.List[object]]::new()
        CaFile      = $null
        CertDir     = $null
        DockerHost  = $null
        Fixtures    = $null
        FixtureError = $null
    }
    $env:CSEAIRGAP_TEST_ADMIN_PASSWORD = New-RandomSecret
    $env:CSEAIRGAP_TEST_READER_PASSWORD = New-RandomSecret

    New-TestCertificates -Environment $environment
    Start-TokenService -Environment $environment
    foreach ($spec in @(
            @{ Name = 'http'; Kind = 'Http' }, @{ Name = 'tls'; Kind = 'Tls' }, @{ Name = 'basic'; Kind = 'Basic' },
            @{ Name = 'token'; Kind = 'Token' }, @{ Name = 'source'; Kind = 'Token' }, @{ Name = 'k8s'; Kind = 'Http' })) {
        Start-CseTestRegistry -Environment $environment @spec | Out-Null
    }
    if ($Docker) { Start-TestDockerd -Environment $environment }
    if ($Fixtures) {
        try {
            $environment.Fixtures = New-CseTestFixtureSet -Environment $environment
        }
        catch {
            $environment.FixtureError = "The fixtures could not be built or pushed: $_"
            Write-Warning $environment.FixtureError
        }
    }
    $file = Join-Path $Root 'environment.json'
    $environment | Select-Object Root, Registries, Services, CaFile, CertDir, DockerHost, Fixtures, FixtureError |
        ConvertTo-Json -Depth 10 | Set-Content -Path $file
    $env:CSEAIRGAP_TEST_ENV = $file
    $environment
}

function Stop-CseTestEnvironment {
    param([Parameter(Mandatory, Position = 0)] $Environment)
    $docker = if ($Environment.Services.Contains('docker') -and $Environment.Services['docker'].Pid) { $Environment.Services['docker'] } else { $null }
    if ($docker) { Stop-TestDockerd $Environment $docker }
    foreach ($p in $Environment.Processes) { Stop-CseTestProcess $p }
    if ($docker) { Remove-Item -Recurse -Force $docker.ExecRoot -ErrorAction SilentlyContinue }
    if ($env:CSEAIRGAP_TEST_ENV -and (Split-Path $env:CSEAIRGAP_TEST_ENV) -eq $Environment.Root) { Remove-Item Env:CSEAIRGAP_TEST_ENV }
    # dockerd's vfs layers may hold read-only files, and images exported by the tests hold links into /proc
    # (etc/mtab) that Remove-Item will not delete: rm finishes what it leaves.
    Remove-Item -Recurse -Force $Environment.Root -ErrorAction SilentlyContinue
    if ((Test-Path $Environment.Root) -and (Get-Command rm -CommandType Application -ErrorAction SilentlyContinue)) { & rm -rf -- $Environment.Root 2>$null }
}

function Get-CseTestEnvironment {
    <# The running environment as tests see it. #>
    if (-not $env:CSEAIRGAP_TEST_ENV -or -not (Test-Path $env:CSEAIRGAP_TEST_ENV)) {
        throw 'No test environment is running: run the tests with "dotnet pwsh ./build.ps1 Test", which starts one.'
    }
    Get-Content -Raw $env:CSEAIRGAP_TEST_ENV | ConvertFrom-Json -AsHashtable
}

function Assert-CseTestService {
    <# Fails (never skips) when a service this test needs did not start; returns the service. #>
    param([Parameter(Mandatory)][string] $Name)
    $environment = Get-CseTestEnvironment
    $service = if ($environment.Registries.Contains($Name)) { $environment.Registries[$Name] } elseif ($environment.Services.Contains($Name)) { $environment.Services[$Name] } else { $null }
    if (-not $service) { throw "The test service '$Name' was not started by this run." }
    if ($service.Error) { throw "The test service '$Name' did not start: $($service.Error)" }
    if ($Name -in 'source', 'k8s' -and $environment.FixtureError) { throw $environment.FixtureError }
    $service
}

function New-RandomSecret {
    $bytes = [byte[]]::new(18)
    [Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
    [Convert]::ToBase64String($bytes) -replace '[+/=]', 'x'
}

function Get-CseTestFreePort {
    # Port 0 lets the kernel choose; the listener is closed at once so the service can take the port.
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}
