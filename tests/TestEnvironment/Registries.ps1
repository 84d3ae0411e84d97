# The distribution registries of a test run, their certificates and the token service.

$script:TokenIssuer = 'cseairgap-test-tokens'
$script:TokenServiceName = 'cseairgap-test-registry'

function Invoke-OpenSsl {
    $output = & openssl @args 2>&1
    if ($LASTEXITCODE -ne 0) { throw "openssl $($args -join ' ') failed: $output" }
}

function New-TestCertificates {
    <# A CA made for this run, a server certificate for 127.0.0.1/localhost it signs, and the token signing pair. #>
    param($Environment)
    $dir = Join-Path $Environment.Root 'pki'
    $certDir = Join-Path $dir 'certs.d'
    New-Item -ItemType Directory -Force $dir, $certDir | Out-Null
    $ca = Join-Path $dir 'ca.crt'
    Invoke-OpenSsl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=CseAirgap Test CA' -keyout (Join-Path $dir 'ca.key') -out $ca `
        -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign'
    Invoke-OpenSsl req -newkey rsa:2048 -nodes -subj '/CN=127.0.0.1' -keyout (Join-Path $dir 'server.key') -out (Join-Path $dir 'server.csr')
    Set-Content (Join-Path $dir 'server.ext') "subjectAltName=IP:127.0.0.1,DNS:localhost`nextendedKeyUsage=serverAuth`nbasicConstraints=CA:FALSE"
    Invoke-OpenSsl x509 -req -in (Join-Path $dir 'server.csr') -CA $ca -CAkey (Join-Path $dir 'ca.key') -CAcreateserial -days 2 `
        -extfile (Join-Path $dir 'server.ext') -out (Join-Path $dir 'server.crt')
    Invoke-OpenSsl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=CseAirgap Test Token Signer' `
        -keyout (Join-Path $dir 'token.key') -out (Join-Path $dir 'token.crt')
    Copy-Item $ca (Join-Path $certDir 'ca.crt')
    $Environment.CaFile = $ca
    $Environment.CertDir = $certDir
}

function Start-TokenService {
    param($Environment)
    $server = Join-Path $script:RepoRoot 'out/testserver/TestServer.dll'
    # Always built: dotnet's incremental build makes this cheap, and a stale server would mislead.
    & dotnet build (Join-Path $script:RepoRoot 'tests/TestServer/TestServer.csproj') -c Release -o (Split-Path $server) --nologo -v quiet | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'The test servers (tests/TestServer) did not build: run dotnet build tests/TestServer to see why.' }
    $port = Get-CseTestFreePort
    $pki = Join-Path $Environment.Root 'pki'
    $started = Start-ServiceProcess -Environment $Environment -Name 'token-service' -FilePath 'dotnet' -ArgumentList @(
        $server, 'token', '--port', $port, '--issuer', $script:TokenIssuer, '--service', $script:TokenServiceName,
        '--key', (Join-Path $pki 'token.key'), '--cert', (Join-Path $pki 'token.crt'),
        # Over TLS with the run's server certificate, as Harbor's: clients send credentials to a realm only over HTTPS.
        '--tls-cert', (Join-Path $pki 'server.crt'), '--tls-key', (Join-Path $pki 'server.key')) -Variables @{
        CSEAIRGAP_TOKEN_USERS = "cse-admin:$($env:CSEAIRGAP_TEST_ADMIN_PASSWORD);cse-reader:$($env:CSEAIRGAP_TEST_READER_PASSWORD):pull"
    }
    $url = "https://127.0.0.1:$port/token"
    $err = Wait-ServiceReady -Started $started -Probe { (Invoke-WebRequest "https://127.0.0.1:$port/health" -SkipCertificateCheck -SkipHttpErrorCheck -TimeoutSec 2).StatusCode -eq 200 }
    $Environment.Services['token-service'] = @{ Name = 'token-service'; Url = $url; Error = $err }
}

