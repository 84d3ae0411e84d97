# Dot-sourced by the tests of tests/Pester/Windows: the built module and nothing else. These tests need no Linux
# service (no registry, dockerd, skopeo, bash), so the Windows CI definition (.github/workflows/windows.yml) runs them
# in powershell.exe (5.1, .NET Framework) and pwsh, and build.ps1 Test runs them here on Linux. Windows PowerShell
# 5.1 syntax only.
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../../..')).Path
$script:ModulePath = Join-Path $RepoRoot 'out/CseAirgap'
$script:OnWindows = [IO.Path]::DirectorySeparatorChar -eq '\'
$script:OnFramework = $PSVersionTable.PSEdition -eq 'Desktop'
Import-Module (Join-Path $ModulePath 'CseAirgap.psd1') -Force

# Every folder a test makes is under this one, which Remove-WindowsTestRoot (each file's AfterAll) deletes.
$script:WindowsTestRoot = Join-Path ([IO.Path]::GetTempPath()) ("cse-win-" + [Guid]::NewGuid().ToString('N').Substring(0, 8))

function Remove-WindowsTestRoot {
    if (Test-Path -LiteralPath $WindowsTestRoot) { Remove-Item -LiteralPath $WindowsTestRoot -Recurse -Force -ErrorAction SilentlyContinue }
}

function New-WindowsTestFolder([string] $Name) {
    $folder = Join-Path $WindowsTestRoot ("$Name-" + [Guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Force $folder | Out-Null
    $folder
}

function Invoke-FreshShell {
    <# Runs a command in a new process of the PowerShell running this test (powershell.exe, pwsh, or dotnet pwsh.dll here). #>
    param([Parameter(Mandatory)][string] $Command)
    $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($Command))
    $self = (Get-Process -Id $PID).Path
    if ([IO.Path]::GetFileNameWithoutExtension($self) -eq 'dotnet') {
        $output = & $self (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -EncodedCommand $encoded 2>&1
    }
    else {
        $output = & $self -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand $encoded 2>&1
    }
    New-Object psobject -Property @{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String); Lines = @($output | ForEach-Object { "$_" }) }
}

function Get-Python {
    <# Fixtures are written by Python (an independent writer of tar, gzip and SQLite); hosted Windows runners have it. #>
    foreach ($name in $(if ($OnWindows) { 'python', 'python3' } else { 'python3', 'python' })) {
        $command = Get-Command $name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if ($command) { return $command.Source }
    }
    throw 'These tests write their fixtures with Python 3: install it (hosted Windows runners have it).'
}

function Invoke-Python([string] $Script, [string[]] $Arguments) {
    $file = Join-Path ([IO.Path]::GetTempPath()) ("cse-win-" + [Guid]::NewGuid().ToString('N') + '.py')
    [IO.File]::WriteAllText($file, $Script)
    try {
        $output = & (Get-Python) $file @Arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "python failed: $($output | Out-String)" }
        $output
    }
    finally { Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue }
}
