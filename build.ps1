#Requires -Version 7.2
<#
.SYNOPSIS
    Builds, tests, packages and demonstrates the CseAirgap module.
.DESCRIPTION
    One task per run, first positional parameter:
      Build    the module folder out/CseAirgap (default)
      Test     build, run the engine's xunit tests, start the test services, run every Pester test, stop the services
      Package  a .nupkg of the module in out/packages, installable with Install-PSResource
      Demo     the main job against local registries it starts and stops
      Bench    the benchmark: Publish-CseDependency against skopeo on the same images (-Wan: across a shaped WAN link)
      Clean    remove out/ and the bin/obj folders
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Package', 'Demo', 'Bench', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Pester tests to run (a path under tests/Pester); all of them by default.
    [string[]] $TestPath,

    # For Bench: the size of the large layer, in MiB.
    [int] $BenchLayerMiB = 1024,

    # For Bench: which sets to run: the fixture set against skopeo, the CSE-shaped set (CPU per GB), or both.
    [ValidateSet('All', 'Fixtures', 'CseShaped')]
    [string] $BenchSet = 'All',

    # For Bench: instead, the CSE-shaped set across a shaped WAN link (tests/Bench/Invoke-CseWanBenchmark.ps1), ours
    # against skopeo; -WanLargeLayerMiB and -WanUniqueMiB shrink the set (512 and 1200 by default, the issue's shape).
    [switch] $Wan,
    [int] $WanLargeLayerMiB = 512,
    [int] $WanUniqueMiB = 1200
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleOut = Join-Path $out 'CseAirgap'

function Invoke-Native {
    # Runs a program and throws when it fails, so no task goes on after a broken step.
    # A plain function: its arguments (-c, -o, ...) pass through to the program untouched.
    $program, $arguments = $args
    & $program @arguments
    if ($LASTEXITCODE -ne 0) { throw "'$program $($arguments -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Get-ModuleVersion {
    ([xml](Get-Content -Raw (Join-Path $root 'Directory.Build.props'))).Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1
}

function Invoke-Build {
    $publish = Join-Path $out 'publish'
    Invoke-Native dotnet publish (Join-Path $root 'src/CseAirgap.PowerShell/CseAirgap.PowerShell.csproj') -c $Configuration -o $publish --nologo -v quiet
    if (Test-Path $moduleOut) { Remove-Item -Recurse -Force $moduleOut }
    New-Item -ItemType Directory -Force $moduleOut | Out-Null
    # System.Management.Automation comes from the host PowerShell, never from us. Only the cmdlet assembly sits at
    # the top; the engine and third-party assemblies go to Dependencies/, loaded privately (ModuleInitializer.cs).
    $dependencies = New-Item -ItemType Directory -Force (Join-Path $moduleOut 'Dependencies')
    foreach ($dll in Get-ChildItem $publish -Filter *.dll | Where-Object Name -NE 'System.Management.Automation.dll') {
        Copy-Item $dll.FullName -Destination $(if ($dll.Name -eq 'CseAirgap.dll') { $moduleOut } else { $dependencies })
    }
    Copy-NativeLibraries -Destination $dependencies
    Copy-Item (Join-Path $root 'src/CseAirgap.PowerShell/CseAirgap.Format.ps1xml') $moduleOut
    Copy-Item (Join-Path $root 'LICENSE') $moduleOut
    $manifest = Get-Content -Raw (Join-Path $root 'CseAirgap.psd1')
    $manifest = $manifest -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion        = '$(Get-ModuleVersion)'"
    Set-Content -Path (Join-Path $moduleOut 'CseAirgap.psd1') -Value $manifest -Encoding utf8NoBOM
    # Help is built from docs/help in a pwsh of its own (it imports the module to read its metadata).
    Invoke-Native dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File (Join-Path $root 'build/New-CseHelp.ps1') -ModulePath $moduleOut -Source (Join-Path $root 'docs/help')
    Write-Host "Built $moduleOut (version $(Get-ModuleVersion))"
}

function Copy-NativeLibraries([string] $Destination) {
    # SQLite's engines, found by the module's private load context on PowerShell 7 and loaded by full path on Windows
    # PowerShell (SqliteNativeLoader.cs); the script fails the build when a required platform's engine is missing.
    $version = ([xml](Get-Content -Raw (Join-Path $root 'Directory.Packages.props'))).Project.ItemGroup.PackageVersion |
        Where-Object Include -EQ 'SQLitePCLRaw.bundle_e_sqlite3' | ForEach-Object Version
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    & (Join-Path $root 'build/Copy-SqliteNative.ps1') -Runtimes (Join-Path $packages "sqlitepclraw.lib.e_sqlite3/$version/runtimes") -Destination $Destination
}

function Invoke-Package {
    Invoke-Build
    $packages = Join-Path $out 'packages'
    New-Item -ItemType Directory -Force $packages | Out-Null
    Get-ChildItem $packages -Filter 'CseAirgap.*.nupkg' | Remove-Item -Force
    # PSResourceGet builds the nupkg itself, so what Install-PSResource reads is what it would publish.
    $repoName = "CseAirgapBuild$PID"
    Register-PSResourceRepository -Name $repoName -Uri $packages -Trusted
    try {
        Publish-PSResource -Path $moduleOut -Repository $repoName -SkipDependenciesCheck
    }
    finally {
        Unregister-PSResourceRepository -Name $repoName
    }
    $nupkg = Get-ChildItem $packages -Filter 'CseAirgap.*.nupkg' | Select-Object -First 1
    if (-not $nupkg) { throw "Publish-PSResource produced no package in $packages." }
    Write-Host "Packaged $($nupkg.FullName)"
    $nupkg
}

function Import-Pester {
    $version = '5.7.1'
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $psd1 = Join-Path $packages "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path $psd1) -or -not (Test-Path (Join-Path $packages 'yamldotnet/11.2.1'))) {
        Invoke-Native dotnet restore (Join-Path $root 'tests/tools/PesterDownload.csproj') --nologo -v quiet
    }
    Import-Module $psd1 -Force
}

