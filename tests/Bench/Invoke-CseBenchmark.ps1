<#
.SYNOPSIS
    Publish-CseDependency against skopeo, in the same run, on the same images, into empty registries.
.DESCRIPTION
    Called by build.ps1 Bench, which starts and stops the registries. Figures:
      - cold copy of the fixture set plus 50 small images: wall time of each tool's whole process, ratio,
        bytes stored at the destination (du of its data folder), requests the destination served (its access log);
      - the same again with everything present (warm re-run);
      - one image with a large layer: wall time and peak memory (/usr/bin/time -v, maximum resident set);
      - ThrottleLimit sweep for our cold copy (in-process time), which chose the default.
    skopeo copies image by image (skopeo sync cannot keep <base>/<path>: it drops or scopes the path).
    Results: out/bench/results.md, printed at the end.
#>
param([Parameter(Mandatory)] $Environment, [Parameter(Mandatory)][string] $ModulePath, [int] $LargeLayerMiB = 1024)
$ErrorActionPreference = 'Stop'
$benchDir = Join-Path (Split-Path $ModulePath) 'bench'
New-Item -ItemType Directory -Force $benchDir | Out-Null
$pwshDll = Join-Path $PSHOME 'pwsh.dll'
$source = $Environment.Registries['source']
$mirrors = @{}
foreach ($pair in $Environment.Fixtures.Mirrors.GetEnumerator()) { $mirrors[$pair.Key] = $pair.Value }

Write-Host "Building the benchmark images (50 small, one of $LargeLayerMiB MiB) ..."
$set = New-CseTestBenchSet -Environment $Environment -Count 50 -LargeLayerMiB $LargeLayerMiB
$coldSet = @($Environment.Fixtures.Images) + @($set.Small)
$listFile = Join-Path $benchDir 'images.txt'
Set-Content $listFile ($coldSet | ForEach-Object Reference)
$largeFile = Join-Path $benchDir 'large.txt'
Set-Content $largeFile $set.Large.Reference
$coldBytes = ($coldSet | ForEach-Object { $_.Blobs } | Sort-Object { $_.Digest } -Unique | Measure-Object Size -Sum).Sum

function Start-BenchRegistry([string] $Name) {
    $r = Start-CseTestRegistry -Environment $Environment -Name $Name -Kind Token -AccessLog
    if ($r.Error) { throw "Benchmark registry $Name did not start: $($r.Error)" }
    $r
}

function Measure-Requests($Registry) {
    @(Select-String -Path $Registry.Log -Pattern '"(GET|HEAD|POST|PUT|PATCH|DELETE) /v2/' -ErrorAction SilentlyContinue).Count
}

function Measure-Stored($Registry) {
    [long]((& du -sb $Registry.DataDir) -split '\s+')[0]
}

function Invoke-Timed([string] $Label, [string[]] $Command) {
    # /usr/bin/time -v gives the wall clock and the peak resident set of the whole process tree's leader.
    $report = Join-Path $benchDir "$Label.time"
    $clock = [Diagnostics.Stopwatch]::StartNew()
    & /usr/bin/time -v -o $report @Command | Out-Null
    $code = $LASTEXITCODE
    $wall = $clock.Elapsed.TotalSeconds
    if ($code -ne 0) { throw "$Label failed (exit $code)." }
    $rss = [long](((Select-String -Path $report -Pattern 'Maximum resident set size \(kbytes\): (\d+)').Matches[0].Groups[1].Value))
    [pscustomobject]@{ Wall = $wall; PeakMB = [math]::Round($rss / 1024, 1) }
}

