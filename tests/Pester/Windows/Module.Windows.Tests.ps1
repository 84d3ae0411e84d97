# Issue 22: the built module in the PowerShell running this file (powershell.exe 5.1 or pwsh on the Windows CI; pwsh on
# Linux in build.ps1 Test). Which tests run only on Windows is said in each -Skip.
BeforeDiscovery {
    # -Skip is read when the tests are found, before BeforeAll runs.
    $OnWindows = [IO.Path]::DirectorySeparatorChar -eq '\'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'WindowsSetup.ps1')

    function Get-EngineCall([string] $ModuleFolder) {
        # The engine loads on a cmdlet's first use (privately on PowerShell 7, from Dependencies on 5.1); a lookup that
        # needs no network loads it, then the test calls the engine's inventory reader by reflection.
        @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModuleFolder'
`$null = Get-CseDependency -Reference projects.registry.vmware.com/tkg/pause:3.9
`$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'CseAirgap.Engine' } | Select-Object -First 1
`$reader = `$engine.GetType('CseAirgap.Engine.Plugins.PluginInventoryDatabase').GetMethod('ReadBinaries', [type[]]@([string], [string]))
"@
    }

    $script:InventoryWriter = @'
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
connection.executescript("""
CREATE TABLE "PluginBinaries" ("PluginName" TEXT NOT NULL, "Target" TEXT NOT NULL, "RecommendedVersion" TEXT NOT NULL, "Version" TEXT NOT NULL,
  "Hidden" TEXT NOT NULL, "Description" TEXT NOT NULL, "Publisher" TEXT NOT NULL, "Vendor" TEXT NOT NULL, "OS" TEXT NOT NULL,
  "Architecture" TEXT NOT NULL, "Digest" TEXT NOT NULL, "URI" TEXT NOT NULL, PRIMARY KEY("PluginName", "Target", "Version", "OS", "Architecture"));
INSERT INTO PluginBinaries VALUES ('cluster','kubernetes','','v0.30.1','false','d','tkg','vmware','windows','amd64','00','vmware/tkg/windows/amd64/kubernetes/cluster:v0.30.1');
""")
connection.commit()
connection.close()
'@
}

AfterAll { Remove-WindowsTestRoot }

Describe 'The built module on Windows (issue 22)' {
    It 'imports in a new process of this PowerShell and exports its cmdlets' {
        $result = Invoke-FreshShell "Import-Module '$ModulePath'; (Get-Command -Module CseAirgap).Name -join ','"
        $result.ExitCode | Should -Be 0 -Because $result.Output
        $result.Output | Should -Match 'Expand-CseArtifact'
    }

    It 'opens SQLite (its native engine found in Dependencies/runtimes) and reads an inventory written by Python''s sqlite3' {
        $folder = New-WindowsTestFolder 'sqlite'
        $db = Join-Path $folder 'plugin_inventory.db'
        Invoke-Python $InventoryWriter @($db) | Out-Null
        $result = Invoke-FreshShell ((Get-EngineCall $ModulePath) + "`n`$rows = `$reader.Invoke(`$null, @('$db', 'inventory'))`n'uri:' + `$rows[0].URI")
        $result.ExitCode | Should -Be 0 -Because $result.Output
        $result.Lines | Should -Contain 'uri:vmware/tkg/windows/amd64/kubernetes/cluster:v0.30.1'
    }

    It 'imports and opens SQLite from a copy carrying the Mark of the Web once Unblock-File has run, as the README says' -Skip:(-not $OnWindows) {
        # A downloaded zip's files carry a Zone.Identifier stream (zone 3, the Internet); .NET Framework refuses to
        # LoadFrom such files. The copy is marked here as Windows marks a download, then unblocked as the README says.
        $folder = New-WindowsTestFolder 'motw'
        $copy = Join-Path $folder 'CseAirgap'
        Copy-Item -Recurse $ModulePath $copy
        $files = Get-ChildItem -Recurse -File $copy
        foreach ($file in $files) { Set-Content -LiteralPath $file.FullName -Stream Zone.Identifier -Value "[ZoneTransfer]`r`nZoneId=3" }
        @(Get-Item -LiteralPath $files[0].FullName -Stream Zone.Identifier -ErrorAction SilentlyContinue).Count | Should -Be 1
        $files | Unblock-File
        @(Get-ChildItem -Recurse -File $copy | Get-Item -Stream Zone.Identifier -ErrorAction SilentlyContinue).Count | Should -Be 0
        $db = Join-Path $folder 'plugin_inventory.db'
        Invoke-Python $InventoryWriter @($db) | Out-Null
        $result = Invoke-FreshShell ((Get-EngineCall $copy) + "`n`$rows = `$reader.Invoke(`$null, @('$db', 'inventory'))`n'rows:' + @(`$rows).Count")
        $result.ExitCode | Should -Be 0 -Because $result.Output
        $result.Lines | Should -Contain 'rows:1'
    }

    It 'ships SQLite''s native engine for every platform it runs on' {
        foreach ($file in 'win-x64/native/e_sqlite3.dll', 'win-x86/native/e_sqlite3.dll', 'win-arm64/native/e_sqlite3.dll',
            'linux-x64/native/libe_sqlite3.so', 'osx-x64/native/libe_sqlite3.dylib', 'osx-arm64/native/libe_sqlite3.dylib') {
            Join-Path $ModulePath "Dependencies/runtimes/$file" | Should -Exist
        }
    }
}

