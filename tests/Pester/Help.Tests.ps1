BeforeDiscovery {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    Import-Module (Join-Path $repoRoot 'out/CseAirgap/CseAirgap.psd1') -Force
    $script:Cmdlets = @(Get-Command -Module CseAirgap -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Common = [Management.Automation.PSCmdlet]::CommonParameters
}

Describe 'Help for <Name>' -ForEach $Cmdlets {
    BeforeAll { $script:Help = Get-Help $Name -Full }

    It 'has a synopsis and a description' {
        $Help.Synopsis | Should -Not -BeNullOrEmpty
        $Help.Synopsis | Should -Not -Match '^\s*Get-|^\s*\w+-Cse\w+ \[' -Because 'a real synopsis, not the generated syntax'
        ($Help.description.Text -join ' ') | Should -Not -BeNullOrEmpty
    }

    It 'reads as plain text, without markdown marks' {
        $texts = @($Help.Synopsis) + @($Help.description.Text) + @($Help.parameters.parameter | ForEach-Object { $_.description.Text })
        foreach ($text in $texts) { $text | Should -Not -Match '`|\*\*|\]\(' -Because 'Get-Help prints markdown marks as they are' }
    }

    It 'describes every parameter' {
        $parameters = (Get-Command $Name).Parameters.Keys | Where-Object { $_ -notin $Common }
        foreach ($p in $parameters) {
            $entry = $Help.parameters.parameter | Where-Object name -EQ $p
            ($entry.description.Text -join ' ') | Should -Not -BeNullOrEmpty -Because "-$p needs help text"
        }
    }

    It 'has at least two examples with code' {
        @($Help.examples.example).Count | Should -BeGreaterOrEqual 2
        foreach ($e in $Help.examples.example) { $e.code | Should -Match "Cse" }
    }

    It 'names its outputs' {
        ($Help.returnValues.returnValue.type.name -join ' ') | Should -Not -BeNullOrEmpty
    }
}

Describe 'about_CseAirgap' {
    It 'explains the workflow, the layout rule and trust' {
        $text = Get-Help about_CseAirgap | Out-String
        $text | Should -Match 'THE LAYOUT RULE'
        $text | Should -Match 'TRUST AND CREDENTIALS'
        $text | Should -Match 'Publish-CseDependency'
    }
}
