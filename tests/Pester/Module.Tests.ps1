BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    function Invoke-FreshPwsh([string] $Command) { Invoke-TestPwsh -ArgumentList '-Command', $Command }
}

Describe 'The built module' {
    It 'imports in a new pwsh and exports its cmdlets' {
        $result = Invoke-FreshPwsh "Import-Module '$ModulePath'; (Get-Command -Module CseAirgap).Name -join ','"
        $result.ExitCode | Should -Be 0
        $result.Output | Should -Match 'Get-CseAirgapImage'
        $result.Output | Should -Match 'Publish-CseDependency'
        $result.Output | Should -Match 'Get-CseDependency'
    }

    It 'loads its engine and third-party assemblies privately, from Dependencies' {
        $result = Invoke-FreshPwsh @"
Import-Module '$ModulePath'
`$null = Get-CseDependency -Reference projects.registry.vmware.com/tkg/pause:3.9
`$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'CseAirgap.Engine' }
[Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$engine).GetType().Name
`$engine.Location
"@
        $result.ExitCode | Should -Be 0 -Because $result.Output
        $result.Lines[0] | Should -Be 'PrivateLoadContext'
        $result.Lines[1] | Should -Be (Join-Path $ModulePath 'Dependencies/CseAirgap.Engine.dll')
        Get-ChildItem $ModulePath -Filter *.dll | ForEach-Object Name | Should -Be 'CseAirgap.dll'
    }

    It 'reads YAML beside another module''s YamlDotNet (<Order>)' -TestCases @(
        @{ Order = 'the other YamlDotNet loaded first'; First = $true }
        @{ Order = 'the module used first'; First = $false }
    ) {
        $environment = Get-CseTestEnvironment
        Assert-CseTestService 'source' | Out-Null
        $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
        $other = Join-Path $packages 'yamldotnet/11.2.1/lib/netstandard2.1/YamlDotNet.dll'
        $other | Should -Exist
        $mirror = ($environment.Fixtures.Mirrors.GetEnumerator() | ForEach-Object { "'$($_.Key)' = '$($_.Value)'" }) -join '; '
        $loadOther = "`$null = [Reflection.Assembly]::LoadFrom('$other'); `$old = [YamlDotNet.Serialization.Deserializer]::new().Deserialize[hashtable]('a: 1'); 'other:' + `$old['a']"
        $useModule = "Import-Module '$ModulePath'; 'module:' + @(Get-CseTkgDependency -TkgVersion 2.5.0 -KubernetesVersion 1.28 -SourceMirror @{ $mirror } -CaCertificate '$($environment.CaFile)').Count"
        $script = if ($First) { "$loadOther; $useModule; $loadOther" } else { "$useModule; $loadOther; $useModule" }
        $result = Invoke-FreshPwsh ("`$ErrorActionPreference = 'Stop'; " + $script + "; [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'YamlDotNet' } | ForEach-Object { 'loaded:' + `$_.GetName().Version }")
        $result.ExitCode | Should -Be 0 -Because $result.Output
        $result.Lines | Should -Contain 'other:1'
        ($result.Lines | Where-Object { $_ -like 'module:*' }) | ForEach-Object { [int]($_ -replace 'module:', '') | Should -BeGreaterThan 5 }
        ($result.Lines | Where-Object { $_ -like 'loaded:*' } | Sort-Object) | Should -Be @('loaded:11.0.0.0', 'loaded:16.0.0.0')
    }

    It 'answers Windows PowerShell''s assembly-resolve event only for its own assemblies' {
        # The handler is hooked only on .NET Framework; here its rule is called directly, as that event would call it.
        $result = Invoke-FreshPwsh @"
Import-Module '$ModulePath'
`$null = Get-CseDependency -Reference projects.registry.vmware.com/tkg/pause:3.9
`$module = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'CseAirgap' }
`$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'CseAirgap.Engine' }
`$resolver = [Activator]::CreateInstance(`$module.GetType('CseAirgap.PowerShell.FrameworkDependencyResolver'), @('$ModulePath'))
`$newtonsoft = 'Newtonsoft.Json, Version=13.0.0.0, Culture=neutral, PublicKeyToken=30ad4fe6b2a6aeed'
function Show(`$assembly) { if (`$assembly) { 'dll:' + [IO.Path]::GetFileName(`$assembly.Location) } else { 'none' } }
'foreign:' + (Show `$resolver.Resolve(`$null, [ResolveEventArgs]::new(`$newtonsoft, [Management.Automation.PSObject].Assembly)))
'unknown:' + (Show `$resolver.Resolve(`$null, [ResolveEventArgs]::new(`$newtonsoft)))
'engine:' + (Show `$resolver.Resolve(`$null, [ResolveEventArgs]::new(`$newtonsoft, `$engine)))
'cmdlets:' + (Show `$resolver.Resolve(`$null, [ResolveEventArgs]::new('CseAirgap.Engine', `$module)))
'byname:' + (Show `$resolver.Resolve(`$null, [ResolveEventArgs]::new('CseAirgap.Engine')))
"@
        $result.ExitCode | Should -Be 0 -Because $result.Output
        $result.Lines | Should -Contain 'foreign:none' -Because 'another module asking for Newtonsoft.Json must not get ours'
        $result.Lines | Should -Contain 'unknown:none'
        $result.Lines | Should -Contain 'engine:dll:Newtonsoft.Json.dll'
        $result.Lines | Should -Contain 'cmdlets:dll:CseAirgap.Engine.dll'
        $result.Lines | Should -Contain 'byname:dll:CseAirgap.Engine.dll'
    }

    It 'does not ship System.Management.Automation' {
        Get-ChildItem -Recurse $ModulePath -Filter 'System.Management.Automation.dll' | Should -BeNullOrEmpty
    }

    It 'has a manifest that Test-ModuleManifest accepts, with the version from Directory.Build.props' {
        $manifest = Test-ModuleManifest (Join-Path $ModulePath 'CseAirgap.psd1')
        $expected = ([xml](Get-Content -Raw (Join-Path $RepoRoot 'Directory.Build.props'))).Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1
        $manifest.Version | Should -Be ([version]$expected)
        $manifest.CompatiblePSEditions | Should -Contain 'Desktop'
        $manifest.DotNetFrameworkVersion | Should -Be ([version]'4.7.2') -Because 'Windows PowerShell on .NET Framework 4.6.2 must refuse to import it clearly'
    }

    It 'builds the engine for netstandard2.0, so Windows PowerShell 5.1 can load it' {
        foreach ($name in 'CseAirgap.dll', 'Dependencies/CseAirgap.Engine.dll') {
            $bytes = [IO.File]::ReadAllBytes((Join-Path $ModulePath $name))
            $text = [Text.Encoding]::ASCII.GetString($bytes)
            $text | Should -Match '\.NETStandard,Version=v2\.0'
        }
    }
}

