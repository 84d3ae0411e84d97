BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'build.ps1 Package' {
    It 'makes a .nupkg that Install-PSResource installs from a local repository, and the installed module imports' {
        $build = Invoke-TestPwsh -ArgumentList '-File', (Join-Path $RepoRoot 'build.ps1'), 'Package'
        $build.ExitCode | Should -Be 0 -Because $build.Output
        $nupkg = Get-ChildItem (Join-Path $RepoRoot 'out/packages') -Filter 'CseAirgap.*.nupkg' | Select-Object -First 1
        $nupkg | Should -Not -BeNullOrEmpty

        # A throwaway home: PSResourceGet keeps its repository list and CurrentUser modules under it.
        $tempHome = Join-Path ([IO.Path]::GetTempPath()) "psresource-$([Guid]::NewGuid().ToString('N'))"
        $repo = Join-Path $tempHome 'repo'
        New-Item -ItemType Directory -Force $repo | Out-Null
        Copy-Item $nupkg.FullName $repo
        $script = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name CseLocal -Uri '$repo' -Trusted
Install-PSResource -Name CseAirgap -Repository CseLocal -Scope CurrentUser -TrustRepository -Quiet
`$installed = Get-Module -ListAvailable CseAirgap
if (-not `$installed.Path.StartsWith('$tempHome')) { throw "installed outside the temp home: `$(`$installed.Path)" }
Import-Module CseAirgap
(Get-CseAirgapImage -CseVersion 4.2.2).Tag
"@
        $oldHome = $env:HOME
        $env:HOME = $tempHome
        $oldData = $env:XDG_DATA_HOME
        # It must exist: .NET answers "" for a data folder that does not, and PSResourceGet would then write to the working directory.
        $env:XDG_DATA_HOME = (New-Item -ItemType Directory -Force (Join-Path $tempHome '.local/share')).FullName
        try {
            $result = Invoke-TestPwsh -ArgumentList '-Command', $script
        }
        finally {
            $env:HOME = $oldHome
            $env:XDG_DATA_HOME = $oldData
            Remove-Item -Recurse -Force $tempHome -ErrorAction SilentlyContinue
        }
        $result.ExitCode | Should -Be 0 -Because $result.Output
        ($result.Lines | Select-Object -Last 1) | Should -Be 'v0.1.4'
    }
}
