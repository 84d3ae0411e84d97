BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Environment = Get-CseTestEnvironment
    $script:Mirror = Get-TestMirror
    $script:Ca = $Environment.CaFile
    $script:Plugins = $Environment.Fixtures.Plugins

    function Read-Inventory([string] $Base, [string] $Query) {
        # sqlite3 reads the database that landed, not the module.
        $db = Get-TestImageFile -Registry $Target -Reference "$Base/tanzu_cli/plugins/plugin-inventory:latest" -File 'plugin_inventory.db'
        $db | Should -Not -BeNullOrEmpty
        @(& sqlite3 -separator '|' $db $Query)
    }
}

Describe 'Get-CseTanzuPlugin' {
    It 'finds the vmware-tkg/default plug-ins of a TKG version, newest binary for a shortened version, hidden groups left out' {
        Assert-CseTestService 'source' | Out-Null
        $found = Get-CseTanzuPlugin -TkgVersion 2.5.0 -SourceMirror $Mirror -CaCertificate $Ca
        $found[0].PSObject.TypeNames[0] | Should -Be 'CseAirgap.PowerShell.Output.CseTanzuPlugin'
        ($found | ForEach-Object { "$($_.Name):$($_.Version)" } | Sort-Object -Unique) | Should -Be ($Plugins.Expected['v2.5.0'] | Sort-Object)
        ($found.OperatingSystem | Sort-Object -Unique) | Should -Be @('linux', 'windows')
        $found.Group | Sort-Object -Unique | Should -Be 'vmware-tkg/default:v2.5.0'
        $found.Name | Should -Not -Contain 'mission-control'
    }

    It 'narrows to the operating systems and architectures asked for' {
        $found = Get-CseTanzuPlugin -TkgVersion 2.5.0 -OperatingSystem linux -Architecture amd64 -SourceMirror $Mirror -CaCertificate $Ca
        $found.OperatingSystem | Sort-Object -Unique | Should -Be 'linux'
        $found.Count | Should -Be 3
    }

    It 'says so when the inventory has no such group version' {
        Get-CseTanzuPlugin -TkgVersion 2.3.1 -SourceMirror $Mirror -CaCertificate $Ca -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ManifestNotFound,*'
        $problems[0].Exception.Message | Should -Match 'vmware-tkg/default'
    }
}

Describe 'Publish-CseTanzuPlugin' {
    BeforeAll {
        $script:Target = Assert-CseTestService 'token'
        $script:Base = New-TestBase $Target
        $script:First = Publish-CseTanzuPlugin -TkgVersion 2.5.0 -Registry $Base -Credential (Get-CseTestCredential) -SourceMirror $Mirror -CaCertificate $Ca
    }

    It 'copies the plug-in images to the same paths under tanzu_cli/plugins, digests unchanged' {
        $images = $First | Where-Object Kind -EQ 'Image'
        $images.Count | Should -Be 6
        $images.Status | Sort-Object -Unique | Should -Be 'Copied'
        foreach ($r in $images) {
            $r.Destination | Should -BeLike "$Base/tanzu_cli/plugins/vmware/tkg/*"
            Get-SkopeoDigest -Registry $Target -Reference $r.Destination | Should -Be $Plugins.Images[$r.Source]
        }
        ($First | Select-Object -Last 1).Kind | Should -Be 'Inventory' -Because 'the inventory is written last'
    }

    It 'writes an inventory that lists exactly what was copied, each image pullable anonymously' {
        $rows = Read-Inventory $Base 'SELECT PluginName, Version, OS, URI FROM PluginBinaries ORDER BY URI'
        $rows.Count | Should -Be 6
        ($rows | ForEach-Object { $parts = $_.Split('|'); "$($parts[0]):$($parts[1])" } | Sort-Object -Unique) | Should -Be ($Plugins.Expected['v2.5.0'] | Sort-Object)
        foreach ($row in $rows) {
            $uri = $row.Split('|')[3]
            $raw = & skopeo --insecure-policy inspect --raw --no-creds --cert-dir $Environment.CertDir "docker://$Base/tanzu_cli/plugins/$uri" 2>$null
            $LASTEXITCODE | Should -Be 0 -Because "$uri is listed, so it must be there"
        }
        $groups = Read-Inventory $Base "SELECT DISTINCT Vendor || '-' || Publisher || '/' || GroupName || ':' || GroupVersion FROM PluginGroups"
        $groups | Should -Be 'vmware-tkg/default:v2.5.0'
        $schema = Read-Inventory $Base "SELECT sql FROM sqlite_master WHERE name = 'PluginBinaries'"
        ($schema -join ' ') | Should -Match 'PRIMARY KEY\("PluginName", "Target", "Version", "OS", "Architecture"\)'
    }

    It 'writes the metadata image the source has, listing the same' {
        $db = Get-TestImageFile -Registry $Target -Reference "$Base/tanzu_cli/plugins/plugin-inventory-metadata:latest" -File 'plugin_inventory_metadata.db'
        $db | Should -Not -BeNullOrEmpty
        (& sqlite3 $db "SELECT GroupVersion FROM AvailablePluginGroups") | Should -Be 'v2.5.0'
        @(& sqlite3 $db "SELECT PluginName FROM AvailablePluginBinaries").Count | Should -Be 3
    }

    It 'merges on a re-run for another TKG version: nothing published before is dropped' {
        $second = Publish-CseTanzuPlugin -TkgVersion 2.4.1 -Registry $Base -Credential (Get-CseTestCredential) -SourceMirror $Mirror -CaCertificate $Ca
        ($second | Where-Object Status -EQ 'Failed') | Should -BeNullOrEmpty
        $groups = Read-Inventory $Base "SELECT DISTINCT GroupVersion FROM PluginGroups ORDER BY GroupVersion"
        $groups | Should -Be @('v2.4.1', 'v2.5.0')
        (Read-Inventory $Base 'SELECT COUNT(*) FROM PluginBinaries') | Should -Be '10'
    }

    It 'is found by Test-CseRegistryLayout, which checks every image the inventory lists' {
        $checks = Test-CseRegistryLayout -Registry $Base -Credential (Get-CseTestCredential) -CaCertificate $Ca
        ($checks | Where-Object Check -EQ 'PluginInventory').Status | Should -Be 'Passed'
        ($checks | Where-Object Check -EQ 'PluginImages').Status | Should -Be 'Passed'
        # skopeo removes one listed image: the check must notice.
        $victim = ($First | Where-Object Kind -EQ 'Image' | Select-Object -First 1).Destination
        & skopeo --insecure-policy delete --cert-dir $Environment.CertDir --creds "cse-admin:$($env:CSEAIRGAP_TEST_ADMIN_PASSWORD)" "docker://$victim" 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        $after = Test-CseRegistryLayout -Registry $Base -Credential (Get-CseTestCredential) -CaCertificate $Ca | Where-Object Check -EQ 'PluginImages'
        $after.Status | Should -Be 'Failed'
        $after.Detail | Should -Match 'missing'
    }

    It 'writes nothing with -WhatIf' {
        $base = New-TestBase $Target
        Publish-CseTanzuPlugin -TkgVersion 2.5.0 -Registry $base -Credential (Get-CseTestCredential) -SourceMirror $Mirror -CaCertificate $Ca -WhatIf | Should -BeNullOrEmpty
        Get-SkopeoDigest -Registry $Target -Reference "$base/tanzu_cli/plugins/plugin-inventory:latest" | Should -BeNullOrEmpty
    }
}