Describe 'The build''s copy of SQLite''s native engines (issue 22)' {
    BeforeAll {
        function New-FakeRuntimes([string[]] $Without) {
            # A package folder as NuGet restores SQLitePCLRaw.lib.e_sqlite3: runtimes/<rid>/native/<engine>.
            $runtimes = Join-Path (New-WindowsTestFolder 'runtimes') 'runtimes'
            $engines = @{ 'win-x64' = 'e_sqlite3.dll'; 'win-x86' = 'e_sqlite3.dll'; 'win-arm64' = 'e_sqlite3.dll'; 'linux-x64' = 'libe_sqlite3.so'
                'linux-arm64' = 'libe_sqlite3.so'; 'osx-x64' = 'libe_sqlite3.dylib'; 'osx-arm64' = 'libe_sqlite3.dylib' }
            foreach ($rid in $engines.Keys) {
                if ($Without -contains $rid) { continue }
                $native = New-Item -ItemType Directory -Force (Join-Path $runtimes "$rid/native")
                Set-Content -LiteralPath (Join-Path $native $engines[$rid]) -Value $rid
            }
            $runtimes
        }
        $script:CopyScript = Join-Path $RepoRoot 'build/Copy-SqliteNative.ps1'
    }

    It 'fails the build, naming it, when the package lacks the <Rid> engine' -TestCases @(
        @{ Rid = 'win-x64' }, @{ Rid = 'win-x86' }, @{ Rid = 'win-arm64' }, @{ Rid = 'linux-x64' }, @{ Rid = 'osx-arm64' }
    ) {
        $destination = New-WindowsTestFolder 'deps'
        { & $CopyScript -Runtimes (New-FakeRuntimes -Without $Rid) -Destination $destination } | Should -Throw "*$Rid*"
        @(Get-ChildItem -Recurse -File $destination).Count | Should -Be 0
    }

    It 'copies every engine when the package has them all' {
        $destination = New-WindowsTestFolder 'deps'
        & $CopyScript -Runtimes (New-FakeRuntimes -Without @()) -Destination $destination
        Get-Content -LiteralPath (Join-Path $destination 'runtimes/win-x86/native/e_sqlite3.dll') | Should -Be 'win-x86'
        Join-Path $destination 'runtimes/linux-arm64/native/libe_sqlite3.so' | Should -Exist
    }
}