function Invoke-Ours([string] $Label, $Registry, [string] $Prefix, [string] $List, [int] $Throttle = 0) {
    $throttleArg = if ($Throttle) { "-ThrottleLimit $Throttle" } else { '' }
    $mirrorText = ($mirrors.GetEnumerator() | ForEach-Object { "'$($_.Key)' = '$($_.Value)'" }) -join '; '
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Join-Path $ModulePath 'CseAirgap.psd1')'
`$cred = [pscredential]::new('cse-admin', (ConvertTo-SecureString `$env:CSEAIRGAP_TEST_ADMIN_PASSWORD -AsPlainText -Force))
`$clock = [Diagnostics.Stopwatch]::StartNew()
`$r = Get-Content '$List' | Publish-CseDependency -Registry '$($Registry.Host)/$Prefix' -Credential `$cred -SourceMirror @{ $mirrorText } -CaCertificate '$($Environment.CaFile)' $throttleArg
`$failed = @(`$r | Where-Object Status -EQ 'Failed').Count
if (`$failed) { throw "`$failed images failed" }
@{ Seconds = `$clock.Elapsed.TotalSeconds; Copied = (`$r | Measure-Object BytesCopied -Sum).Sum; Present = @(`$r | Where-Object Status -EQ 'AlreadyPresent').Count } | ConvertTo-Json -Compress | Set-Content '$benchDir/$Label.json'
"@
    $before = Measure-Requests $Registry
    $t = Invoke-Timed $Label @('dotnet', $pwshDll, '-NoProfile', '-NonInteractive', '-Command', $script)
    $inner = Get-Content -Raw "$benchDir/$Label.json" | ConvertFrom-Json
    $t | Add-Member Requests ((Measure-Requests $Registry) - $before)
    $t | Add-Member InProcess $inner.Seconds
    $t | Add-Member Sent $inner.Copied
    $t
}

function Invoke-Skopeo([string] $Label, $Registry, [string] $Prefix, [string] $List) {
    $script = Join-Path $benchDir "$Label.sh"
    $lines = foreach ($ref in Get-Content $List) {
        $sourceHost, $path = $ref -split '/', 2
        $from = ($mirrors[$sourceHost] -replace '^https?://', '') + "/$path"
        $tls = if ($mirrors[$sourceHost] -like 'http://*') { '--src-tls-verify=false' } else { "--src-cert-dir '$($Environment.CertDir)'" }
        "skopeo --insecure-policy copy --all --preserve-digests --quiet $tls --src-no-creds --dest-cert-dir '$($Environment.CertDir)' --dest-creds `"cse-admin:`$CSEAIRGAP_TEST_ADMIN_PASSWORD`" 'docker://$from' 'docker://$($Registry.Host)/$Prefix/$path'"
    }
    Set-Content $script (@('#!/usr/bin/env bash', 'set -e') + $lines)
    $before = Measure-Requests $Registry
    $t = Invoke-Timed $Label @('bash', $script)
    $t | Add-Member Requests ((Measure-Requests $Registry) - $before)
    $t
}

$ours = Start-BenchRegistry 'bench-ours'
$theirs = Start-BenchRegistry 'bench-skopeo'
$rows = [Collections.Generic.List[object]]::new()
function Add-Row($Scenario, $Images, $Ours, $Skopeo, $OursStored, $SkopeoStored) {
    $rows.Add([pscustomobject]@{
            Scenario        = $Scenario
            Images          = $Images
            'Ours s'        = [math]::Round($Ours.Wall, 2)
            'Ours in-proc s' = [math]::Round($Ours.InProcess, 2)
            'skopeo s'      = [math]::Round($Skopeo.Wall, 2)
            'skopeo/ours'   = [math]::Round($Skopeo.Wall / $Ours.Wall, 2)
            'Ours MB sent'  = [math]::Round($Ours.Sent / 1MB, 1)
            'Ours MB stored' = $OursStored
            'skopeo MB stored' = $SkopeoStored
            'Ours requests' = $Ours.Requests
            'skopeo requests' = $Skopeo.Requests
            'Ours peak MB'  = $Ours.PeakMB
            'skopeo peak MB' = $Skopeo.PeakMB
        })
}

Write-Host "Cold copy: $($coldSet.Count) images, $([math]::Round($coldBytes / 1MB, 1)) MB of unique blobs ..."
$s0o = Measure-Stored $ours; $s0s = Measure-Stored $theirs
$coldOurs = Invoke-Ours 'cold-ours' $ours 'cse' $listFile
$coldSkopeo = Invoke-Skopeo 'cold-skopeo' $theirs 'cse' $listFile
Add-Row 'cold' $coldSet.Count $coldOurs $coldSkopeo ([math]::Round(((Measure-Stored $ours) - $s0o) / 1MB, 1)) ([math]::Round(((Measure-Stored $theirs) - $s0s) / 1MB, 1))

