# The registry transport against a hostile registry (tests/TestServer hostile) that logs every request it receives on
# its own origin and on another one: where credentials go, what a failure costs, when a silent, looping or oversized
# answer is refused. Results are checked with skopeo and with the server's own log, never with the module.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Environment = Get-CseTestEnvironment
    $script:Mirror = Get-TestMirror
    $script:Ca = $Environment.CaFile
    $script:Admin = Get-CseTestCredential
    $script:Attacher = Get-TestFixture -Like 'registry.k8s.io/sig-storage/csi-attacher:*'

    function Get-BlobGets {
        # The blob GETs the registry origin of a hostile server received, grouped by path.
        param($Log)
        @($Log | Where-Object { $_.Listener -eq 'main' -and $_.Method -eq 'GET' -and $_.Path -match '/blobs/sha256:' }) | Group-Object Path
    }
}

Describe 'The registry transport' {
    BeforeEach { $script:Hostile = $null }
    AfterEach { if ($Hostile) { Stop-CseTestProcess $Hostile } }

    Context 'Credentials stay with their origin' {
        It 'follows a blob redirect to another origin without the registry''s credentials, and copies the image' {
            $k8s = Assert-CseTestService 'k8s'
            $target = Assert-CseTestService 'http'
            $script:Hostile = Start-CseTestHostileRegistry -Registry $k8s -Mode redirect
            $result = $Attacher.Reference | Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $Hostile.Base -SourceCredential $Admin
            $log = Get-CseTestHostileLog $Hostile
            $result.Status | Should -Be 'Copied'
            Get-SkopeoDigest -Registry $target -Reference $result.Destination | Should -Be $Attacher.Digest
            @($log | Where-Object { $_.Listener -eq 'main' -and $_.Authorization }).Count | Should -BeGreaterThan 0 -Because 'the registry asked for and got the credentials'
            $storage = @($log | Where-Object Listener -EQ 'other')
            $storage.Count | Should -BeGreaterThan 0 -Because 'blobs were fetched from the other origin'
            @($storage | Where-Object Authorization).Count | Should -Be 0
        }

        It 'sends no credentials to another origin named by a catalog Link' {
            $k8s = Assert-CseTestService 'k8s'
            $script:Hostile = Start-CseTestHostileRegistry -Registry $k8s -Mode lying-link
            $null = Test-CseRegistryLayout -Registry $Hostile.Base -Credential $Admin -ErrorAction SilentlyContinue
            $log = Get-CseTestHostileLog $Hostile
            @($log | Where-Object { $_.Listener -eq 'main' -and $_.Path -like '/v2/_catalog*' -and $_.Authorization }).Count | Should -BeGreaterThan 0
            $other = @($log | Where-Object Listener -EQ 'other')
            $other.Count | Should -BeGreaterThan 0 -Because 'the Link was followed'
            @($other | Where-Object Authorization).Count | Should -Be 0
        }

        It 'sends no credentials to an upload Location on another origin, and the image still lands' {
            $target = Assert-CseTestService 'http'
            $script:Hostile = Start-CseTestHostileRegistry -Registry $target -Mode lying-location
            $prefix = "t$([Guid]::NewGuid().ToString('N').Substring(0, 10))"
            $result = $Attacher.Reference | Publish-CseDependency -Registry "$($Hostile.Base)/$prefix" -Credential $Admin -SourceMirror $Mirror -CaCertificate $Ca
            $log = Get-CseTestHostileLog $Hostile
            $result.Status | Should -Be 'Copied'
            Get-SkopeoDigest -Registry $target -Reference "$($target.Host)/$prefix/$($Attacher.Repository):$($Attacher.Tag)" | Should -Be $Attacher.Digest
            $uploads = @($log | Where-Object { $_.Listener -eq 'other' -and $_.Method -in 'PUT', 'PATCH' })
            $uploads.Count | Should -BeGreaterThan 0 -Because 'uploads went to the Location given'
            @($log | Where-Object { $_.Listener -eq 'other' -and $_.Authorization }).Count | Should -Be 0
        }

        It 'refuses to send credentials to a plain-HTTP token realm of an HTTPS registry' {
            $k8s = Assert-CseTestService 'k8s'
            $target = Assert-CseTestService 'http'
            $script:Hostile = Start-CseTestHostileRegistry -Registry $k8s -Mode http-realm -Tls
            $result = $Attacher.Reference | Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $Hostile.Base -SourceCredential $Admin `
                -CaCertificate $Ca -ErrorVariable problems -ErrorAction SilentlyContinue
            $log = Get-CseTestHostileLog $Hostile
            $result.Status | Should -Be 'Failed'
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'RegistryInsecureTokenRealm,*'
            $problems[0].CategoryInfo.Category | Should -Be 'SecurityError'
            @($log | Where-Object { $_.Listener -eq 'other' -and $_.Authorization }).Count | Should -Be 0
            @($log | Where-Object { $_.Listener -eq 'other' -and $_.Path -like '/token*' }).Count | Should -Be 0 -Because 'the realm was not asked at all'
        }

        It 'uses -SourceCredential for a source on the destination''s own host' {
            $target = Assert-CseTestService 'token'
            $source = Assert-CseTestService 'source'
            # The source and the destination are one registry; the source login is wrong, the destination login right.
            $base = New-TestBase $target
            $wrong = [pscredential]::new('cse-admin', (ConvertTo-SecureString 'not-the-password' -AsPlainText -Force))
            $first = $Attacher.Reference | Publish-CseDependency -Registry $base -SourceMirror $Mirror -Credential $Admin -CaCertificate $Ca
            $first.Status | Should -Be 'Copied'
            $again = "$($base -replace '^https?://', '')/$($Attacher.Repository):$($Attacher.Tag)" |
                Publish-CseDependency -Registry (New-TestBase $target) -Credential $Admin -SourceCredential $wrong -CaCertificate $Ca -ErrorVariable problems -ErrorAction SilentlyContinue
            $again.Status | Should -Be 'Failed'
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'RegistryAuthenticationFailed,*'
        }
    }

    Context 'Trust per registry' {
        It 'skips the certificate check of -Registry only: a source over TLS is still checked' {
            $target = Assert-CseTestService 'tls'
            $source = Assert-CseTestService 'source'
            $fixture = Get-TestFixture -Like '*/tkg/kube-rbac-proxy:*'
            $result = $fixture.Reference | Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $Mirror -SkipCertificateCheck `
                -ErrorVariable problems -ErrorAction SilentlyContinue
            $result.Status | Should -Be 'Failed'
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'RegistryCertificateUntrusted,*'
            $problems[0].CategoryInfo.Category | Should -Be 'SecurityError'
        }

        It 'skips it for sources too with -SourceSkipCertificateCheck' {
            $target = Assert-CseTestService 'tls'
            $fixture = Get-TestFixture -Like '*/tkg/kube-rbac-proxy:*'
            $result = $fixture.Reference | Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $Mirror -SkipCertificateCheck -SourceSkipCertificateCheck
            $result.Status | Should -Be 'Copied'
            Get-SkopeoDigest -Registry $target -Reference $result.Destination | Should -Be $fixture.Digest
        }
    }

    Context 'What a failure costs' {
        It 'asks for a blob exactly the configured 5 times against a registry answering 503 for ever' {
            $k8s = Assert-CseTestService 'k8s'
            $target = Assert-CseTestService 'http'
            $script:Hostile = Start-CseTestHostileRegistry -Registry $k8s -Mode 503-forever -NoAuth
            $result = $Attacher.Reference | Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $Hostile.Base -ErrorVariable problems -ErrorAction SilentlyContinue
            $gets = Get-BlobGets (Get-CseTestHostileLog $Hostile)
            $result.Status | Should -Be 'Failed'
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'RegistryProtocolError,*'
            $gets.Count | Should -BeGreaterThan 0
            ($gets | Measure-Object Count -Maximum).Maximum | Should -Be 5 -Because 'the transport tries 5 times and the transfer layer does not multiply that'
        }

        It 'restarts a blob whose body stalls once, after the stall timeout' {
            $k8s = Assert-CseTestService 'k8s'
            $target = Assert-CseTestService 'http'
            $script:Hostile = Start-CseTestHostileRegistry -Registry $k8s -Mode stall -Count 1 -NoAuth
            $result = $Attacher.Reference | Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $Hostile.Base -StallTimeoutSec 2
            $gets = Get-BlobGets (Get-CseTestHostileLog $Hostile)
            $result.Status | Should -Be 'Copied'
            Get-SkopeoDigest -Registry $target -Reference $result.Destination | Should -Be $Attacher.Digest
            $result.Duration.TotalSeconds | Should -BeGreaterOrEqual 2
            @($gets | Where-Object Count -EQ 2).Count | Should -Be 1 -Because 'the stalled blob was asked for again, once'
        }

        It 'fails a blob that stalls every time in about the stall timeout per attempt, as RegistryTimeout naming the host' {
            $k8s = Assert-CseTestService 'k8s'
            $target = Assert-CseTestService 'http'
            $script:Hostile = Start-CseTestHostileRegistry -Registry $k8s -Mode stall -NoAuth
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $result = $Attacher.Reference | Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $Hostile.Base -StallTimeoutSec 2 `
                -ErrorVariable problems -ErrorAction SilentlyContinue
            $clock.Stop()
            $result.Status | Should -Be 'Failed'
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'RegistryTimeout,*'
            $problems[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
            $problems[0].Exception.Message | Should -Match ([regex]::Escape($Hostile.Host))
            # 5 attempts of 2 s plus their back-off; generous for a loaded machine, far below "for ever".
            $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 10
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 90
            ((Get-BlobGets (Get-CseTestHostileLog $Hostile)) | Measure-Object Count -Maximum).Maximum | Should -Be 5
        }

        It 'fails an upload the destination stops taking, in about the stall timeout per attempt, as RegistryTimeout' {
            $source = Assert-CseTestService 'source'
            $target = Assert-CseTestService 'http'
            $payload = Get-TestFixture -Like '*/cse-bench-payload:*'
            $script:Hostile = Start-CseTestHostileRegistry -Registry $target -Mode upload-stall -NoAuth
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $result = $payload.Reference | Publish-CseDependency -Registry "$($Hostile.Base)/t$([Guid]::NewGuid().ToString('N').Substring(0, 10))" `
                -SourceMirror $Mirror -CaCertificate $Ca -StallTimeoutSec 2 -ErrorVariable problems -ErrorAction SilentlyContinue
            $clock.Stop()
            $result.Status | Should -Be 'Failed'
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'RegistryTimeout,*'
            # Where it waited depends on socket buffers: the registry not taking more bytes, or not answering once all went.
            $problems[0].Exception.Message | Should -Match 'take the next bytes of the upload|the answer to the upload'
            $problems[0].Exception.Message | Should -Match ([regex]::Escape($Hostile.Host))
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 120 -Because 'each of the 5 attempts ends 2 s after the registry stopped reading'
            # Each blob's upload was started afresh 5 times (transfer attempts), each time a new session: grouped by the digest committed.
            $puts = @((Get-CseTestHostileLog $Hostile) | Where-Object { $_.Method -eq 'PUT' -and $_.Path -match '/blobs/uploads/.*digest=([^&]+)' } |
                ForEach-Object { [regex]::Match($_.Path, 'digest=([^&]+)').Groups[1].Value } | Group-Object)
            $puts.Count | Should -BeGreaterThan 0
            ($puts | Measure-Object Count -Maximum).Maximum | Should -Be 5
        }

        It 'stops a catalog whose pages link back to each other, after two pages' {
            $k8s = Assert-CseTestService 'k8s'
            $script:Hostile = Start-CseTestHostileRegistry -Registry $k8s -Mode self-link -NoAuth
            { Test-CseRegistryLayout -Registry $Hostile.Base -ErrorAction Stop } | Should -Throw -ErrorId 'RegistryPagingLoop,*'
            @((Get-CseTestHostileLog $Hostile) | Where-Object Path -Like '/v2/_catalog*').Count | Should -Be 2
        }

        It 'refuses a manifest of <What> as ContentTooLarge without reading it to its end' -TestCases @(
            @{ What = '2 GiB without a length'; Bytes = 2GB; Declare = $false }
            @{ What = '6 MiB with its length declared'; Bytes = 6MB; Declare = $true }
        ) {
            $k8s = Assert-CseTestService 'k8s'
            $target = Assert-CseTestService 'http'
            $script:Hostile = Start-CseTestHostileRegistry -Registry $k8s -Mode huge-manifest -NoAuth -ManifestBytes $Bytes -DeclareLength:$Declare
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $result = $Attacher.Reference | Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $Hostile.Base -ErrorVariable problems -ErrorAction SilentlyContinue
            $clock.Stop()
            $result.Status | Should -Be 'Failed'
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'ContentTooLarge,*'
            $problems[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
            $problems[0].Exception.Message | Should -Match '4 MiB'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 60
            if ($Declare) { return } # refused on its Content-Length; the server may still have filled the socket buffers
            $sent = ((Get-CseTestHostileLog $Hostile) | Where-Object Path -Like '*/manifests/*' | Measure-Object Bytes -Maximum).Maximum
            # What the server logs as written runs ahead of what the client read: socket buffers, and Kestrel completing writes
            # for a while after the client has closed (under load, hundreds of MB). A client without a cap reads all 2 GiB.
            $sent | Should -BeLessThan 1GB -Because 'the client stopped reading long before the end of the document'
        }
    }

    Context 'Hostile content (issue 26)' {
        It 'refuses a catalog page larger than 1 MiB and asks for no further page' {
            $k8s = Assert-CseTestService 'k8s'
            # 2 MiB pages, each linking to another: under the 16 MiB a page could be before, so an unbounded client reads on.
            $script:Hostile = Start-CseTestHostileRegistry -Registry $k8s -Mode huge-list -NoAuth -PageBytes 2MB
            { Test-CseRegistryLayout -Registry $Hostile.Base -ErrorAction Stop } | Should -Throw -ErrorId 'ContentTooLarge,*'
            @((Get-CseTestHostileLog $Hostile) | Where-Object Path -Like '/v2/_catalog*').Count | Should -Be 1
        }

        It 'shows an error body of terminal escapes escaped, in the error record and in verbose lines' {
            $k8s = Assert-CseTestService 'k8s'
            $script:Hostile = Start-CseTestHostileRegistry -Registry $k8s -Mode escape-body -NoAuth
            $destination = Join-Path (New-TestFolder 'escape-body') 'dest'
            $output = Expand-CseArtifact -Reference $Attacher.Reference -SourceMirror $Hostile.Base -Destination $destination -Verbose -ErrorVariable problems -ErrorAction SilentlyContinue 4>&1
            @((Get-CseTestHostileLog $Hostile) | Where-Object { $_.Path -like '*/manifests/*' -and $_.Status -eq 400 }).Count | Should -BeGreaterThan 0 -Because 'the escapes were sent'
            @($problems).Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'RegistryProtocolError,*'
            $shown = @($problems[0].Exception.Message, [string]$problems[0].TargetObject, ($problems[0] | Out-String), ($problems[0] | Format-List * -Force | Out-String)) +
                @($output | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | ForEach-Object Message)
            foreach ($text in $shown) {
                $text.Contains([string][char]0x1b) | Should -BeFalse
                $text.Contains([string][char]7) | Should -BeFalse
            }
            # Still there to read, as visible escapes.
            $problems[0].Exception.Message | Should -BeLike '*\x1b`[32mAll 42 images published and verified.\x1b`[0m\x1b`[8m manifest unknown*'
            $destination | Should -Not -Exist
        }
    }

    Context 'A 429 storm' {
        # The storm lasts 6 s here (issue 13 describes 20 s) so that three seeds stay fast; the client's budget is 300 s.
        It 'costs no image while 40% of source requests answer 429 with Retry-After: 1 (seed <Seed>)' -TestCases @(
            @{ Seed = 1 }, @{ Seed = 2 }, @{ Seed = 3 }
        ) {
            $k8s = Assert-CseTestService 'k8s'
            $target = Assert-CseTestService 'http'
            $fixtures = @((Get-CseTestEnvironment).Fixtures.Images | Where-Object Reference -Like 'registry.k8s.io/*')
            $script:Hostile = Start-CseTestHostileRegistry -Registry $k8s -Mode 429-storm -NoAuth -Seed $Seed -StormSeconds 6
            $results = @($fixtures.Reference | Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $Hostile.Base -ErrorAction SilentlyContinue)
            $log = Get-CseTestHostileLog $Hostile
            @($log | Where-Object Status -EQ 429).Count | Should -BeGreaterThan 0 -Because 'the storm happened'
            $results.Count | Should -Be $fixtures.Count
            @($results | Where-Object Status -NE 'Copied').Count | Should -Be 0
            foreach ($r in $results) {
                Get-SkopeoDigest -Registry $target -Reference $r.Destination | Should -Be ($fixtures | Where-Object Reference -EQ $r.Source).Digest
            }
        }
    }
}
