<#
.SYNOPSIS
    Runs tests/Pester/Windows in the PowerShell that runs this script (powershell.exe 5.1 or pwsh) against the built
    module in out/CseAirgap; exits 1 when a test fails. The Windows CI definition (.github/workflows/windows.yml) runs
    it once per PowerShell. Windows PowerShell 5.1 syntax only.
.PARAMETER Path
    Test files to run; all of tests/Pester/Windows by default.
.PARAMETER ResultFile
    Where to write NUnit XML results, for the CI to keep.
#>
param([string[]] $Path, [string] $ResultFile)

$ErrorActionPreference = 'Stop'
$root = (Resolve-Path (Join-Path $PSScriptRoot '../../..')).Path
if (-not (Test-Path (Join-Path $root 'out/CseAirgap/CseAirgap.psd1'))) { throw 'Build the module first: dotnet pwsh ./build.ps1 Build' }
# Pester comes from the NuGet package folder, where 'dotnet restore tests/tools/PesterDownload.csproj' puts it (the
# build machines reach NuGet, not the PowerShell Gallery).
$packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
Import-Module (Join-Path $packages 'pester/5.7.1/tools/Pester.psd1') -Force

$config = New-PesterConfiguration
$config.Run.Path = if ($Path) { $Path } else { Join-Path $root 'tests/Pester/Windows' }
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
if ($ResultFile) {
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputPath = $ResultFile
}
Write-Host "PowerShell $($PSVersionTable.PSVersion) ($($PSVersionTable.PSEdition)), $([Runtime.InteropServices.RuntimeInformation]::FrameworkDescription), $([Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture)"
# Tests run with a user's default preference (native programs' stderr is not an error), as in build.ps1 Test.
$ErrorActionPreference = 'Continue'
$result = Invoke-Pester -Configuration $config
if ($result.FailedCount -gt 0 -or $result.FailedBlocksCount -gt 0 -or $result.FailedContainersCount -gt 0) { exit 1 }
exit 0
