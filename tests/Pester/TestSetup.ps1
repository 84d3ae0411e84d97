# Dot-sourced by every test file in BeforeAll: the built module, the test services and small helpers.
# Results are checked with skopeo (and docker), never with the module itself.
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:ModulePath = Join-Path $RepoRoot 'out/CseAirgap'
Import-Module (Join-Path $RepoRoot 'tests/TestEnvironment/CseAirgapTestEnvironment.psd1') -Force
Import-Module (Join-Path $ModulePath 'CseAirgap.psd1') -Force

function Invoke-TestPwsh {
    <# Runs a command in a new pwsh (the same PowerShell as this one), so nothing loaded here helps it along. #>
    param([Parameter(Mandatory)][string[]] $ArgumentList)
    $output = & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive @ArgumentList 2>&1
    [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output -join "`n"); Lines = $output }
}

function Get-TestScratch {
    <# A folder inside the running environment's root, which Stop-CseTestEnvironment removes. #>
    $root = Join-Path (Get-CseTestEnvironment).Root 'scratch'
    New-Item -ItemType Directory -Force $root | Out-Null
    $root
}

function Start-TestLoggedRegistry {
    <# A plain-HTTP registry of the test's own that logs every request it serves; Stop-TestLoggedRegistry ends it. #>
    # The run's environment, as tests see it, is read from a file: this registry's process is kept on a copy.
    $holder = (Get-CseTestEnvironment).Clone()
    $holder.Processes = [Collections.Generic.List[object]]::new()
    $registry = Start-CseTestRegistry -Environment $holder -Name "logged-$([Guid]::NewGuid().ToString('N').Substring(0, 8))" -Kind Http -AccessLog
    $registry.Processes = $holder.Processes
    if ($registry.Error) { Stop-TestLoggedRegistry $registry; throw "The logged registry did not start: $($registry.Error)" }
    $registry
}

function Stop-TestLoggedRegistry {
    param([Parameter(Mandatory)] $Registry)
    $Registry.Processes | ForEach-Object { Stop-CseTestProcess $_ }
}

function New-TestBase {
    <# A fresh path prefix on a registry, so no test sees another's images. #>
    param([Parameter(Mandatory)] $Registry, [string] $Prefix = 't')
    "$($Registry.Base)/$Prefix$([Guid]::NewGuid().ToString('N').Substring(0, 10))"
}

function Get-TestMirror {
    <# -SourceMirror for the fixture hosts: projects.registry.vmware.com and registry.k8s.io. #>
    $mirrors = @{}
    foreach ($pair in (Get-CseTestEnvironment).Fixtures.Mirrors.GetEnumerator()) { $mirrors[$pair.Key] = $pair.Value }
    $mirrors
}

function Get-TestFixture {
    param([Parameter(Mandatory)][string] $Like)
    $found = @((Get-CseTestEnvironment).Fixtures.Images | Where-Object { $_.Reference -like $Like })
    if ($found.Count -ne 1) { throw "Expected one fixture like '$Like', found $($found.Count)." }
    $found[0]
}

function Get-SkopeoDigest {
    <# The digest skopeo computes for what a registry serves at a reference (host/path:tag or @digest). #>
    param([Parameter(Mandatory)] $Registry, [Parameter(Mandatory)][string] $Reference)
    $raw = Join-Path (Get-TestScratch) "raw-$([Guid]::NewGuid().ToString('N'))"
    $a = @(@(Get-CseTestSkopeoArgs -Registry $Registry -Side src) -replace '^--src-', '--' | Where-Object { $_ -ne '--no-creds' })
    $a += @('--creds', "cse-admin:$($env:CSEAIRGAP_TEST_ADMIN_PASSWORD)")
    try {
        # Through bash, so the manifest bytes reach the file untouched.
        $quoted = ($a | ForEach-Object { "'$_'" }) -join ' '
        & bash -c "skopeo inspect --raw $quoted 'docker://$Reference' > '$raw' 2>'$raw.err'"
        if ($LASTEXITCODE -ne 0) { return $null }
        (& skopeo manifest-digest $raw).Trim()
    }
    finally { Remove-Item "$raw*" -Force -ErrorAction SilentlyContinue }
}