Describe 'Get-CseAirgapImage' {
    It 'returns the procedure''s table when no version is given' {
        $images = @(Get-CseAirgapImage)
        $images.Count | Should -Be 3
        $images[0].PSObject.TypeNames[0] | Should -Be 'CseAirgap.PowerShell.Output.CseAirgapImage'
        ($images | ForEach-Object { "$($_.CseVersion)=$($_.Tag)" }) -join ' ' | Should -Be '4.2.0=v0.1.2 4.2.1=v0.1.3 4.2.2=v0.1.4'
    }

    It 'maps CSE <Version> to <Tag>' -TestCases @(
        @{ Version = '4.2'; Tag = 'v0.1.2' }, @{ Version = '4.2.0'; Tag = 'v0.1.2' },
        @{ Version = '4.2.1'; Tag = 'v0.1.3' }, @{ Version = '4.2.2'; Tag = 'v0.1.4' }
    ) {
        $image = Get-CseAirgapImage -CseVersion $Version
        $image.Tag | Should -Be $Tag
        $image.Reference | Should -Be "projects.registry.vmware.com/vmware-cloud-director/getting-started-airgapped:$Tag"
        $image.Registry | Should -Be 'projects.registry.vmware.com'
        $image.Repository | Should -Be 'vmware-cloud-director/getting-started-airgapped'
    }

    It 'takes several versions, from the pipeline too' {
        ('4.2.1', '4.2.2' | Get-CseAirgapImage).Tag | Should -Be @('v0.1.3', 'v0.1.4')
    }

    It 'reports an unknown version as an error that lists the known ones, and still returns the others' {
        $images = Get-CseAirgapImage -CseVersion '4.1', '4.2.2' -ErrorVariable problems -ErrorAction SilentlyContinue
        $images.Tag | Should -Be 'v0.1.4'
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'UnknownCseVersion,CseAirgap.PowerShell.Commands.GetCseAirgapImageCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $problems[0].TargetObject | Should -Be '4.1'
        $problems[0].Exception.Message | Should -Match '4\.2 \(4\.2\.0\), 4\.2\.1, 4\.2\.2'
    }

    It 'completes -CseVersion with the known versions' {
        $line = 'Get-CseAirgapImage -CseVersion 4.2.'
        $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $completions | Should -Be @('4.2.0', '4.2.1', '4.2.2')
    }
}
