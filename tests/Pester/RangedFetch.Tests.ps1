# Large blobs fetched as bounded byte ranges over several connections, and downloads resumed where they were cut (issue 25),
# against the suite's real registry (which honours Range) behind a hostile server that logs every request with its Range
# header and the bytes it sent, and that can ignore ranges, answer them wrongly, refuse them in redirected storage, or cut a
# body midway. Results are checked with skopeo and with the server's log, never with the module.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Environment = Get-CseTestEnvironment
    $script:Admin = Get-CseTestCredential
    $script:Attacher = Get-TestFixture -Like 'registry.k8s.io/sig-storage/csi-attacher:*'
    $script:K8s = Assert-CseTestService 'k8s'
    $script:Target = Assert-CseTestService 'http'

    # One image with a layer of 72 MiB of random bytes (gzip cannot shrink them): above the 64 MiB threshold, so it travels
    # as 16 MiB parts, the last one shorter. Built by tar and gzip and pushed by skopeo, independent of the module; its
    # layer's digest and size are read back with skopeo.
    $bytes = [byte[]]::new(72MB)
    [Random]::new(2501).NextBytes($bytes)
    $path = "cse-test/ranged-$([Guid]::NewGuid().ToString('N').Substring(0, 8)):1.0"
    $digest = Publish-CseTestFileImage -Registry $K8s -Path $path -Files @{ 'payload/large.bin' = $bytes }
    $bytes = $null
    $skopeo = @(@(Get-CseTestSkopeoArgs -Registry $K8s -Side src) -replace '^--src-', '--' | Where-Object { $_ -ne '--no-creds' }) +
        @('--creds', "cse-admin:$($env:CSEAIRGAP_TEST_ADMIN_PASSWORD)")
    $manifest = (& skopeo inspect --raw @skopeo "docker://$($K8s.Host)/$path") -join "`n" | ConvertFrom-Json
    $script:Large = [pscustomobject]@{ Reference = "registry.k8s.io/$path"; Digest = $digest }
    $script:Layer = $manifest.layers[0]
    $Layer.size | Should -BeGreaterThan 64MB
    $script:PartSize = 16MB
    $script:Parts = for ($first = 0; $first -lt $Layer.size; $first += $PartSize) { "bytes=$first-$([Math]::Min($first + $PartSize, $Layer.size) - 1)" }

    function Get-LayerGets {
        # The GETs of the large layer one origin of the hostile server received, in the order they arrived.
        param($Log, [string] $Listener = 'main')
        @($Log | Where-Object { $_.Listener -eq $Listener -and $_.Method -eq 'GET' -and $_.Path -like "*/blobs/$($Layer.digest)*" })
    }

    function Copy-Large {
        param($Hostile)
        $result = $Large.Reference | Publish-CseDependency -Registry (New-TestBase $Target) -SourceMirror $Hostile.Base -SourceCredential $Admin
        $result.Status | Should -Be 'Copied'
        Get-SkopeoDigest -Registry $Target -Reference $result.Destination | Should -Be $Large.Digest
        Get-CseTestHostileLog $Hostile
    }
}

