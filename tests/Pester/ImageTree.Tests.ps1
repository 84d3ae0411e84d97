# What one image may cost (issue 26, items 3 and 4), against the hostile registry's fan-out and hostile-lock modes
# (tests/TestServer/HostileTrees.cs), which log every request: an index listing an index 300 times, and an imgpkg
# bundle whose lock names one image with a 32 MiB config 40 times. Counted with the server's log, the destination
# read with skopeo, and memory read from the kernel (VmHWM of the pwsh that ran the copy).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')

    function Get-ManifestGets {
        # The manifest GETs the registry origin of a hostile server received.
        param($Log)
        @($Log | Where-Object { $_.Listener -eq 'main' -and $_.Method -eq 'GET' -and $_.Path -match '/manifests/' })
    }
}

Describe 'Manifest trees and bundle locks from a hostile registry' {
    BeforeEach { $script:Hostile = $null }
    AfterEach { if ($Hostile) { Stop-CseTestProcess $Hostile } }

    It 'refuses an index that lists an index 300 times as NestedIndexRefused after one manifest request, and tags nothing' {
        $k8s = Assert-CseTestService 'k8s'
        $target = Assert-CseTestService 'http'
        $script:Hostile = Start-CseTestHostileRegistry -Registry $k8s -Mode fan-out -NoAuth
        $base = New-TestBase $target
        $result = 'registry.k8s.io/cse-hostile/fan-out:v1' | Publish-CseDependency -Registry $base -SourceMirror $Hostile.Base -ErrorVariable problems -ErrorAction SilentlyContinue
        $gets = Get-ManifestGets (Get-CseTestHostileLog $Hostile)

        $result.Status | Should -Be 'Failed'
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'NestedIndexRefused,*'
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $problems[0].Exception.Message | Should -Match 'an index of indexes is refused'
        # The old copier asked for the child index 300 times and its manifest 90,000 times.
        $gets.Count | Should -Be 1 -Because 'only the top index was read: its descriptors already name an index'
        Get-SkopeoDigest -Registry $target -Reference $result.Destination | Should -BeNullOrEmpty
    }

    It 'copies the image a lock names 40 times once, its 32 MiB config streamed, in a process that peaks under 700 MiB' {
        $k8s = Assert-CseTestService 'k8s'
        $target = Assert-CseTestService 'http'
        $script:Hostile = Start-CseTestHostileRegistry -Registry $k8s -Mode hostile-lock -NoAuth -ConfigBytes 32MB
        $base = New-TestBase $target
        # A fresh pwsh, so that its peak resident memory is this copy's and nothing else's.
        $command = @"
Import-Module '$ModulePath/CseAirgap.psd1'
`$r = 'registry.k8s.io/cse-hostile/bundle:v1' | Publish-CseDependency -Registry '$base' -SourceMirror '$($Hostile.Base)' -ErrorVariable problems -ErrorAction SilentlyContinue
`$peak = (Select-String -Path "/proc/`$PID/status" -Pattern '^VmHWM:\s+(\d+) kB').Matches[0].Groups[1].Value
[pscustomobject]@{ Status = "`$(`$r.Status)"; Destination = "`$(`$r.Destination)"; Kind = "`$(`$r.Kind)"; BundleImages = `$r.BundleImages; Error = "`$(`$problems | Select-Object -First 1)"; PeakKiB = [long]`$peak } | ConvertTo-Json -Compress | ForEach-Object { "RESULT `$_" }
"@
        $run = Invoke-TestPwsh -ArgumentList '-Command', $command
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $outcome = ("$(@($run.Lines) -match '^RESULT ')" -replace '^RESULT ', '') | ConvertFrom-Json
        $outcome | Should -Not -BeNullOrEmpty -Because $run.Output
        $gets = Get-ManifestGets (Get-CseTestHostileLog $Hostile)
        $blobGets = @((Get-CseTestHostileLog $Hostile) | Where-Object { $_.Method -eq 'GET' -and $_.Path -match '/blobs/sha256:' }) | Group-Object Path

        $outcome.Error | Should -BeNullOrEmpty
        $outcome.Status | Should -Be 'Copied'
        $outcome.Kind | Should -Be 'Bundle'
        $outcome.BundleImages | Should -Be 1
        $byDigest = @($gets | Where-Object Path -Match '/manifests/sha256:' | Group-Object Path)
        $byDigest.Count | Should -Be 1 -Because 'the lock names one image'
        $byDigest[0].Count | Should -Be 1 -Because 'that image is read once, not once per entry'
        $big = ($blobGets | Sort-Object { ($_.Group | Measure-Object Bytes -Maximum).Maximum } -Descending)[0]
        ($big.Group | Measure-Object Bytes -Maximum).Maximum | Should -Be 32MB -Because 'the config was read'
        $big.Count | Should -Be 1 -Because 'the 32 MiB config is read once, to send it, and never for its labels'
        $digest = [regex]::Match($byDigest[0].Name, 'sha256:[0-9a-f]{64}').Value
        $repository = $outcome.Destination -replace ':[^:/]+$', ''
        Get-SkopeoDigest -Registry $target -Reference "${repository}:$($digest.Replace(':', '-')).imgpkg" | Should -Be $digest
        Get-SkopeoDigest -Registry $target -Reference $outcome.Destination | Should -Not -BeNullOrEmpty
        # Holding the config whole once per entry, as the old copier did, peaks above 2 GiB here.
        $outcome.PeakKiB | Should -BeLessThan (700 * 1024)
    }
}
