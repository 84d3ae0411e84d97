<#
.SYNOPSIS
    The CSE-shaped set copied across a shaped WAN link, Publish-CseDependency against skopeo, in the same run.
.DESCRIPTION
    Called by build.ps1 Bench -Wan. The source registry (TLS, bearer tokens, anonymous pull) sits behind the project's
    own shaping proxy (tests/TestServer shape, a reverse proxy in plain HTTP): -DelayMs each way, -FlowMbit per
    connection, -LinkMbit for the whole link. Both tools read through it (ours with -SourceMirror, skopeo from the
    proxy's port) into empty registries of their own on loopback, cold. The token service is reached directly (its
    realm is not rewritten), so token requests are not delayed: the figures slightly favour whoever asks for more tokens.
    Figures per tool:
      - wall time (the whole process);
      - link used: body bytes the proxy sent / (wall time x link rate): 100 % is a link full from start to end;
      - fetched / unique: blob body bytes the proxy sent / the set's unique blob bytes (1.00 = nothing fetched twice);
      - requests the proxy carried;
      - our peak resident memory (/usr/bin/time -v).
    And the link's own limit: unique bytes / link rate, the least time any tool can take.
    Results: out/bench/wan.md, printed at the end.
#>
param([Parameter(Mandatory)] $Environment, [Parameter(Mandatory)][string] $ModulePath, [int] $LargeLayerMiB = 512, [int] $UniqueMiB = 1200,
    [int] $Count = 20, [double] $DelayMs = 40, [double] $FlowMbit = 40, [double] $LinkMbit = 200)
$ErrorActionPreference = 'Stop'
$benchDir = Join-Path (Split-Path $ModulePath) 'bench'
New-Item -ItemType Directory -Force $benchDir | Out-Null
$pwshDll = Join-Path $PSHOME 'pwsh.dll'

$source = Start-CseTestRegistry -Environment $Environment -Name 'wan-source' -Kind Token
if ($source.Error) { throw "The WAN benchmark's source registry did not start: $($source.Error)" }
Write-Host "Building the CSE-shaped set ($Count images + one $LargeLayerMiB MiB layer, about $UniqueMiB MiB) ..."
$set = New-CseTestCseShapedSet -Environment $Environment -Registry $source -Count $Count -LargeLayerMiB $LargeLayerMiB -UniqueMiB $UniqueMiB
$uniqueBytes = ($set | ForEach-Object { $_.Blobs } | Sort-Object { $_.Digest } -Unique | Measure-Object Size -Sum).Sum
$listFile = Join-Path $benchDir 'wan.txt'
Set-Content $listFile ($set | ForEach-Object Reference)
$link = Start-CseTestShapingProxy -Registry $source -DelayMs $DelayMs -FlowMbit $FlowMbit -LinkMbit $LinkMbit -Environment $Environment
$linkBytesPerSecond = $LinkMbit * 1e6 / 8

function Get-LinkStats { Invoke-RestMethod "$($link.Url)/__stats" }

function Invoke-Measured([string] $Label, [string[]] $Command) {
    $report = Join-Path $benchDir "$Label.time"
    $before = Get-LinkStats
    $clock = [Diagnostics.Stopwatch]::StartNew()
    & /usr/bin/time -v -o $report @Command | Out-Host
    $code = $LASTEXITCODE
    $wall = $clock.Elapsed.TotalSeconds
    if ($code -ne 0) { throw "$Label failed (exit $code); see $report." }
    $after = Get-LinkStats
    $time = Get-Content -Raw $report
    [pscustomobject]@{
        Wall      = $wall
        PeakMB    = [math]::Round([double]([regex]::Match($time, 'Maximum resident set size \(kbytes\): (\d+)').Groups[1].Value) / 1024, 1)
        LinkUsed  = ($after.Bytes - $before.Bytes) / ($wall * $linkBytesPerSecond)
        Fetched   = ($after.BlobBytes - $before.BlobBytes) / $uniqueBytes
        Requests  = $after.Requests - $before.Requests
    }
}

$ours = Start-CseTestRegistry -Environment $Environment -Name 'wan-ours' -Kind Basic
$theirs = Start-CseTestRegistry -Environment $Environment -Name 'wan-skopeo' -Kind Basic
foreach ($r in $ours, $theirs) { if ($r.Error) { throw "Benchmark registry $($r.Name) did not start: $($r.Error)" } }

$script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Join-Path $ModulePath 'CseAirgap.psd1')'
`$cred = [pscredential]::new('cse-admin', (ConvertTo-SecureString `$env:CSEAIRGAP_TEST_ADMIN_PASSWORD -AsPlainText -Force))
`$r = Get-Content '$listFile' | Publish-CseDependency -Registry '$($ours.Host)/cse' -Credential `$cred -SourceMirror @{ 'projects.registry.vmware.com' = '$($link.Url)' } -CaCertificate '$($Environment.CaFile)'
`$failed = @(`$r | Where-Object Status -EQ 'Failed')
if (`$failed) { `$failed | ForEach-Object { Write-Host "`$(`$_.Reference): `$(`$_.Error)" }; throw "`$(`$failed.Count) images failed" }
"@
Write-Host "Cold copy through the link ($DelayMs ms each way, $FlowMbit Mbit/s per connection, $LinkMbit Mbit/s link): ours ..."
$usRun = Invoke-Measured 'wan-ours' @('dotnet', $pwshDll, '-NoProfile', '-NonInteractive', '-Command', $script)

$skopeoScript = Join-Path $benchDir 'wan-skopeo.sh'
$lines = foreach ($ref in Get-Content $listFile) {
    $path = ($ref -split '/', 2)[1]
    "skopeo --insecure-policy copy --all --preserve-digests --quiet --src-tls-verify=false --src-no-creds --dest-cert-dir '$($Environment.CertDir)' --dest-creds `"cse-admin:`$CSEAIRGAP_TEST_ADMIN_PASSWORD`" 'docker://$($link.Host)/$path' 'docker://$($theirs.Host)/cse/$path'"
}
Set-Content $skopeoScript (@('#!/usr/bin/env bash', 'set -e') + $lines)
Write-Host 'Cold copy through the link: skopeo ...'
$themRun = Invoke-Measured 'wan-skopeo' @('bash', $skopeoScript)

$floor = $uniqueBytes / $linkBytesPerSecond
$percent = { param($x) '{0:0} %' -f (100 * $x) }
$table = @(
    "## WAN: $($set.Count) images, $([math]::Round($uniqueBytes / 1MB)) MiB unique, one $LargeLayerMiB MiB layer; $DelayMs ms each way, $FlowMbit Mbit/s per connection, $LinkMbit Mbit/s link"
    ''
    '| tool | time | link used | fetched / unique | requests | peak RSS |'
    '|---|---|---|---|---|---|'
    "| ours | $('{0:0.0}' -f $usRun.Wall) s | $(& $percent $usRun.LinkUsed) | $('{0:0.000}' -f $usRun.Fetched) | $($usRun.Requests) | $($usRun.PeakMB) MB |"
    "| skopeo | $('{0:0.0}' -f $themRun.Wall) s | $(& $percent $themRun.LinkUsed) | $('{0:0.000}' -f $themRun.Fetched) | $($themRun.Requests) | - |"
    ''
    "Ratio ours / skopeo: $('{0:0.00}' -f ($usRun.Wall / $themRun.Wall)). The link's own limit (unique bytes / link rate): $('{0:0.0}' -f $floor) s."
)
$table | Set-Content (Join-Path $benchDir 'wan.md')
$table | Out-Host
