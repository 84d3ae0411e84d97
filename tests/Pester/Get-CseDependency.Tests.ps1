BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    function New-DependencyFile([string] $Text, [switch] $Bom) {
        $file = Join-Path ([IO.Path]::GetTempPath()) "dependencies-$([Guid]::NewGuid().ToString('N')).txt"
        [IO.File]::WriteAllText($file, $Text, [Text.UTF8Encoding]::new([bool]$Bom))
        $file
    }
}

Describe 'Get-CseDependency' {
    It 'reads VMware''s artifact format, spaces or tabs, into dependencies with their group' {
        $file = New-DependencyFile "projects.registry.vmware.com vmware-cloud-director/cluster-api-provider-cloud-director 1.3.0`nprojects.registry.vmware.com`ttkg/pause`t3.9`nregistry.k8s.io sig-storage/csi-attacher v3.2.1`n"
        $d = @(Get-CseDependency -Path $file)
        $d.Count | Should -Be 3
        $d[0].PSObject.TypeNames[0] | Should -Be 'CseAirgap.PowerShell.Output.CseDependency'
        $d[0].Reference | Should -Be 'projects.registry.vmware.com/vmware-cloud-director/cluster-api-provider-cloud-director:1.3.0'
        $d[0].Registry | Should -Be 'projects.registry.vmware.com'
        $d[0].Repository | Should -Be 'vmware-cloud-director/cluster-api-provider-cloud-director'
        $d[0].Tag | Should -Be '1.3.0'
        $d[0].Line | Should -Be 1
        $d[0].File | Should -Be $file
        $d.Group | Should -Be @('vmware-cloud-director', 'tkg', 'other')
        Remove-Item $file
    }

    It 'accepts full references, digests, CRLF, a BOM, blank lines and trailing comments' {
        $digest = 'sha256:' + ('a' * 64)
        $file = New-DependencyFile -Bom ("  projects.registry.vmware.com/tkg/pause:3.9  # the pause image`r`n`r`nprojects.registry.vmware.com tanzu_cli/plugins/plugin-inventory $digest`r`n")
        $d = @(Get-CseDependency -Path $file)
        $d.Count | Should -Be 2
        $d[0].Reference | Should -Be 'projects.registry.vmware.com/tkg/pause:3.9'
        $d[1].Digest | Should -Be $digest
        $d[1].Tag | Should -BeNullOrEmpty
        $d[1].Group | Should -Be 'tanzu_cli'
        $d[1].Line | Should -Be 3
        Remove-Item $file
    }

    It 'returns disabled lines only with -IncludeDisabled, as Enabled = $false' {
        $file = New-DependencyFile "# a comment line`n#projects.registry.vmware.com tkg/pause 3.9`nprojects.registry.vmware.com tkg/etcd v3.5.9`n"
        @(Get-CseDependency -Path $file).Reference | Should -Be 'projects.registry.vmware.com/tkg/etcd:v3.5.9'
        $all = @(Get-CseDependency -Path $file -IncludeDisabled)
        $all.Count | Should -Be 2
        ($all | Where-Object Enabled -EQ $false).Reference | Should -Be 'projects.registry.vmware.com/tkg/pause:3.9'
        Remove-Item $file
    }

    It 'reports a line it cannot read with the file and line number, and still returns the others' {
        $file = New-DependencyFile "projects.registry.vmware.com tkg/pause 3.9`nthis line is not an image at all`nprojects.registry.vmware.com tkg/etcd v3.5.9`n"
        $d = Get-CseDependency -Path $file -ErrorVariable problems -ErrorAction SilentlyContinue
        @($d).Count | Should -Be 2
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'InvalidDependencyLine,CseAirgap.PowerShell.Commands.GetCseDependencyCommand'
        $problems[0].TargetObject | Should -Be "${file}:2"
        $problems[0].Exception.Message | Should -Match 'line 2'
        Remove-Item $file
    }

    It 'says so when the file does not exist' {
        $missing = Join-Path ([IO.Path]::GetTempPath()) 'no-such-dependencies.txt'
        Get-CseDependency -Path $missing -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'DependencyFileNotFound,*'
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    Context 'An export that is damaged or hostile' {
        BeforeAll {
            function New-TestExport([string] $Name) {
                # An OCI layout folder the test writes: index.json entries given as (name, digest) pairs.
                $folder = Join-Path (New-TestFolder 'export') 'export'
                New-Item -ItemType Directory -Force (Join-Path $folder 'blobs/sha256') | Out-Null
                [IO.File]::WriteAllText((Join-Path $folder 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
                $entries = foreach ($pair in $args) {
                    '{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"' + $pair[1] + '","size":10,"annotations":{"io.containerd.image.name":"' + $pair[0] + '"}}'
                }
                [IO.File]::WriteAllText((Join-Path $folder 'index.json'), '{"schemaVersion":2,"manifests":[' + ($entries -join ',') + ']}')
                $folder
            }
        }

        It 'reports an export whose index.json names sha256:../../x as InvalidDigest, and still reads the next path' {
            $hostile = New-TestExport 'hostile' @('example.test/app:v1', 'sha256:../../../../dev/zero')
            $good = New-DependencyFile "registry.k8s.io/pause:3.9`n"
            $d = @(Get-CseDependency -Path $hostile, $good -ErrorVariable problems -ErrorAction SilentlyContinue)
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be 'InvalidDigest,CseAirgap.PowerShell.Commands.GetCseDependencyCommand'
            $problems[0].TargetObject | Should -Be $hostile
            $d.Reference | Should -Be 'registry.k8s.io/pause:3.9'
        }
    }

    It 'refuses an export whose index.json names an image wrongly, as ExportFileInvalid' {
        # An export folder written by the test: an OCI layout whose one image name is not a reference.
        $export = Join-Path ([IO.Path]::GetTempPath()) "bad-export-$([Guid]::NewGuid().ToString('N'))"
        New-Item -ItemType Directory $export | Out-Null
        Set-Content (Join-Path $export 'oci-layout') '{"imageLayoutVersion":"1.0.0"}'
        Set-Content (Join-Path $export 'index.json') ('{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",' +
            '"digest":"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","size":10,' +
            '"annotations":{"io.containerd.image.name":"projects.registry.vmware.com/TKG/Bad Name:1"}}]}')
        try {
            Get-CseDependency -Path $export -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be 'ExportFileInvalid,CseAirgap.PowerShell.Commands.GetCseDependencyCommand'
            $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
            $problems[0].Exception.Message | Should -Match 'TKG/Bad Name:1'
        }
        finally { Remove-Item $export -Recurse -Force }
    }

    It 'makes dependencies from references typed by hand' {
        $d = Get-CseDependency -Reference 'projects.registry.vmware.com/tkg/pause:3.9', 'registry.k8s.io/sig-storage/csi-attacher:v3.2.1'
        $d.Group | Should -Be @('tkg', 'other')
    }

    It 'works with Where-Object, Sort-Object, Export-Csv and ConvertTo-Json' {
        $d = Get-CseDependency -Reference 'projects.registry.vmware.com/tkg/pause:3.9', 'projects.registry.vmware.com/vmware-cloud-director/capvcd:1.3.0'
        ($d | Where-Object Group -EQ 'tkg').Repository | Should -Be 'tkg/pause'
        ($d | Sort-Object Repository -Descending)[0].Repository | Should -Be 'vmware-cloud-director/capvcd'
        $csv = Join-Path ([IO.Path]::GetTempPath()) "deps-$([Guid]::NewGuid().ToString('N')).csv"
        $d | Export-Csv $csv
        (Import-Csv $csv)[1].Reference | Should -Be 'projects.registry.vmware.com/vmware-cloud-director/capvcd:1.3.0'
        Remove-Item $csv
        ($d | ConvertTo-Json | ConvertFrom-Json)[0].Group | Should -Be 'tkg'
    }
}