Write-Host 'Warm re-run: everything already present ...'
$warmOurs = Invoke-Ours 'warm-ours' $ours 'cse' $listFile
$warmSkopeo = Invoke-Skopeo 'warm-skopeo' $theirs 'cse' $listFile
Add-Row 'warm' $coldSet.Count $warmOurs $warmSkopeo 0 0

Write-Host "Large layer: one image of $LargeLayerMiB MiB ..."
$s0o = Measure-Stored $ours; $s0s = Measure-Stored $theirs
$largeOurs = Invoke-Ours 'large-ours' $ours 'cse' $largeFile
$largeSkopeo = Invoke-Skopeo 'large-skopeo' $theirs 'cse' $largeFile
Add-Row "large ($LargeLayerMiB MiB layer)" 1 $largeOurs $largeSkopeo ([math]::Round(((Measure-Stored $ours) - $s0o) / 1MB, 1)) ([math]::Round(((Measure-Stored $theirs) - $s0s) / 1MB, 1))

Write-Host 'Air gap: export to an OCI layout folder, then publish from it ...'
$oursExport = Join-Path $benchDir 'export-ours'
$skopeoExport = Join-Path $benchDir 'export-skopeo'
Remove-Item -Recurse -Force $oursExport, $skopeoExport -ErrorAction SilentlyContinue
$mirrorText = ($mirrors.GetEnumerator() | ForEach-Object { "'$($_.Key)' = '$($_.Value)'" }) -join '; '
$exportScript = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Join-Path $ModulePath 'CseAirgap.psd1')'
`$r = Get-Content '$listFile' | Export-CseDependency -Path '$oursExport' -SourceMirror @{ $mirrorText } -CaCertificate '$($Environment.CaFile)'
if (@(`$r | Where-Object Status -EQ 'Failed').Count) { throw 'export failed' }
"@
$exportOurs = Invoke-Timed 'export-ours' @('dotnet', $pwshDll, '-NoProfile', '-NonInteractive', '-Command', $exportScript)
# skopeo writes OCI layouts in OCI media types only, so it converts Docker images (their digests change); ours keeps them.
$exportLines = foreach ($ref in Get-Content $listFile) {
    $sourceHost, $path = $ref -split '/', 2
    $from = ($mirrors[$sourceHost] -replace '^https?://', '') + "/$path"
    $tls = if ($mirrors[$sourceHost] -like 'http://*') { '--src-tls-verify=false' } else { "--src-cert-dir '$($Environment.CertDir)'" }
    "skopeo --insecure-policy copy --all --quiet $tls --src-no-creds 'docker://$from' 'oci:${skopeoExport}:$ref'"
}
Set-Content (Join-Path $benchDir 'export-skopeo.sh') (@('#!/usr/bin/env bash', 'set -e') + $exportLines)
$exportSkopeo = Invoke-Timed 'export-skopeo' @('bash', (Join-Path $benchDir 'export-skopeo.sh'))