function Copy-SkopeoImage {
    <# Pulls every platform of an image back with skopeo, which checks every blob digest; returns the folder. #>
    param([Parameter(Mandatory)] $Registry, [Parameter(Mandatory)][string] $Reference)
    $folder = Join-Path (Get-TestScratch) "pull-$([Guid]::NewGuid().ToString('N'))"
    Invoke-CseTestSkopeo copy --all --preserve-digests --quiet @(Get-CseTestSkopeoArgs -Registry $Registry -Side src) "docker://$Reference" "dir:$folder" | Out-Null
    $folder
}

function Get-TestRegistryReference {
    <# Where a published dependency should be: <base>/<path>:<tag>, as a host reference skopeo can read. #>
    param([Parameter(Mandatory)][string] $Base, [Parameter(Mandatory)] $Fixture)
    ($Base -replace '^https?://', '') + '/' + $Fixture.Repository + ':' + $Fixture.Tag
}

function Get-TreeListing {
    <#
    .SYNOPSIS
        Every path under a folder with its type, mode, and content hash or link target, as find and sha256sum
        see them (not the module). Paths the container runtime adds to an export (.dockerenv, dev, proc, sys,
        etc/hostname and friends) are left out, so a docker export compares with an image's own layers.
    #>
    param([Parameter(Mandatory)][string] $Root)
    $lines = & bash -c "cd '$Root' && find . -mindepth 1 -printf '%P|%y|%m|%l\n' | sort"
    $runtime = '^(\.dockerenv|dev|proc|sys|etc)(/|\|)'
    foreach ($line in $lines) {
        if ($line -match $runtime) { continue }
        $path, $type, $mode, $link = $line -split '\|', 4
        $content = if ($type -eq 'f') { (& sha256sum -- (Join-Path $Root $path)).Split(' ')[0] } else { $link }
        "$path|$type|$mode|$content"
    }
}

function New-TestFolder {
    param([string] $Prefix = 'x')
    $path = Join-Path (Get-TestScratch) "$Prefix-$([Guid]::NewGuid().ToString('N').Substring(0, 10))"
    (New-Item -ItemType Directory $path).FullName
}

function Get-TestCatalog {
    <# The repositories a test registry lists, asked with curl-like requests of the test's own (not the module's). #>
    param([Parameter(Mandatory)] $Registry)
    $headers = @{}
    $pair = "cse-admin:$($env:CSEAIRGAP_TEST_ADMIN_PASSWORD)"
    $basic = 'Basic ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($pair))
    if ($Registry.Kind -eq 'Basic') { $headers.Authorization = $basic }
    if ($Registry.Kind -eq 'Token') {
        $realm = (Get-CseTestEnvironment).Services['token-service'].Url
        $token = (Invoke-RestMethod "${realm}?service=cseairgap-test-registry&scope=registry:catalog:*" -Headers @{ Authorization = $basic } -SkipCertificateCheck).token
        $headers.Authorization = "Bearer $token"
    }
    (Invoke-RestMethod "$($Registry.Url)/v2/_catalog?n=1000" -Headers $headers -SkipCertificateCheck).repositories
}

function Get-TestImageFile {
    <# A file from an image's layers, pulled with skopeo and unpacked with tar (not the module); returns its path or $null. #>
    param([Parameter(Mandatory)] $Registry, [Parameter(Mandatory)][string] $Reference, [Parameter(Mandatory)][string] $File)
    $folder = Copy-SkopeoImage -Registry $Registry -Reference $Reference
    $out = Join-Path $folder 'unpacked'
    New-Item -ItemType Directory $out | Out-Null
    $manifest = Get-Content -Raw (Join-Path $folder 'manifest.json') | ConvertFrom-Json
    foreach ($layer in $manifest.layers) {
        & tar -xzf (Join-Path $folder $layer.digest.Substring(7)) -C $out 2>$null
    }
    $path = Join-Path $out $File
    if (Test-Path $path) { $path } else { $null }
}
