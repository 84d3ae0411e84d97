# Starting and stopping the service processes of a test run.

function Start-ServiceProcess {
    <# Starts a program with its output in a log file; returns the process (already in the environment's list). #>
    param($Environment, [string] $Name, [string] $FilePath, [string[]] $ArgumentList, [hashtable] $Variables = @{})
    $log = Join-Path $Environment.Root "$Name.log"
    $info = [Diagnostics.ProcessStartInfo]::new('bash')
    $quoted = (@($FilePath) + $ArgumentList | ForEach-Object { "'" + ($_ -replace "'", "'\''") + "'" }) -join ' '
    $info.ArgumentList.Add('-c')
    $info.ArgumentList.Add("exec $quoted >'$log' 2>&1 </dev/null")
    $info.UseShellExecute = $false
    foreach ($k in $Variables.Keys) { $info.Environment[$k] = $Variables[$k] }
    $process = [Diagnostics.Process]::Start($info)
    $Environment.Processes.Add($process)
    [pscustomobject]@{ Process = $process; Log = $log }
}

function Wait-ServiceReady {
    <# Waits until $Probe returns true, up to a deadline; returns an error text (with the log's tail) or $null. #>
    param([scriptblock] $Probe, $Started, [int] $TimeoutSeconds = 30)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if ($Started.Process.HasExited) { break }
        try { if (& $Probe) { return $null } } catch { }
        Start-Sleep -Milliseconds 100
    }
    $tail = if (Test-Path $Started.Log) { (Get-Content $Started.Log -Tail 15) -join "`n" } else { '' }
    $state = if ($Started.Process.HasExited) { "exited with code $($Started.Process.ExitCode)" } else { "did not answer within $TimeoutSeconds s" }
    "$state. Log $($Started.Log):`n$tail"
}

function Stop-CseTestProcess {
    param([Parameter(Mandatory, Position = 0)] $Process)
    $p = if ($Process -is [Diagnostics.Process]) { $Process } else { $Process.Process }
    try {
        if (-not $p.HasExited) {
            $p.Kill($true)
            $p.WaitForExit(10000) | Out-Null
            # A .NET process killed outright (the test servers) leaves its diagnostic pipes and socket in the temp
            # folder: three files per process, which add up run after run.
            Get-ChildItem ([IO.Path]::GetTempPath()) -Filter "*-$($p.Id)-*" -ErrorAction SilentlyContinue |
                Where-Object Name -Match "^(clr-debug-pipe|dotnet-diagnostic)-$($p.Id)-" | Remove-Item -Force -ErrorAction SilentlyContinue
        }
    }
    catch { }
}

function Stop-TestDockerd {
    <#
        dockerd mounts its data root over itself; killed outright it leaves that mount behind, one per run. Asked to
        stop (SIGTERM) it unmounts; a mount still there afterwards is unmounted here.
    #>
    param($Environment, $Service)
    # The run's own handle on it, not a lookup by id: an id may belong to another process once this one is gone.
    $process = $Environment.Processes | Where-Object Id -EQ $Service.Pid | Select-Object -First 1
    if ($process -and -not $process.HasExited) {
        & kill -TERM $Service.Pid 2>$null
        if (-not $process.WaitForExit(20000)) { Stop-CseTestProcess $process }
    }
    & mountpoint -q $Service.DataRoot 2>$null
    if ($LASTEXITCODE -eq 0) { & umount $Service.DataRoot 2>$null }
}

function Start-TestDockerd {
    param($Environment)
    $dir = Join-Path $Environment.Root 'docker'
    # The exec root holds a unix socket path: keep it short (108-byte limit).
    $exec = "/tmp/cse-de-$PID"
    New-Item -ItemType Directory -Force (Join-Path $dir 'data'), $exec | Out-Null
    $socket = Join-Path $exec 'docker.sock'
    $started = Start-ServiceProcess -Environment $Environment -Name 'dockerd' -FilePath 'dockerd' -ArgumentList @(
        '--storage-driver=vfs', '--iptables=false', '--ip6tables=false', '--bridge=none',
        '--data-root', (Join-Path $dir 'data'), '--exec-root', $exec, '-H', "unix://$socket", '-p', (Join-Path $exec 'docker.pid'))
    $dockerHost = "unix://$socket"
    $err = Wait-ServiceReady -Started $started -TimeoutSeconds 60 -Probe {
        & docker -H $dockerHost version --format '{{.Server.Version}}' 2>$null | Out-Null
        $LASTEXITCODE -eq 0
    }
    $Environment.Services['docker'] = @{ Name = 'docker'; DockerHost = $dockerHost; ExecRoot = $exec; DataRoot = (Join-Path $dir 'data'); Pid = $started.Process.Id; Error = $err }
    $Environment.DockerHost = $dockerHost
}