function Start-CseTestRegistry {
    <#
    .SYNOPSIS
        Starts one distribution registry: Http (plain), Tls (the run's CA), Basic (TLS + htpasswd) or
        Token (TLS + bearer tokens from the run's token service: anonymous pull, push for cse-admin).
    #>
    param($Environment, [Parameter(Mandatory)][string] $Name, [ValidateSet('Http', 'Tls', 'Basic', 'Token')][string] $Kind,
        # One log line per request in <root>/registry-<name>.log, for the benchmark's request counts.
        [switch] $AccessLog)
    $port = Get-CseTestFreePort
    $dir = Join-Path $Environment.Root "registry-$Name"
    New-Item -ItemType Directory -Force (Join-Path $dir 'data') | Out-Null
    $pki = Join-Path $Environment.Root 'pki'
    $tls = if ($Kind -ne 'Http') { "  tls:`n    certificate: $(Join-Path $pki 'server.crt')`n    key: $(Join-Path $pki 'server.key')`n" } else { '' }
    $auth = switch ($Kind) {
        'Basic' {
            # A low bcrypt cost: the registry checks the hash on every request.
            $htpasswd = Join-Path $dir 'htpasswd'
            & htpasswd -Bbn -C 5 cse-admin $env:CSEAIRGAP_TEST_ADMIN_PASSWORD | Set-Content $htpasswd
            & htpasswd -Bbn -C 5 cse-reader $env:CSEAIRGAP_TEST_READER_PASSWORD | Add-Content $htpasswd
            "auth:`n  htpasswd:`n    realm: cseairgap-test`n    path: $htpasswd`n"
        }
        'Token' {
            "auth:`n  token:`n    realm: $($Environment.Services['token-service'].Url)`n    service: $script:TokenServiceName`n    issuer: $script:TokenIssuer`n    rootcertbundle: $(Join-Path $pki 'token.crt')`n"
        }
        default { '' }
    }
    $config = Join-Path $dir 'config.yml'
    Set-Content $config @"
version: 0.1
log:
  level: warn
  accesslog:
    disabled: $((-not $AccessLog).ToString().ToLowerInvariant())
storage:
  filesystem:
    rootdirectory: $(Join-Path $dir 'data')
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$port
  secret: $(New-RandomSecret)
$tls$auth
"@
    $started = Start-ServiceProcess -Environment $Environment -Name "registry-$Name" -FilePath 'docker-registry' -ArgumentList @('serve', $config)
    $scheme = if ($Kind -eq 'Http') { 'http' } else { 'https' }
    $err = Wait-ServiceReady -Started $started -Probe {
        (Invoke-WebRequest "${scheme}://127.0.0.1:$port/v2/" -SkipCertificateCheck -SkipHttpErrorCheck -TimeoutSec 2).StatusCode -in 200, 401
    }
    $registry = @{
        Name = $Name; Kind = $Kind; Host = "127.0.0.1:$port"; Port = $port; Scheme = $scheme
        Url = "${scheme}://127.0.0.1:$port"; DataDir = (Join-Path $dir 'data'); Error = $err; Log = $started.Log
        # The registry's own process (bash exec's it), whose CPU time the benchmark reads from /proc.
        Pid = $started.Process.Id
        # What to pass as -Registry: http:// must be written for a plain registry.
        Base = if ($Kind -eq 'Http') { "http://127.0.0.1:$port" } else { "127.0.0.1:$port" }
    }
    $Environment.Registries[$Name] = $registry
    $registry
}

function Get-CseTestSkopeoArgs {
    <#
    .SYNOPSIS
        skopeo's trust and credential options for a test registry, as source (src) or destination (dest).
    #>
    param([Parameter(Mandatory)] $Registry, [ValidateSet('src', 'dest')][string] $Side = 'src', [switch] $Credential, $Environment)
    if (-not $Environment) { $Environment = Get-CseTestEnvironment }
    $a = @(if ($Registry.Scheme -eq 'http') { "--$Side-tls-verify=false" } else { "--$Side-cert-dir=$($Environment.CertDir)" })
    if ($Credential) { $a += @("--$Side-creds", "cse-admin:$($env:CSEAIRGAP_TEST_ADMIN_PASSWORD)") }
    elseif ($Side -eq 'src') { $a += "--$Side-no-creds" }
    $a
}

function Invoke-CseTestSkopeo {
    <# Runs skopeo (no signature policy: fixtures are unsigned) and throws with its output when it fails. #>
    $output = & skopeo --insecure-policy @args 2>&1
    if ($LASTEXITCODE -ne 0) { throw "skopeo $($args[0]) failed: $($output -join "`n")" }
    $output
}

function Start-CseTestFaultProxy {
    <# A plain-HTTP proxy in front of a test registry that misbehaves on the next -Count blob downloads. #>
    param([Parameter(Mandatory)] $Registry, [ValidateSet('drop', 'corrupt', '503', '429', 'slow', '413')][string] $Fault, [int] $Count = 1)
    $environment = Get-CseTestEnvironment
    $port = Get-CseTestFreePort
    $server = Join-Path $script:RepoRoot 'out/testserver/TestServer.dll'
    $holder = [pscustomobject]@{ Root = $environment.Root; Processes = [Collections.Generic.List[object]]::new() }
    $started = Start-ServiceProcess -Environment $holder -Name "proxy-$port" -FilePath 'dotnet' -ArgumentList @(
        $server, 'proxy', '--port', $port, '--upstream', $Registry.Url, '--fault', $Fault, '--count', $Count)
    $err = Wait-ServiceReady -Started $started -Probe { (Invoke-WebRequest "http://127.0.0.1:$port/__faults" -TimeoutSec 2).StatusCode -eq 200 }
    if ($err) { Stop-CseTestProcess $started; throw "The fault proxy did not start: $err" }
    [pscustomobject]@{ Process = $started.Process; Log = $started.Log; Host = "127.0.0.1:$port"; Url = "http://127.0.0.1:$port" }
}

function Start-CseTestShapingProxy {
    <#
    .SYNOPSIS
        A WAN link (tests/TestServer shape) in front of a registry, for the benchmark: -DelayMs each way, -FlowMbit per
        connection, -LinkMbit for all connections. Url is plain HTTP; GET <Url>/__stats counts requests and body bytes.
    #>
    param([Parameter(Mandatory)] $Registry, [double] $DelayMs = 40, [double] $FlowMbit = 40, [double] $LinkMbit = 200, $Environment)
    if (-not $Environment) { $Environment = Get-CseTestEnvironment }
    $port = Get-CseTestFreePort
    $server = Join-Path $script:RepoRoot 'out/testserver/TestServer.dll'
    $started = Start-ServiceProcess -Environment $Environment -Name "shape-$port" -FilePath 'dotnet' -ArgumentList @(
        $server, 'shape', '--port', $port, '--upstream', $Registry.Url, '--delay-ms', $DelayMs, '--flow-mbit', $FlowMbit, '--link-mbit', $LinkMbit)
    $err = Wait-ServiceReady -Started $started -Probe { (Invoke-WebRequest "http://127.0.0.1:$port/__stats" -TimeoutSec 2).StatusCode -eq 200 }
    if ($err) { Stop-CseTestProcess $started; throw "The shaping proxy did not start: $err" }
    [pscustomobject]@{ Process = $started.Process; Log = $started.Log; Host = "127.0.0.1:$port"; Url = "http://127.0.0.1:$port" }
}

function Start-CseTestHostileRegistry {
    <#
    .SYNOPSIS
        A hostile registry (tests/TestServer hostile) in front of a test registry, on two origins: Url (the registry) and
        OtherUrl (another origin). Get-CseTestHostileLog returns what both received.
    #>
    param([Parameter(Mandatory)] $Registry,
        [Parameter(Mandatory)][ValidateSet('plain', 'redirect', 'lying-link', 'self-link', 'lying-location', 'http-realm', 'stall', 'upload-stall', '503-forever', '429-storm', 'huge-manifest',
            'huge-list', 'escape-body', 'sha512-child', 'fan-out', 'hostile-lock', 'ignore-range', 'wrong-range', 'range-storage', 'cut-blob', 'cut-part')][string] $Mode,
        [int] $Seed = 1, [double] $StormSeconds = 20, [int] $Count = [int]::MaxValue, [switch] $Tls, [switch] $NoAuth, [long] $ManifestBytes = 0, [switch] $DeclareLength,
        # huge-list: the size of each page; sha512-child: the tag whose manifest is served in place of the child;
        # hostile-lock: the size of the locked image's config.
        [long] $PageBytes = 0, [string] $Substitute, [long] $ConfigBytes = 0,
        # The range modes (ignore-range, wrong-range, cut-blob, cut-part): blob GETs passed unharmed before the -Count harmed ones.
        [int] $Skip = 0)
    $environment = Get-CseTestEnvironment
    $port = Get-CseTestFreePort
    $other = Get-CseTestFreePort
    while ($other -eq $port) { $other = Get-CseTestFreePort }
    $server = Join-Path $script:RepoRoot 'out/testserver/TestServer.dll'
    $arguments = @($server, 'hostile', '--port', $port, '--other-port', $other, '--upstream', $Registry.Url, '--mode', $Mode,
        '--seed', $Seed, '--storm-seconds', ([string]$StormSeconds), '--count', $Count, '--auth', $(if ($NoAuth) { 'none' } else { 'basic' }))
    if ($ManifestBytes -gt 0) { $arguments += @('--manifest-bytes', $ManifestBytes) }
    if ($DeclareLength) { $arguments += @('--declare-length', 'true') }
    if ($PageBytes -gt 0) { $arguments += @('--page-bytes', $PageBytes) }
    if ($Substitute) { $arguments += @('--substitute', $Substitute) }
    if ($ConfigBytes -gt 0) { $arguments += @('--config-bytes', $ConfigBytes) }
    if ($Skip -gt 0) { $arguments += @('--skip', $Skip) }
    $pki = Join-Path $environment.Root 'pki'
    if ($Tls) { $arguments += @('--cert', (Join-Path $pki 'server.crt'), '--key', (Join-Path $pki 'server.key')) }
    $scheme = if ($Tls) { 'https' } else { 'http' }
    $holder = [pscustomobject]@{ Root = $environment.Root; Processes = [Collections.Generic.List[object]]::new() }
    $started = Start-ServiceProcess -Environment $holder -Name "hostile-$port" -FilePath 'dotnet' -ArgumentList $arguments
    $err = Wait-ServiceReady -Started $started -Probe {
        (Invoke-WebRequest "${scheme}://127.0.0.1:$port/__log" -SkipCertificateCheck -TimeoutSec 2).StatusCode -eq 200 -and
        (Invoke-WebRequest "http://127.0.0.1:$other/__log" -TimeoutSec 2).StatusCode -eq 200
    }
    if ($err) { Stop-CseTestProcess $started; throw "The hostile registry did not start: $err" }
    [pscustomobject]@{
        Process = $started.Process; Log = $started.Log; Host = "127.0.0.1:$port"; Url = "${scheme}://127.0.0.1:$port"
        OtherHost = "127.0.0.1:$other"; OtherUrl = "http://127.0.0.1:$other"
        # What to pass as -Registry or -SourceMirror: http:// must be written for a plain registry.
        Base = if ($Tls) { "127.0.0.1:$port" } else { "http://127.0.0.1:$port" }
    }
}

function Get-CseTestHostileLog {
    <# Every request the hostile registry received on either origin: Listener (main|other), Method, Path, Host, Authorization (bool), Range, Status, Bytes. #>
    param([Parameter(Mandatory)] $Hostile)
    Invoke-RestMethod "$($Hostile.OtherUrl)/__log"
}

function New-CseTestServerCertificate {
    <# A new CA of its own and a certificate for 127.0.0.1 it signs, in $Folder: a registry that changed its certificate. #>
    param([Parameter(Mandatory)][string] $Folder, [string] $CaName = 'CseAirgap Other Test CA')
    New-Item -ItemType Directory -Force $Folder | Out-Null
    $ca = Join-Path $Folder 'ca.crt'
    Invoke-OpenSsl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$CaName" -keyout (Join-Path $Folder 'ca.key') -out $ca `
        -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign'
    Invoke-OpenSsl req -newkey rsa:2048 -nodes -subj '/CN=127.0.0.1' -keyout (Join-Path $Folder 'server.key') -out (Join-Path $Folder 'server.csr')
    Set-Content (Join-Path $Folder 'server.ext') "subjectAltName=IP:127.0.0.1,DNS:localhost`nextendedKeyUsage=serverAuth`nbasicConstraints=CA:FALSE"
    Invoke-OpenSsl x509 -req -in (Join-Path $Folder 'server.csr') -CA $ca -CAkey (Join-Path $Folder 'ca.key') -CAcreateserial -days 2 `
        -extfile (Join-Path $Folder 'server.ext') -out (Join-Path $Folder 'server.crt')
    [pscustomobject]@{ CaFile = $ca; CertFile = (Join-Path $Folder 'server.crt'); KeyFile = (Join-Path $Folder 'server.key') }
}

function Start-CseTestOwnTlsRegistry {
    <#
        A TLS registry (no auth) a test owns, on its data folder and port, so the test can restart it with another
        certificate over the same content. The caller stops it with Stop-CseTestProcess.
    #>
    param([Parameter(Mandatory)][string] $DataDir, [Parameter(Mandatory)][string] $CertFile, [Parameter(Mandatory)][string] $KeyFile, [int] $Port)
    if (-not $Port) { $Port = Get-CseTestFreePort }
    $environment = Get-CseTestEnvironment
    New-Item -ItemType Directory -Force $DataDir | Out-Null
    $config = Join-Path (Split-Path $DataDir) "own-registry-$Port-$([Guid]::NewGuid().ToString('N').Substring(0, 6)).yml"
    Set-Content $config @"
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $DataDir
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$Port
  secret: $(New-RandomSecret)
  tls:
    certificate: $CertFile
    key: $KeyFile
"@
    $holder = [pscustomobject]@{ Root = $environment.Root; Processes = [Collections.Generic.List[object]]::new() }
    $started = Start-ServiceProcess -Environment $holder -Name "own-registry-$Port" -FilePath 'docker-registry' -ArgumentList @('serve', $config)
    $err = Wait-ServiceReady -Started $started -Probe {
        (Invoke-WebRequest "https://127.0.0.1:$Port/v2/" -SkipCertificateCheck -SkipHttpErrorCheck -TimeoutSec 2).StatusCode -eq 200
    }
    if ($err) { Stop-CseTestProcess $started; throw "The test's own registry did not start: $err" }
    [pscustomobject]@{ Process = $started.Process; Port = $Port; Host = "127.0.0.1:$Port"; Base = "127.0.0.1:$Port"; Scheme = 'https'; Url = "https://127.0.0.1:$Port" }
}