function Invoke-EngineTest {
    # The fast xunit tests of the plain C# engine; their counts join Pester's in the closing line.
    $results = Join-Path $out 'test-results'
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    $project = Join-Path $root 'tests/CseAirgap.Engine.Tests/CseAirgap.Engine.Tests.csproj'
    & dotnet test $project -c $Configuration --nologo -v quiet --logger 'trx;LogFileName=engine.trx' --logger 'console;verbosity=minimal' --results-directory $results | Out-Host
    $trx = Join-Path $results 'engine.trx'
    if (-not (Test-Path $trx)) {
        Write-Host 'The engine tests did not run (no results file): see the build output above.' -ForegroundColor Red
        return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
    }
    $counters = ([xml](Get-Content -Raw $trx)).TestRun.ResultSummary.Counters
    [pscustomobject]@{ Passed = [int]$counters.passed; Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted; Skipped = [int]$counters.notExecuted }
}

function Invoke-Test {
    Invoke-Build
    $engine = if ($TestPath) { [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 } } else { Invoke-EngineTest }
    Import-Module (Join-Path $root 'tests/TestEnvironment/CseAirgapTestEnvironment.psd1') -Force
    Install-CseTestPrerequisite
    Import-Pester
    $environment = $null
    $result = $null
    try {
        $environment = Start-CseTestEnvironment -Docker -Fixtures
        $config = New-PesterConfiguration
        # From bash, "-TestPath a,b" arrives as one string.
        $config.Run.Path = if ($TestPath) { @($TestPath -split ',' | ForEach-Object { Join-Path $root $_ }) } else { Join-Path $root 'tests/Pester' }
        $config.Run.PassThru = $true
        $config.Output.Verbosity = 'Detailed'
        # Tests run with a user's default preferences, not this script's Stop and strict mode.
        $result = & {
            $ErrorActionPreference = 'Continue'
            Set-StrictMode -Off
            Invoke-Pester -Configuration $config
        }
    }
    catch {
        Write-Host "The test run could not go on: $_" -ForegroundColor Red
    }
    finally {
        if ($environment) { Stop-CseTestEnvironment $environment }
    }
    $passed = $engine.Passed + $(if ($result) { $result.PassedCount } else { 0 })
    $failed = $engine.Failed + $(if ($result) { $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount } else { 1 })
    $skipped = $engine.Skipped + $(if ($result) { $result.SkippedCount } else { 0 })
    Write-Host "Engine (xunit): $($engine.Passed) passed, $($engine.Failed) failed, $($engine.Skipped) skipped"
    Write-Host "Tests: $passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0 -or -not $result) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    Import-Module (Join-Path $root 'tests/TestEnvironment/CseAirgapTestEnvironment.psd1') -Force
    Install-CseTestPrerequisite
    $environment = Start-CseTestEnvironment -Fixtures
    try {
        & (Join-Path $root 'tests/TestEnvironment/Demo.ps1') -Environment $environment -ModulePath $moduleOut
    }
    finally {
        Stop-CseTestEnvironment $environment
    }
}

function Invoke-Bench {
    Invoke-Build
    Import-Module (Join-Path $root 'tests/TestEnvironment/CseAirgapTestEnvironment.psd1') -Force
    Install-CseTestPrerequisite
    $environment = Start-CseTestEnvironment -Fixtures
    try {
        if ($Wan) {
            & (Join-Path $root 'tests/Bench/Invoke-CseWanBenchmark.ps1') -Environment $environment -ModulePath $moduleOut -LargeLayerMiB $WanLargeLayerMiB -UniqueMiB $WanUniqueMiB
            return
        }
        if ($BenchSet -in 'All', 'Fixtures') {
            & (Join-Path $root 'tests/Bench/Invoke-CseBenchmark.ps1') -Environment $environment -ModulePath $moduleOut -LargeLayerMiB $BenchLayerMiB
        }
        if ($BenchSet -in 'All', 'CseShaped') {
            & (Join-Path $root 'tests/Bench/Invoke-CseShapedBenchmark.ps1') -Environment $environment -ModulePath $moduleOut
        }
    }
    finally {
        Stop-CseTestEnvironment $environment
    }
}

function Invoke-Clean {
    if (Test-Path $out) { Remove-Item -Recurse -Force $out }
    Get-ChildItem $root -Recurse -Directory -Include bin, obj | Remove-Item -Recurse -Force
    Write-Host 'Cleaned.'
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Package' { Invoke-Package | Out-Null }
    'Demo' { Invoke-Demo }
    'Bench' { Invoke-Bench }
    'Clean' { Invoke-Clean }
}
