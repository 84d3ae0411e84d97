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
    It 'finds the vmware-tkg/default plug-ins of a TKG version, newest binary for a shortened version, and the newest essentials' {
        Assert-CseTestService 'source' | Out-Null
        $found = Get-CseTanzuPlugin -TkgVersion 2.5.0 -SourceMirror $Mirror -CaCertificate $Ca
        $found[0].PSObject.TypeNames[0] | Should -Be 'CseAirgap.PowerShell.Output.CseTanzuPlugin'
        ($found | ForEach-Object { "$($_.Name):$($_.Version)" } | Sort-Object -Unique) | Should -Be ($Plugins.Expected['v2.5.0'] | Sort-Object)
        ($found.OperatingSystem | Sort-Object -Unique) | Should -Be @('linux', 'windows')
        $found.Group | Sort-Object -Unique | Should -Be @($Plugins.Essentials, 'vmware-tkg/default:v2.5.0')
        ($found | Where-Object Version -EQ 'v1.1.0').Group | Sort-Object -Unique | Should -Be $Plugins.Essentials -Because 'a binary is in the groups that name its version'
        ($found | Where-Object Version -EQ 'v0.30.2').Group | Sort-Object -Unique | Should -Be 'vmware-tkg/default:v2.5.0'
        $found.Name | Should -Not -Contain 'mission-control'
    }

    It 'takes a hidden group version and hidden plug-ins, as download-bundle does during a plug-in migration' {
        $found = Get-CseTanzuPlugin -TkgVersion 2.5.9 -SourceMirror $Mirror -CaCertificate $Ca
        ($found | ForEach-Object { "$($_.Name):$($_.Version)" } | Sort-Object -Unique) | Should -Be ($Plugins.Expected['v2.5.9'] | Sort-Object)
        (Get-CseTanzuPlugin -TkgVersion 2.5.0 -SourceMirror $Mirror -CaCertificate $Ca).Name | Should -Contain 'kubernetes-release' -Because 'its binary is hidden, and taken all the same'
    }

    It 'narrows to the operating systems and architectures asked for' {
        $found = Get-CseTanzuPlugin -TkgVersion 2.5.0 -OperatingSystem linux -Architecture amd64 -SourceMirror $Mirror -CaCertificate $Ca
        $found.OperatingSystem | Sort-Object -Unique | Should -Be 'linux'
        $found.Count | Should -Be 4
    }

    It 'says so when the inventory has no such group version' {
        Get-CseTanzuPlugin -TkgVersion 2.3.1 -SourceMirror $Mirror -CaCertificate $Ca -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'PluginGroupNotFound,*'
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
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
        $images.Count | Should -Be 8
        $images.Status | Sort-Object -Unique | Should -Be 'Copied'
        foreach ($r in $images) {
            $r.Destination | Should -BeLike "$Base/tanzu_cli/plugins/vmware/*"
            Get-SkopeoDigest -Registry $Target -Reference $r.Destination | Should -Be $Plugins.Images[$r.Source]
        }
        ($First | Select-Object -Last 1).Kind | Should -Be 'Inventory' -Because 'the inventory is written last'
    }

    It 'gives, on the inventory row, the exact Tanzu CLI commands and skip-list variable that make the CLI use the private inventory' {
        $inventory = $First | Where-Object Kind -EQ 'Inventory'
        $image = "$($Base -replace '^https?://', '')/tanzu_cli/plugins/plugin-inventory:latest"
        $inventory.Destination | Should -Be $image
        $inventory.PluginSourceCommand | Should -BeExactly "tanzu plugin source update default --uri $image"
        $inventory.SignatureSkipListVariable | Should -BeExactly 'TANZU_CLI_PLUGIN_DISCOVERY_IMAGE_SIGNATURE_VERIFICATION_SKIP_LIST'
        $inventory.SignatureSkipListValue | Should -BeExactly $image -Because 'the CLI compares the skip list with the discovery URI as given'
        $inventory.SignatureSkipListCommand | Should -BeExactly "tanzu config set env.TANZU_CLI_PLUGIN_DISCOVERY_IMAGE_SIGNATURE_VERIFICATION_SKIP_LIST $image"
        ($First | Where-Object Kind -EQ 'Image').PluginSourceCommand | Sort-Object -Unique | Should -BeNullOrEmpty
    }

    It 'writes an inventory that lists exactly what was copied, each image pullable anonymously' {
        $rows = Read-Inventory $Base 'SELECT PluginName, Version, OS, URI FROM PluginBinaries ORDER BY URI'
        $rows.Count | Should -Be 8
        ($rows | ForEach-Object { $parts = $_.Split('|'); "$($parts[0]):$($parts[1])" } | Sort-Object -Unique) | Should -Be ($Plugins.Expected['v2.5.0'] | Sort-Object)
        foreach ($row in $rows) {
            $uri = $row.Split('|')[3]
            $raw = & skopeo --insecure-policy inspect --raw --no-creds --cert-dir $Environment.CertDir "docker://$Base/tanzu_cli/plugins/$uri" 2>$null
            $LASTEXITCODE | Should -Be 0 -Because "$uri is listed, so it must be there"
        }
        $groups = Read-Inventory $Base "SELECT DISTINCT Vendor || '-' || Publisher || '/' || GroupName || ':' || GroupVersion FROM PluginGroups"
        $groups | Sort-Object | Should -Be @($Plugins.Essentials, 'vmware-tkg/default:v2.5.0') -Because 'download-bundle always adds the essentials group'
        $schema = Read-Inventory $Base "SELECT sql FROM sqlite_master WHERE name = 'PluginBinaries'"
        ($schema -join ' ') | Should -Match 'PRIMARY KEY\("PluginName", "Target", "Version", "OS", "Architecture"\)'
    }

    It 'writes the metadata image the source has, listing the same' {
        $db = Get-TestImageFile -Registry $Target -Reference "$Base/tanzu_cli/plugins/plugin-inventory-metadata:latest" -File 'plugin_inventory_metadata.db'
        $db | Should -Not -BeNullOrEmpty
        (& sqlite3 $db "SELECT GroupVersion FROM AvailablePluginGroups ORDER BY GroupVersion") | Should -Be @('v1.1.0', 'v2.5.0')
        @(& sqlite3 $db "SELECT PluginName FROM AvailablePluginBinaries").Count | Should -Be 4
    }

    It 'keeps every file of the source inventory image; only the database changes' {
        $sourceFiles = Get-TestImageFile -Registry (Assert-CseTestService 'source') -Reference (Get-TestFixture -Like "$($Plugins.Folder)/plugin-inventory:latest").Location -File 'central_config.yaml'
        $published = Get-TestImageFile -Registry $Target -Reference "$Base/tanzu_cli/plugins/plugin-inventory:latest" -File 'central_config.yaml'
        $published | Should -Not -BeNullOrEmpty -Because 'tanzu-cli 1.3 and later rebuild their cache and lose the central configuration without it'
        (Get-FileHash $published).Hash | Should -Be (Get-FileHash $sourceFiles).Hash
        $names = @(Get-ChildItem -Force -Name (Split-Path $published)) | Sort-Object
        $names | Should -Be @('central_config.yaml', 'plugin_inventory.db')
    }

    It 'merges on a re-run for another TKG version: nothing published before is dropped' {
        $second = Publish-CseTanzuPlugin -TkgVersion 2.4.1 -Registry $Base -Credential (Get-CseTestCredential) -SourceMirror $Mirror -CaCertificate $Ca
        ($second | Where-Object Status -EQ 'Failed') | Should -BeNullOrEmpty
        $groups = Read-Inventory $Base "SELECT DISTINCT GroupVersion FROM PluginGroups ORDER BY GroupVersion"
        $groups | Should -Be @('v1.1.0', 'v2.4.1', 'v2.5.0')
        (Read-Inventory $Base 'SELECT COUNT(*) FROM PluginBinaries') | Should -Be '12'
        Get-TestImageFile -Registry $Target -Reference "$Base/tanzu_cli/plugins/plugin-inventory:latest" -File 'central_config.yaml' | Should -Not -BeNullOrEmpty
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

Describe 'Publish-CseTanzuPlugin with a hostile inventory' {
    It 'never runs SQL from the source database: an ATTACH hidden in a schema row creates no file' {
        $source = Assert-CseTestService 'source'
        $target = Assert-CseTestService 'token'
        $scratch = New-TestFolder 'hostile-inventory'
        $attached = Join-Path $scratch 'attached-by-the-inventory.db'
        $canary = Join-Path $scratch 'canary.txt'
        Set-Content $canary 'untouched'
        # The inventory is written with sqlite3: tanzu-cli's schema, one group and plug-in, and a schema row whose SQL
        # goes on past its CREATE TABLE (writable_schema), as a compromised mirror could serve it.
        $db = Join-Path $scratch 'plugin_inventory.db'
        $uri = 'vmware/tkg/linux/amd64/kubernetes/cluster:v0.30.1'
        $sql = @"
CREATE TABLE "PluginBinaries" ("PluginName" TEXT NOT NULL, "Target" TEXT NOT NULL, "RecommendedVersion" TEXT NOT NULL, "Version" TEXT NOT NULL,
  "Hidden" TEXT NOT NULL, "Description" TEXT NOT NULL, "Publisher" TEXT NOT NULL, "Vendor" TEXT NOT NULL, "OS" TEXT NOT NULL,
  "Architecture" TEXT NOT NULL, "Digest" TEXT NOT NULL, "URI" TEXT NOT NULL, PRIMARY KEY("PluginName", "Target", "Version", "OS", "Architecture"));
CREATE TABLE "PluginGroups" ("Vendor" TEXT NOT NULL, "Publisher" TEXT NOT NULL, "GroupName" TEXT NOT NULL, "GroupVersion" TEXT NOT NULL,
  "Description" TEXT NOT NULL, "PluginName" TEXT NOT NULL, "Target" TEXT NOT NULL, "PluginVersion" TEXT NOT NULL, "Mandatory" TEXT NOT NULL,
  "Hidden" TEXT NOT NULL, PRIMARY KEY("Vendor", "Publisher", "GroupName", "GroupVersion", "PluginName", "Target"));
INSERT INTO PluginBinaries VALUES ('cluster','kubernetes','','v0.30.1','false','d','tkg','vmware','linux','amd64','00','$uri');
INSERT INTO PluginGroups VALUES ('vmware','tkg','default','v2.5.0','d','cluster','kubernetes','v0.30.1','true','false');
CREATE TABLE t(x);
PRAGMA writable_schema=ON;
UPDATE sqlite_master SET sql = 'CREATE TABLE t(x); ATTACH DATABASE ''$attached'' AS a; CREATE TABLE a.t(y TEXT)' WHERE name = 't';
"@
        Set-Content (Join-Path $scratch 'inventory.sql') $sql
        & bash -c "sqlite3 '$db' < '$(Join-Path $scratch 'inventory.sql')'"
        $LASTEXITCODE | Should -Be 0
        (& sqlite3 $db "SELECT sql FROM sqlite_master WHERE name = 't'") | Should -Match 'ATTACH DATABASE'

        # A mirror of its own: the hostile inventory, and the one plug-in image it lists copied beside it with skopeo.
        $prefix = "hostile$([Guid]::NewGuid().ToString('N').Substring(0, 8))"
        Publish-CseTestFileImage -Registry $source -Path "$prefix/tanzu_cli/plugins/plugin-inventory:latest" -Files @{ 'plugin_inventory.db' = [IO.File]::ReadAllBytes($db) } | Out-Null
        $plugin = Get-TestFixture -Like "$($Plugins.Folder)/$uri"
        Invoke-CseTestSkopeo copy --quiet --preserve-digests @(Get-CseTestSkopeoArgs -Registry $source -Side src) @(Get-CseTestSkopeoArgs -Registry $source -Side dest -Credential) `
            "docker://$($plugin.Location)" "docker://$($source.Host)/$prefix/tanzu_cli/plugins/$uri" | Out-Null
        $before = @(Get-ChildItem -Force -Name $scratch) | Sort-Object

        $base = New-TestBase $target
        $results = Publish-CseTanzuPlugin -TkgVersion 2.5.0 -Registry $base -Credential (Get-CseTestCredential) -SourceMirror @{ 'projects.registry.vmware.com' = "$($source.Url)/$prefix" } -CaCertificate $Ca -ErrorAction SilentlyContinue

        Test-Path $attached | Should -BeFalse -Because 'the ATTACH target must never be created'
        @(Get-ChildItem -Force -Name $scratch) | Sort-Object | Should -Be $before
        Get-Content $canary | Should -Be 'untouched'
        # The hostile SQL was ignored: the published inventory has the module's own schema and the one listed plug-in.
        ($results | Where-Object Kind -EQ 'Inventory').Status | Should -Be 'Copied'
        $published = Get-TestImageFile -Registry $target -Reference "$base/tanzu_cli/plugins/plugin-inventory:latest" -File 'plugin_inventory.db'
        @(& sqlite3 $published "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") | Should -Be @('PluginBinaries', 'PluginGroups')
        (& sqlite3 $published "SELECT group_concat(sql) FROM sqlite_master") | Should -Not -Match 'ATTACH'
        (& sqlite3 $published 'SELECT URI FROM PluginBinaries') | Should -Be $uri
    }
}
