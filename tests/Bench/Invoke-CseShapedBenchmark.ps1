<#
.SYNOPSIS
    Cold and warm publish of a set shaped like the real CSE dependencies, Publish-CseDependency against skopeo,
    in the same run, with CPU seconds per GB for each tool and for the destination registry.
.DESCRIPTION
    Called by build.ps1 Bench. The set (New-CseTestCseShapedSet): 20 images over three shared base layers plus one
    image with a 512 MiB layer, about 1.2 GB of unique blob bytes; source behind TLS and bearer tokens, each tool's
    destination its own empty registry behind TLS and basic auth.
    Figures a reader can check:
      - wall time: ours for the whole process and for Publish-CseDependency alone (in-process); skopeo's script;
      - CPU seconds: ours in-process (the process's TotalProcessorTime around the publish, so pwsh's start and the
        import are excluded), skopeo's (user + system of the script and its children, /usr/bin/time), and each
        destination registry's (utime + stime from /proc/<pid>/stat before and after), all per GB copied;
      - peak resident memory of our process (/usr/bin/time -v);
      - requests each destination served (its access log), and per image on the warm re-run; requests the source
        served for each tool's cold copy;
      - steady state: after the cold copy, the same process copies the large image alone into a third, empty
        registry; its CPU per GB is the per-byte cost once the runtime has compiled the hot code (the cold figure
        also carries the JIT's one-off cost);
      - the per-byte floor on this machine: one SHA-256 and two AES-GCM passes (decrypt from the source, encrypt to
        the destination), from `openssl speed` at 16 KB, the TLS record size;
      - the least a real copy costs here: minimal-relay.py (Python's ssl and hashlib, that is OpenSSL with almost
        nothing around it) moves the large layer from the source into a registry of its own with 1 MiB reads and
        one PUT; its CPU per GB against our steady state is the overhead of everything we add (the runtime,
        concurrency, stall guards, progress);
      - the registries' CPU (source and destination), and what it implies: on a CPU-bound machine, a cold copy
        cannot take less wall time than (registries' CPU + ours) / cores.
    Results: out/bench/cse-shaped.md, printed at the end.
#>
param([Parameter(Mandatory)] $Environment, [Parameter(Mandatory)][string] $ModulePath, [int] $LargeLayerMiB = 512)
$ErrorActionPreference = 'Stop'
$benchDir = Join-Path (Split-Path $ModulePath) 'bench'
New-Item -ItemType Directory -Force $benchDir | Out-Null
$pwshDll = Join-Path $PSHOME 'pwsh.dll'
$ticksPerSecond = [double](& getconf CLK_TCK)

$source = Start-CseTestRegistry -Environment $Environment -Name 'cse-shaped-source' -Kind Token -AccessLog
if ($source.Error) { throw "The benchmark source registry did not start: $($source.Error)" }
Write-Host "Building the CSE-shaped set (20 images + one $LargeLayerMiB MiB layer) ..."
$set = New-CseTestCseShapedSet -Environment $Environment -Registry $source -LargeLayerMiB $LargeLayerMiB
$uniqueBytes = ($set | ForEach-Object { $_.Blobs } | Sort-Object { $_.Digest } -Unique | Measure-Object Size -Sum).Sum
$gb = $uniqueBytes / 1e9
$listFile = Join-Path $benchDir 'cse-shaped.txt'
Set-Content $listFile ($set | ForEach-Object Reference)
$largeReference = ($set | Sort-Object { ($_.Blobs | Measure-Object Size -Maximum).Maximum } | Select-Object -Last 1).Reference

function Get-OpensslRate([string] $Algorithm) {
    # Bytes per second at 16 KB blocks (the TLS record size): the last figure of `openssl speed`'s result line, in kB/s.
    $line = & openssl speed -seconds 1 -bytes 16384 -evp $Algorithm 2>$null | Select-Object -Last 1
    [double](($line -split '\s+')[-1] -replace 'k$', '') * 1000
}
$sha256Rate = Get-OpensslRate 'sha256'
$aesRate = Get-OpensslRate 'aes-256-gcm'
# Per GB copied: one SHA-256 (the digest check), one AES-GCM decrypt (source TLS) and one encrypt (destination TLS).
$floor = 1e9 / $sha256Rate + 2 * 1e9 / $aesRate

function Get-ProcessCpuSeconds([int] $ProcessId) {
    # /proc/<pid>/stat: utime and stime are the 14th and 15th fields; the name (2nd) may hold spaces, so count after ')'.
    $stat = Get-Content -Raw "/proc/$ProcessId/stat"
    $fields = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
    ([double]$fields[11] + [double]$fields[12]) / $ticksPerSecond
}

# A registry's access-log line for one request.
$requestPattern = '"(GET|HEAD|POST|PUT|PATCH|DELETE) /v2/'

function Measure-Requests($Registry) {
    @(Select-String -Path $Registry.Log -Pattern $requestPattern -ErrorAction SilentlyContinue).Count
}

function Invoke-Measured([string] $Label, $Registry, [string[]] $Command) {
    $report = Join-Path $benchDir "$Label.time"
    $requests = Measure-Requests $Registry
    $sourceRequests = Measure-Requests $source
    $registryCpu = Get-ProcessCpuSeconds $Registry.Pid
    $sourceCpu = Get-ProcessCpuSeconds $source.Pid
    $clock = [Diagnostics.Stopwatch]::StartNew()
    & /usr/bin/time -v -o $report @Command | Out-Null
    $code = $LASTEXITCODE
    $wall = $clock.Elapsed.TotalSeconds
    if ($code -ne 0) { throw "$Label failed (exit $code); see $report." }
    $time = Get-Content -Raw $report
    $number = { param($pattern) [double]([regex]::Match($time, $pattern).Groups[1].Value) }
    [pscustomobject]@{
        Wall        = $wall
        Cpu         = (& $number 'User time \(seconds\): ([\d.]+)') + (& $number 'System time \(seconds\): ([\d.]+)')
        PeakMB      = [math]::Round((& $number 'Maximum resident set size \(kbytes\): (\d+)') / 1024, 1)
        RegistryCpu = (Get-ProcessCpuSeconds $Registry.Pid) - $registryCpu
        SourceCpu   = (Get-ProcessCpuSeconds $source.Pid) - $sourceCpu
        Requests    = (Measure-Requests $Registry) - $requests
        SourceRequests = (Measure-Requests $source) - $sourceRequests
    }
}

function Invoke-Ours([string] $Label, $Registry, [string] $SteadyHost) {
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Join-Path $ModulePath 'CseAirgap.psd1')'
`$cred = [pscredential]::new('cse-admin', (ConvertTo-SecureString `$env:CSEAIRGAP_TEST_ADMIN_PASSWORD -AsPlainText -Force))
`$self = [Diagnostics.Process]::GetCurrentProcess()
`$cpu = `$self.TotalProcessorTime
`$sourceStat = { `$t = Get-Content -Raw '/proc/$($source.Pid)/stat'; `$f = `$t.Substring(`$t.LastIndexOf(')') + 2).Split(' '); ([double]`$f[11] + [double]`$f[12]) / $ticksPerSecond }
`$sourceCpu = & `$sourceStat
`$sourceLog = { @(Select-String -Path '$($source.Log)' -Pattern '$requestPattern').Count }
`$sourceRequests = & `$sourceLog
`$clock = [Diagnostics.Stopwatch]::StartNew()
`$r = Get-Content '$listFile' | Publish-CseDependency -Registry '$($Registry.Host)/cse' -Credential `$cred -SourceMirror @{ 'projects.registry.vmware.com' = '$($source.Host)' } -CaCertificate '$($Environment.CaFile)'
`$seconds = `$clock.Elapsed.TotalSeconds
`$self.Refresh()
`$used = (`$self.TotalProcessorTime - `$cpu).TotalSeconds
`$sourceCpu = (& `$sourceStat) - `$sourceCpu
`$sourceRequests = (& `$sourceLog) - `$sourceRequests
`$failed = @(`$r | Where-Object Status -EQ 'Failed').Count
if (`$failed) { throw "`$failed images failed" }
`$steady = `$null
if ('$SteadyHost') {
    `$cpu = `$self.TotalProcessorTime
    `$clock = [Diagnostics.Stopwatch]::StartNew()
    `$s = '$largeReference' | Publish-CseDependency -Registry '$SteadyHost/cse' -Credential `$cred -SourceMirror @{ 'projects.registry.vmware.com' = '$($source.Host)' } -CaCertificate '$($Environment.CaFile)'
    `$self.Refresh()
    if (`$s.Status -ne 'Copied') { throw "the steady-state copy ended `$(`$s.Status)" }
    `$steady = @{ Cpu = (`$self.TotalProcessorTime - `$cpu).TotalSeconds; Copied = `$s.BytesCopied; Seconds = `$clock.Elapsed.TotalSeconds }
}
@{ Seconds = `$seconds; Cpu = `$used; SourceCpu = `$sourceCpu; SourceRequests = `$sourceRequests; Copied = (`$r | Measure-Object BytesCopied -Sum).Sum; Steady = `$steady } | ConvertTo-Json -Compress | Set-Content '$benchDir/$Label.json'
"@
    $m = Invoke-Measured $Label $Registry @('dotnet', $pwshDll, '-NoProfile', '-NonInteractive', '-Command', $script)
    $inner = Get-Content -Raw "$benchDir/$Label.json" | ConvertFrom-Json
    $m | Add-Member InProcess $inner.Seconds
    $m | Add-Member InProcessCpu $inner.Cpu
    $m | Add-Member Copied $inner.Copied
    $m | Add-Member Steady $inner.Steady
    if ($inner.Steady) {
        # The steady-state copy ran in the same process: the whole-process time and the source's figures are the set's alone.
        $m.Wall -= $inner.Steady.Seconds
        $m.SourceCpu = $inner.SourceCpu
        $m.SourceRequests = $inner.SourceRequests
    }
    $m
}

function Invoke-Skopeo([string] $Label, $Registry) {
    $script = Join-Path $benchDir "$Label.sh"
    $lines = foreach ($ref in Get-Content $listFile) {
        $path = ($ref -split '/', 2)[1]
        "skopeo --insecure-policy copy --all --preserve-digests --quiet --src-cert-dir '$($Environment.CertDir)' --src-no-creds --dest-cert-dir '$($Environment.CertDir)' --dest-creds `"cse-admin:`$CSEAIRGAP_TEST_ADMIN_PASSWORD`" 'docker://$($source.Host)/$path' 'docker://$($Registry.Host)/cse/$path'"
    }
    Set-Content $script (@('#!/usr/bin/env bash', 'set -e') + $lines)
    Invoke-Measured $Label $Registry @('bash', $script)
}

function Measure-MonolithicPut {
    # The least any client can ask of a registry for one blob: curl's single POST + PUT of the large layer (from a
    # skopeo dir: copy), into an empty registry of its own. Its CPU per GB is the baseline for ours.
    $curlRegistry = Start-CseTestRegistry -Environment $Environment -Name 'cse-shaped-curl' -Kind Basic
    if ($curlRegistry.Error) { throw "Benchmark registry cse-shaped-curl did not start: $($curlRegistry.Error)" }
    $dir = Join-Path $benchDir 'cse-shaped-large-dir'
    Remove-Item -Recurse -Force $dir -ErrorAction SilentlyContinue
    & skopeo --insecure-policy copy --quiet --src-cert-dir $Environment.CertDir --src-no-creds "docker://$($source.Host)/$(($largeReference -split '/', 2)[1])" "dir:$dir"
    if ($LASTEXITCODE -ne 0) { throw 'skopeo could not read the large image for the monolithic PUT.' }
    $blob = Get-ChildItem $dir -File | Where-Object Name -Match '^[0-9a-f]{64}$' | Sort-Object Length | Select-Object -Last 1
    # The credential goes to curl on its standard input (-K -), never on its command line.
    $auth = "user = `"cse-admin:$env:CSEAIRGAP_TEST_ADMIN_PASSWORD`""
    $before = Get-ProcessCpuSeconds $curlRegistry.Pid
    $headers = $auth | & curl -K - -sS -D - -o /dev/null --cacert $Environment.CaFile -X POST "https://$($curlRegistry.Host)/v2/cse/large/blobs/uploads/"
    $location = (($headers | Select-String '^Location:').Line -split ' ', 2)[1].Trim()
    if ($location -notmatch '^https://') { $location = "https://$($curlRegistry.Host)$location" }
    $status = $auth | & curl -K - -sS -o /dev/null -w '%{http_code}' --cacert $Environment.CaFile -H 'Content-Type: application/octet-stream' -T $blob.FullName "$location$(if ($location.Contains('?')) { '&' } else { '?' })digest=sha256:$($blob.Name)"
    if ($status -ne '201') { throw "curl's monolithic PUT ended $status." }
    $cpu = (Get-ProcessCpuSeconds $curlRegistry.Pid) - $before
    Remove-Item -Recurse -Force $dir
    [pscustomobject]@{ Cpu = $cpu; Bytes = $blob.Length }
}

function Measure-MinimalRelay {
    $relayRegistry = Start-CseTestRegistry -Environment $Environment -Name 'cse-shaped-relay' -Kind Basic
    if ($relayRegistry.Error) { throw "Benchmark registry cse-shaped-relay did not start: $($relayRegistry.Error)" }
    $image = $set | Where-Object Reference -EQ $largeReference
    $blob = $image.Blobs | Sort-Object Size | Select-Object -Last 1
    $repository = ($largeReference -split '/', 2)[1] -replace ':[^:/]*$', ''
    # The destination's credential goes to the relay on its standard input, never on its command line.
    $line = "cse-admin:$env:CSEAIRGAP_TEST_ADMIN_PASSWORD" | & python3 (Join-Path $PSScriptRoot 'minimal-relay.py') $source.Url $repository $blob.Digest $blob.Size $relayRegistry.Url $Environment.CaFile
    if ($LASTEXITCODE -ne 0) { throw "minimal-relay.py failed (exit $LASTEXITCODE)." }
    $result = $line | ConvertFrom-Json
    if ($result.status -ne 201 -or -not $result.verified) { throw "minimal-relay.py ended $($result.status), verified: $($result.verified)." }
    [pscustomobject]@{ Cpu = $result.user + $result.system; User = $result.user; System = $result.system; Seconds = $result.seconds; Bytes = $blob.Size }
}

$ours = Start-CseTestRegistry -Environment $Environment -Name 'cse-shaped-ours' -Kind Basic -AccessLog
$theirs = Start-CseTestRegistry -Environment $Environment -Name 'cse-shaped-skopeo' -Kind Basic -AccessLog
$steadyRegistry = Start-CseTestRegistry -Environment $Environment -Name 'cse-shaped-steady' -Kind Basic
foreach ($r in $ours, $theirs, $steadyRegistry) { if ($r.Error) { throw "Benchmark registry $($r.Name) did not start: $($r.Error)" } }

Write-Host "Cold copy: $($set.Count) images, $([math]::Round($uniqueBytes / 1MB, 1)) MiB of unique blobs ..."
$steadyBefore = Get-ProcessCpuSeconds $steadyRegistry.Pid
$coldOurs = Invoke-Ours 'cse-shaped-cold-ours' $ours -SteadyHost $steadyRegistry.Host
$steadyDestinationCpu = (Get-ProcessCpuSeconds $steadyRegistry.Pid) - $steadyBefore
$relay = Measure-MinimalRelay
$coldSkopeo = Invoke-Skopeo 'cse-shaped-cold-skopeo' $theirs
$curlPut = Measure-MonolithicPut
Write-Host 'Warm re-run: everything already present ...'
$warmOurs = Invoke-Ours 'cse-shaped-warm-ours' $ours
$warmSkopeo = Invoke-Skopeo 'cse-shaped-warm-skopeo' $theirs

$r2 = { param($x) [math]::Round($x, 2) }
$cores = [Environment]::ProcessorCount
$coldCpuPerGb = $coldOurs.InProcessCpu / $gb
$steadyGb = $coldOurs.Steady.Copied / 1e9
$steadyCpuPerGb = $coldOurs.Steady.Cpu / $steadyGb
$relayGb = $relay.Bytes / 1e9
$relayCpuPerGb = $relay.Cpu / $relayGb
$registriesOnly = ($coldOurs.SourceCpu + $coldOurs.RegistryCpu) / $cores
$summary = @(
    "# CSE-shaped benchmark ($(Get-Date -Format 'yyyy-MM-dd HH:mm') UTC, $([Environment]::ProcessorCount) cores)"
    ''
    "$($set.Count) images, $([math]::Round($uniqueBytes / 1MB, 1)) MiB of unique blobs (one $LargeLayerMiB MiB layer); source TLS + bearer tokens; each tool into its own empty TLS + basic-auth registry."
    'Ours: "process" is the whole pwsh process, "in-process" Publish-CseDependency alone (CPU from TotalProcessorTime, start and import excluded). skopeo: its whole script (user + system, /usr/bin/time).'
    'Destination CPU: the destination registry process''s utime + stime (/proc/<pid>/stat) over the run. Per GB: divided by the unique bytes copied (1 GB = 10^9 bytes).'
    ''
    '| run | ours process s | ours in-process s | skopeo s | ours/skopeo (in-process) | ours CPU s/GB | skopeo CPU s/GB | dest CPU s/GB (ours) | dest CPU s/GB (skopeo) | ours requests | skopeo requests | source requests ours / skopeo | ours peak MB |'
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |'
    "| cold | $(& $r2 $coldOurs.Wall) | $(& $r2 $coldOurs.InProcess) | $(& $r2 $coldSkopeo.Wall) | $(& $r2 ($coldOurs.InProcess / $coldSkopeo.Wall)) | $(& $r2 $coldCpuPerGb) | $(& $r2 ($coldSkopeo.Cpu / $gb)) | $(& $r2 ($coldOurs.RegistryCpu / $gb)) | $(& $r2 ($coldSkopeo.RegistryCpu / $gb)) | $($coldOurs.Requests) | $($coldSkopeo.Requests) | $($coldOurs.SourceRequests) / $($coldSkopeo.SourceRequests) | $($coldOurs.PeakMB) |"
    "| warm | $(& $r2 $warmOurs.Wall) | $(& $r2 $warmOurs.InProcess) | $(& $r2 $warmSkopeo.Wall) | $(& $r2 ($warmOurs.InProcess / $warmSkopeo.Wall)) | | | | | $($warmOurs.Requests) | $($warmSkopeo.Requests) | $($warmOurs.SourceRequests) / $($warmSkopeo.SourceRequests) | $($warmOurs.PeakMB) |"
    ''
    "Steady state (the large image alone, $(& $r2 $steadyGb) GB, copied again by the same process into a third empty registry once the cold run had compiled the hot code): ours $(& $r2 $steadyCpuPerGb) CPU s/GB. Per-byte floor on this machine (openssl speed at 16 KB: SHA-256 $(& $r2 ($sha256Rate / 1e9)) GB/s, AES-256-GCM $(& $r2 ($aesRate / 1e9)) GB/s; one hash and two TLS passes per byte): $(& $r2 $floor) CPU s/GB."
    "The least a real copy costs here (minimal-relay.py: OpenSSL through Python, 1 MiB reads, one PUT; the large layer, $(& $r2 $relayGb) GB): $(& $r2 $relayCpuPerGb) CPU s/GB (user $(& $r2 ($relay.User / $relayGb)), system $(& $r2 ($relay.System / $relayGb))) in $(& $r2 $relay.Seconds) s. Ours in steady state is $(& $r2 ($steadyCpuPerGb / $relayCpuPerGb)) times that; cold, $(& $r2 ($coldCpuPerGb / $relayCpuPerGb)) times."
    "Destination CPU per GB for the large layer alone: $(& $r2 ($steadyDestinationCpu / $steadyGb)) when Publish-CseDependency sends it, $(& $r2 ($curlPut.Cpu / ($curlPut.Bytes / 1e9))) for curl's single monolithic PUT (the least a client can ask)."
    "Registries' CPU in the cold runs: source $(& $r2 $coldOurs.SourceCpu) s and destination $(& $r2 $coldOurs.RegistryCpu) s for ours; source $(& $r2 $coldSkopeo.SourceCpu) s and destination $(& $r2 $coldSkopeo.RegistryCpu) s for skopeo. On $cores cores a cold copy cannot take less than (all CPU spent) / cores: ours $(& $r2 (($coldOurs.InProcessCpu + $coldOurs.SourceCpu + $coldOurs.RegistryCpu) / $cores)) s; even with none of our own CPU, $(& $r2 $registriesOnly) s, which is $(& $r2 ($registriesOnly / $coldSkopeo.Wall)) of skopeo's time."
    ''
    "Goals (issue 15): ours CPU at most 2.5 s/GB (now $(& $r2 $coldCpuPerGb)); cold at most 0.5 of skopeo's time (now $(& $r2 ($coldOurs.InProcess / $coldSkopeo.Wall)) in-process, $(& $r2 ($coldOurs.Wall / $coldSkopeo.Wall)) whole process); warm at most 0.15 (now $(& $r2 ($warmOurs.InProcess / $warmSkopeo.Wall)) in-process) with one request per image ($([math]::Round($warmOurs.Requests / $set.Count, 2)) per image); peak RSS under 200 MB (now $($coldOurs.PeakMB) MB)."
)
$summary | Set-Content (Join-Path $benchDir 'cse-shaped.md')
Write-Host ''
$summary | Write-Host
