<#
.SYNOPSIS
    Copies SQLite's native engines from SQLitePCLRaw's restored package into the module's Dependencies/runtimes.
.DESCRIPTION
    A netstandard2.0 publish leaves out NuGet's runtimes/<rid>/native files, so build.ps1 copies them. A platform
    whose engine is missing would build a module that fails there at its first database open (Get-CseTanzuPlugin,
    Test-CseRegistryLayout's inventory check), so a missing required engine fails the build, naming it. Its own
    script so a test can run it against a package folder the test writes.
#>
[CmdletBinding()]
param(
    # The package's runtimes folder (…/sqlitepclraw.lib.e_sqlite3/<version>/runtimes).
    [Parameter(Mandatory)] [string] $Runtimes,
    # The module's Dependencies folder.
    [Parameter(Mandatory)] [string] $Destination
)

$ErrorActionPreference = 'Stop'
# Where admins run PowerShell: Windows PowerShell and PowerShell 7 on the three Windows architectures, PowerShell 7 on
# Linux and macOS. The others are copied when the package has them.
$required = [ordered]@{
    'win-x64' = 'e_sqlite3.dll'; 'win-x86' = 'e_sqlite3.dll'; 'win-arm64' = 'e_sqlite3.dll'
    'linux-x64' = 'libe_sqlite3.so'; 'osx-x64' = 'libe_sqlite3.dylib'; 'osx-arm64' = 'libe_sqlite3.dylib'
}
$optional = 'linux-arm64', 'linux-musl-x64'

if (-not (Test-Path -LiteralPath $Runtimes)) { throw "SQLite's native libraries were not restored ($Runtimes): run dotnet restore." }
$missing = @($required.Keys | Where-Object { -not (Test-Path -LiteralPath (Join-Path $Runtimes "$_/native/$($required[$_])")) } | ForEach-Object { "$_/native/$($required[$_])" })
if ($missing) { throw "SQLite's native engine is missing from $Runtimes for: $($missing -join ', '). The module would fail on those platforms at its first database open; restore a package that ships them." }
foreach ($rid in @($required.Keys) + $optional) {
    $native = Join-Path $Runtimes "$rid/native"
    if (-not (Test-Path -LiteralPath $native)) { continue }
    $target = New-Item -ItemType Directory -Force (Join-Path $Destination "runtimes/$rid/native")
    Copy-Item (Join-Path $native '*') $target
}