Describe 'Ranged fetch of large blobs' {
    BeforeEach { $script:Hostile = $null }
    AfterEach { if ($Hostile) { Stop-CseTestProcess $Hostile } }

    It 'fetches a large layer as bounded 16 MiB ranges, each once, from a registry that honours Range' {
        $script:Hostile = Start-CseTestHostileRegistry -Registry $K8s -Mode plain
        $gets = Get-LayerGets (Copy-Large $Hostile)
        @($gets.Range | Sort-Object { [long]($_ -replace '^bytes=(\d+)-.*$', '$1') }) | Should -Be $Parts
        @($gets | Where-Object Status -NE 206).Count | Should -Be 0
        ($gets | Measure-Object Bytes -Sum).Sum | Should -Be $Layer.size -Because 'no byte was fetched twice'
    }

    It 'uses the whole answer of a server that ignores Range, without asking again' {
        $script:Hostile = Start-CseTestHostileRegistry -Registry $K8s -Mode ignore-range
        $gets = Get-LayerGets (Copy-Large $Hostile)
        $gets.Count | Should -Be 1
        $gets[0].Range | Should -Be $Parts[0] -Because 'a range was asked for, and the 200 taken as the whole blob'
        $gets[0].Bytes | Should -Be $Layer.size
    }

    It 'refuses a 206 one byte short on the first part and reads the blob in one GET instead' {
        $script:Hostile = Start-CseTestHostileRegistry -Registry $K8s -Mode wrong-range -Count 1
        $gets = Get-LayerGets (Copy-Large $Hostile)
        $gets.Count | Should -Be 2
        $gets[0].Range | Should -Be $Parts[0]
        $gets[1].Range | Should -BeNullOrEmpty
        $gets[1].Bytes | Should -Be $Layer.size
    }

    It 'refuses a 206 one byte short on a later part and asks for that part alone again' {
        $script:Hostile = Start-CseTestHostileRegistry -Registry $K8s -Mode wrong-range -Skip 1 -Count 1
        $gets = Get-LayerGets (Copy-Large $Hostile)
        $gets.Count | Should -Be ($Parts.Count + 1)
        $twice = @($gets | Group-Object Range | Where-Object Count -GT 1)
        $twice.Count | Should -Be 1 -Because 'only the refused part was asked for again'
        @($gets.Range | Select-Object -Unique | Sort-Object { [long]($_ -replace '^bytes=(\d+)-.*$', '$1') }) | Should -Be $Parts
    }

    It 'reads the blob in one GET when redirected storage refuses Range, with no credentials sent there' {
        $script:Hostile = Start-CseTestHostileRegistry -Registry $K8s -Mode range-storage
        $log = Copy-Large $Hostile
        $storage = Get-LayerGets $log -Listener other
        $storage.Count | Should -Be 2
        $storage[0].Range | Should -Be $Parts[0]
        $storage[0].Status | Should -Be 403
        $storage[1].Range | Should -BeNullOrEmpty
        $storage[1].Bytes | Should -Be $Layer.size
        @($log | Where-Object { $_.Listener -eq 'other' -and $_.Authorization }).Count | Should -Be 0
    }

    It 'asks for the rest of a part cut midway, not for the whole part or blob again' {
        $script:Hostile = Start-CseTestHostileRegistry -Registry $K8s -Mode cut-part -Skip 2 -Count 1
        $gets = Get-LayerGets (Copy-Large $Hostile)
        $gets.Count | Should -Be ($Parts.Count + 1)
        $resumed = @($gets | Where-Object { $_.Range -notin $Parts })
        $resumed.Count | Should -Be 1
        $start, $end = ($resumed[0].Range -replace '^bytes=', '') -split '-'
        $part = @($Parts | Where-Object { $_ -like "*-$end" })
        $part.Count | Should -Be 1 -Because 'the resumed range ends where its part ends'
        [long]$start | Should -BeGreaterThan ([long]($part[0] -replace '^bytes=(\d+)-.*$', '$1')) -Because 'it starts after the bytes already received'
    }
}

Describe 'Resuming a download cut midway' {
    BeforeEach { $script:Hostile = $null }
    AfterEach { if ($Hostile) { Stop-CseTestProcess $Hostile } }

    It 'asks for the rest of a small blob from where the cut left it, not from byte 0' {
        $script:Hostile = Start-CseTestHostileRegistry -Registry $K8s -Mode cut-blob -Count 1
        $result = $Attacher.Reference | Publish-CseDependency -Registry (New-TestBase $Target) -SourceMirror $Hostile.Base -SourceCredential $Admin
        $result.Status | Should -Be 'Copied'
        Get-SkopeoDigest -Registry $Target -Reference $result.Destination | Should -Be $Attacher.Digest
        $log = Get-CseTestHostileLog $Hostile
        $gets = @($log | Where-Object { $_.Listener -eq 'main' -and $_.Method -eq 'GET' -and $_.Path -match '/blobs/sha256:' })
        $again = @($gets | Group-Object Path | Where-Object Count -GT 1)
        $again.Count | Should -Be 1 -Because 'only the cut blob was asked for twice'
        $first, $second = $again[0].Group
        $size = ($Attacher.Blobs | Where-Object { $again[0].Name -like "*/blobs/$($_.Digest)*" }).Size
        $first.Range | Should -BeNullOrEmpty
        $second.Range | Should -Match "^bytes=[1-9]\d*-$($size - 1)$"
    }
}