$importOursBefore = Measure-Requests $ours
$importScript = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Join-Path $ModulePath 'CseAirgap.psd1')'
`$cred = [pscredential]::new('cse-admin', (ConvertTo-SecureString `$env:CSEAIRGAP_TEST_ADMIN_PASSWORD -AsPlainText -Force))
`$r = Publish-CseDependency -Path '$oursExport' -Registry '$($ours.Host)/imported' -Credential `$cred -CaCertificate '$($Environment.CaFile)'
if (@(`$r | Where-Object Status -EQ 'Failed').Count) { throw 'import failed' }
"@
$importOurs = Invoke-Timed 'import-ours' @('dotnet', $pwshDll, '-NoProfile', '-NonInteractive', '-Command', $importScript)
$importLines = foreach ($ref in Get-Content $listFile) {
    $path = ($ref -split '/', 2)[1]
    "skopeo --insecure-policy copy --all --quiet --dest-cert-dir '$($Environment.CertDir)' --dest-creds `"cse-admin:`$CSEAIRGAP_TEST_ADMIN_PASSWORD`" 'oci:${skopeoExport}:$ref' 'docker://$($theirs.Host)/imported/$path'"
}
Set-Content (Join-Path $benchDir 'import-skopeo.sh') (@('#!/usr/bin/env bash', 'set -e') + $importLines)
$importSkopeo = Invoke-Timed 'import-skopeo' @('bash', (Join-Path $benchDir 'import-skopeo.sh'))
$airgap = @(
    [pscustomobject]@{ Step = 'export to an OCI layout'; 'Ours s' = [math]::Round($exportOurs.Wall, 2); 'skopeo s' = [math]::Round($exportSkopeo.Wall, 2); 'skopeo/ours' = [math]::Round($exportSkopeo.Wall / $exportOurs.Wall, 2)
        'Ours MB on disk' = [math]::Round([long]((& du -sb $oursExport) -split '\s+')[0] / 1MB, 1); 'skopeo MB on disk' = [math]::Round([long]((& du -sb $skopeoExport) -split '\s+')[0] / 1MB, 1) }
    [pscustomobject]@{ Step = 'publish from the layout'; 'Ours s' = [math]::Round($importOurs.Wall, 2); 'skopeo s' = [math]::Round($importSkopeo.Wall, 2); 'skopeo/ours' = [math]::Round($importSkopeo.Wall / $importOurs.Wall, 2)
        'Ours MB on disk' = ''; 'skopeo MB on disk' = '' }
)

Write-Host 'ThrottleLimit sweep (cold, fresh prefixes, in-process seconds) ...'
$sweep = foreach ($limit in 1, 2, 4, 8, 16) {
    $r = Invoke-Ours "sweep-$limit" $ours "sweep$limit" $listFile -Throttle $limit
    [pscustomobject]@{ ThrottleLimit = $limit; 'In-process s' = [math]::Round($r.InProcess, 2); 'Process s' = [math]::Round($r.Wall, 2); 'Peak MB' = $r.PeakMB }
}

$warmPer50 = [math]::Round($warmOurs.InProcess / $coldSet.Count * 50, 2)
$summary = @(
    "# CseAirgap benchmark ($(Get-Date -Format 'yyyy-MM-dd HH:mm') UTC, $([Environment]::ProcessorCount) cores)"
    ''
    'Same run, same source registry (TLS + token, anonymous pull), each tool into its own empty TLS + token registry.'
    '"s" is the wall time of the whole process (ours includes starting pwsh and importing the module); "in-proc" is Publish-CseDependency alone.'
    'Bytes stored: growth of the destination data folder (du -sb). Requests: lines of the destination registry''s access log.'
    ''
    ($rows | ConvertTo-Csv -NoTypeInformation | ForEach-Object { '| ' + ($_ -replace '","', ' | ' -replace '^"|"$', '') + ' |' } | Select-Object -First 1)
    ('|' + (' --- |' * @($rows[0].PSObject.Properties).Count))
    ($rows | ConvertTo-Csv -NoTypeInformation | Select-Object -Skip 1 | ForEach-Object { '| ' + ($_ -replace '","', ' | ' -replace '^"|"$', '') + ' |' })
    ''
    "Warm re-run, in-process: $warmPer50 s per 50 images (target: under 1 s)."
    "Cold copy: skopeo/ours = $([math]::Round($coldSkopeo.Wall / $coldOurs.Wall, 2)) (target: at least 2)."
    "Peak memory while copying the $LargeLayerMiB MiB layer: ours $($largeOurs.PeakMB) MB, skopeo $($largeSkopeo.PeakMB) MB (target: under 200 MB)."
    ''
    "Air gap, same $($coldSet.Count) images ($([math]::Round($coldBytes / 1MB, 1)) MB of unique blobs): export to a folder, then publish from it into an empty registry."
    '| Step | Ours s | skopeo s | skopeo/ours | Ours MB on disk | skopeo MB on disk |'
    '| --- | --- | --- | --- | --- | --- |'
    ($airgap | ForEach-Object { "| $($_.Step) | $($_.'Ours s') | $($_.'skopeo s') | $($_.'skopeo/ours') | $($_.'Ours MB on disk') | $($_.'skopeo MB on disk') |" })
    ''
    '| ThrottleLimit | In-process s | Process s | Peak MB |'
    '| --- | --- | --- | --- |'
    ($sweep | ForEach-Object { "| $($_.ThrottleLimit) | $($_.'In-process s') | $($_.'Process s') | $($_.'Peak MB') |" })
)
$summary | Set-Content (Join-Path $benchDir 'results.md')
Write-Host ''
$summary | Write-Host
