BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Environment = Get-CseTestEnvironment
    $script:Mirror = Get-TestMirror
    $script:Ca = $Environment.CaFile
    $script:Admin = Get-CseTestCredential

    function Publish-Fixture {
        # Publishes fixtures (by pattern) into a destination with the mirrors and trust of this run.
        param([string[]] $Like, [string] $Base, [hashtable] $Extra = @{})
        $references = foreach ($l in $Like) { (Get-TestFixture -Like $l).Reference }
        $parameters = @{ Registry = $Base; SourceMirror = $Mirror; CaCertificate = $Ca; Credential = $Admin } + $Extra
        $references | Publish-CseDependency @parameters
    }
}

Describe 'Publish-CseDependency' {
    Context 'Mapping and formats' {
        It 'copies a <Kind> to base/path:tag with the digest skopeo sees at the source' -TestCases @(
            @{ Kind = 'Docker schema 2 manifest'; Like = '*/cloud-director-named-disk-csi-driver:*' }
            @{ Kind = 'Docker manifest list'; Like = '*/cloud-provider-for-cloud-director:*' }
            @{ Kind = 'OCI manifest'; Like = '*/tkg/cluster-api/cluster-api-controller:*' }
            @{ Kind = 'OCI index'; Like = '*/cluster-api-provider-cloud-director:*' }
        ) {
            $target = Assert-CseTestService 'token'
            $source = Assert-CseTestService 'source'
            $fixture = Get-TestFixture -Like $Like
            $base = New-TestBase $target
            $result = Publish-Fixture -Like $Like -Base $base

            $result.Status | Should -Be 'Copied'
            $result.Source | Should -Be $fixture.Reference
            $destination = Get-TestRegistryReference -Base $base -Fixture $fixture
            $result.Destination | Should -Be $destination
            $sourceDigest = Get-SkopeoDigest -Registry $source -Reference $fixture.Location
            $sourceDigest | Should -Be $fixture.Digest
            Get-SkopeoDigest -Registry $target -Reference $destination | Should -Be $sourceDigest
            $result.Digest | Should -Be $sourceDigest
        }

        It 'copies every platform of an index, and skopeo can pull each one back' {
            $target = Assert-CseTestService 'http'
            $fixture = Get-TestFixture -Like '*/cloud-provider-for-cloud-director:*'
            $base = New-TestBase $target
            $result = Publish-Fixture -Like $fixture.Reference -Base $base
            $result.Platforms | Should -Be 2
            $destination = Get-TestRegistryReference -Base $base -Fixture $fixture
            foreach ($platform in $fixture.Platforms) {
                $byDigest = ($destination -replace ':[^:/]+$', '') + '@' + $platform.Digest
                Get-SkopeoDigest -Registry $target -Reference $byDigest | Should -Be $platform.Digest
            }
            # skopeo verifies every blob digest of every platform as it pulls.
            $folder = Copy-SkopeoImage -Registry $target -Reference $destination
            try { (& skopeo manifest-digest (Join-Path $folder 'manifest.json')).Trim() | Should -Be $fixture.Digest }
            finally { Remove-Item -Recurse -Force $folder }
        }

        It 'keeps the digest of a digest reference' {
            $target = Assert-CseTestService 'tls'
            $fixture = Get-TestFixture -Like '*/tkg/kube-rbac-proxy:*'
            $base = New-TestBase $target
            $reference = ($fixture.Reference -replace ':[^:/]+$', '') + '@' + $fixture.Digest
            $result = $reference | Publish-CseDependency -Registry $base -SourceMirror $Mirror -CaCertificate $Ca
            $result.Status | Should -Be 'Copied'
            $result.Destination | Should -Be "$($base)/$($fixture.Repository)@$($fixture.Digest)"
            Get-SkopeoDigest -Registry $target -Reference "$base/$($fixture.Repository)@$($fixture.Digest)" | Should -Be $fixture.Digest
        }

        It 'lands images of a second source host under the same base' {
            $target = Assert-CseTestService 'http'
            $fixture = Get-TestFixture -Like 'registry.k8s.io/sig-storage/csi-provisioner:*'
            $base = New-TestBase $target
            $result = Publish-Fixture -Like $fixture.Reference -Base $base
            $result.Destination | Should -Be (Get-TestRegistryReference -Base $base -Fixture $fixture)
            Get-SkopeoDigest -Registry $target -Reference $result.Destination | Should -Be $fixture.Digest
        }

        It 'gives an image the Docker engine pulls with the same digest' {
            $docker = Assert-CseTestService 'docker'
            $target = Assert-CseTestService 'http'
            $fixture = Get-TestFixture -Like '*/tkg/cluster-api/cluster-api-controller:*'
            $base = New-TestBase $target
            $result = Publish-Fixture -Like $fixture.Reference -Base $base
            & docker -H $docker.DockerHost pull --quiet $result.Destination | Out-Null
            $LASTEXITCODE | Should -Be 0
            $digests = & docker -H $docker.DockerHost image inspect --format '{{json .RepoDigests}}' $result.Destination | ConvertFrom-Json
            $digests | Should -Contain (($result.Destination -replace ':[^:/]+$', '') + '@' + $fixture.Digest)
        }
    }

    Context 'Destinations and trust' {
        It 'publishes to the <Name> registry' -TestCases @(
            @{ Name = 'http'; Extra = @{} }
            @{ Name = 'tls'; Extra = @{} }
            @{ Name = 'basic'; Extra = @{} }
            @{ Name = 'token'; Extra = @{} }
            @{ Name = 'tls'; Extra = @{ SkipCertificateCheck = $true; SourceSkipCertificateCheck = $true; CaCertificate = $null } }
        ) {
            $target = Assert-CseTestService $Name
            $fixture = Get-TestFixture -Like '*/tkg/kube-rbac-proxy:*'
            $base = New-TestBase $target
            $parameters = @{ Registry = $base; SourceMirror = $Mirror; CaCertificate = $Ca; Credential = $Admin }
            foreach ($k in $Extra.Keys) { if ($null -eq $Extra[$k]) { $parameters.Remove($k) } else { $parameters[$k] = $Extra[$k] } }
            if ($parameters.ContainsKey('SkipCertificateCheck')) { $parameters.SourceMirror = @{ 'projects.registry.vmware.com' = $Mirror['projects.registry.vmware.com'] } }
            $result = $fixture.Reference | Publish-CseDependency @parameters
            $result.Status | Should -Be 'Copied'
            Get-SkopeoDigest -Registry $target -Reference $result.Destination | Should -Be $fixture.Digest
        }

        It 'refuses a registry whose certificate it cannot trust, and says how to fix it' {
            $target = Assert-CseTestService 'tls'
            $fixture = Get-TestFixture -Like 'registry.k8s.io/sig-storage/csi-attacher:*'
            $result = $fixture.Reference | Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $Mirror -ErrorVariable problems -ErrorAction SilentlyContinue
            $result.Status | Should -Be 'Failed'
            $problems[0].FullyQualifiedErrorId | Should -Be 'RegistryCertificateUntrusted,CseAirgap.PowerShell.Commands.PublishCseDependencyCommand'
            $problems[0].CategoryInfo.Category | Should -Be 'SecurityError'
            $problems[0].Exception.Message | Should -Match '-CaCertificate'
        }

        It 'reads credentials from the Docker config file when none are given' {
            $target = Assert-CseTestService 'basic'
            $fixture = Get-TestFixture -Like '*/tkg/kube-rbac-proxy:*'
            $config = Join-Path ([IO.Path]::GetTempPath()) "docker-config-$([Guid]::NewGuid().ToString('N'))"
            New-Item -ItemType Directory $config | Out-Null
            $auth = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("cse-admin:$($env:CSEAIRGAP_TEST_ADMIN_PASSWORD)"))
            @{ auths = @{ "https://$($target.Host)" = @{ auth = $auth } } } | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $config 'config.json')
            $old = $env:DOCKER_CONFIG
            $env:DOCKER_CONFIG = $config
            try {
                $result = $fixture.Reference | Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $Mirror -CaCertificate $Ca
            }
            finally {
                $env:DOCKER_CONFIG = $old
                Remove-Item -Recurse -Force $config
            }
            $result.Status | Should -Be 'Copied'
            Get-SkopeoDigest -Registry $target -Reference $result.Destination | Should -Be $fixture.Digest
        }
    }

    Context 'No wasted bytes' {
        It 'reports AlreadyPresent on a re-run, sending nothing' {
            $target = Assert-CseTestService 'token'
            $base = New-TestBase $target
            $first = Publish-Fixture -Like '*/cluster-api-provider-cloud-director:*', '*/tkg/kube-rbac-proxy:*' -Base $base
            $first.Status | Should -Be @('Copied', 'Copied')
            $second = Publish-Fixture -Like '*/cluster-api-provider-cloud-director:*', '*/tkg/kube-rbac-proxy:*' -Base $base
            $second.Status | Should -Be @('AlreadyPresent', 'AlreadyPresent')
            ($second | Measure-Object BytesCopied -Sum).Sum | Should -Be 0
        }

        It 'sends a blob shared by several images once, and mounts it into the other repositories' {
            $target = Assert-CseTestService 'token'
            $like = '*/cluster-api-provider-cloud-director:*', '*/cloud-provider-for-cloud-director:*', '*/cloud-director-named-disk-csi-driver:*', '*/tkg/cluster-api/cluster-api-controller:*'
            $fixtures = $like | ForEach-Object { Get-TestFixture -Like $_ }
            $unique = ($fixtures.Blobs | Sort-Object Digest -Unique | Measure-Object Size -Sum).Sum
            $all = ($fixtures.Blobs | Measure-Object Size -Sum).Sum
            $all | Should -BeGreaterThan $unique -Because 'the fixtures share base layers'

            $results = Publish-Fixture -Like $like -Base (New-TestBase $target)
            $results.Status | Sort-Object -Unique | Should -Be 'Copied'
            ($results | Measure-Object BytesCopied -Sum).Sum | Should -Be $unique
            ($results | Measure-Object BytesReused -Sum).Sum | Should -Be ($all - $unique)
            foreach ($r in $results) { Get-SkopeoDigest -Registry $target -Reference $r.Destination | Should -Be $r.Digest }
        }

        It 'uploads instead when the registry will not mount' {
            # The token service never grants a mount from a repository under sealed/.
            $target = Assert-CseTestService 'token'
            $like = '*/cloud-director-named-disk-csi-driver:*', '*/tkg/cluster-api/cluster-api-controller:*'
            $fixtures = $like | ForEach-Object { Get-TestFixture -Like $_ }
            $results = Publish-Fixture -Like $like -Base (New-TestBase $target -Prefix 'sealed/t')
            $results.Status | Sort-Object -Unique | Should -Be 'Copied'
            ($results | Measure-Object BytesCopied -Sum).Sum | Should -Be ($fixtures.Blobs | Measure-Object Size -Sum).Sum
            foreach ($r in $results) { Get-SkopeoDigest -Registry $target -Reference $r.Destination | Should -Be $r.Digest }
        }

        It 'asks the source for each blob once, the config it looks inside included' {
            # The image goes (by skopeo) onto a registry of its own that logs every request it serves.
            $fixture = Get-TestFixture -Like '*/cloud-director-named-disk-csi-driver:*'
            $logged = Start-TestLoggedRegistry
            try {
                Invoke-CseTestSkopeo copy --quiet --preserve-digests @(Get-CseTestSkopeoArgs -Registry (Assert-CseTestService 'source') -Side src) `
                    @(Get-CseTestSkopeoArgs -Registry $logged -Side dest) "docker://$($fixture.Location)" "docker://$($logged.Host)/$(($fixture.Reference -split '/', 2)[1])" | Out-Null
                $before = @(Get-Content $logged.Log).Count
                $result = $fixture.Reference | Publish-CseDependency -Registry (New-TestBase (Assert-CseTestService 'http')) -SourceMirror @{ 'projects.registry.vmware.com' = $logged.Base }
                $served = @(Get-Content $logged.Log | Select-Object -Skip $before | Where-Object { $_ -match '"GET /v2/\S+/blobs/(sha256:[0-9a-f]{64}) ' } | ForEach-Object { $Matches[1] })
            }
            finally { Stop-TestLoggedRegistry $logged }
            $result.Status | Should -Be 'Copied'
            $served.Count | Should -Be $fixture.Blobs.Count -Because 'one GET per blob, config and layers'
            $served | Sort-Object | Should -Be ($fixture.Blobs.Digest | Sort-Object)
            Get-SkopeoDigest -Registry (Assert-CseTestService 'http') -Reference $result.Destination | Should -Be $fixture.Digest
        }

        It 'mounts a blob it has already uploaded into another repository without a HEAD before it' {
            $like = '*/cloud-director-named-disk-csi-driver:*', '*/tkg/cluster-api/cluster-api-controller:*'
            $fixtures = $like | ForEach-Object { Get-TestFixture -Like $_ }
            $shared = @($fixtures[0].Blobs.Digest | Where-Object { $_ -in $fixtures[1].Blobs.Digest })
            $shared.Count | Should -BeGreaterThan 0 -Because 'the two fixtures share a base layer'
            # A destination of this test's own that logs every request it serves.
            $logged = Start-TestLoggedRegistry
            try {
                # One image at a time: the second finds the shared layer's upload complete.
                $results = Publish-Fixture -Like $like -Base "$($logged.Base)/t" -Extra @{ ThrottleLimit = 1 }
                $log = @(Get-Content $logged.Log)
                foreach ($r in $results) { Get-SkopeoDigest -Registry $logged -Reference $r.Destination | Should -Be $r.Digest }
            }
            finally { Stop-TestLoggedRegistry $logged }
            $results.Status | Sort-Object -Unique | Should -Be 'Copied'
            foreach ($digest in $shared) {
                @($log | Where-Object { $_ -match "`"HEAD /v2/\S+/blobs/$digest " }).Count | Should -Be 1 -Because "only the first image looks for $digest"
                @($log | Where-Object { $_ -match "`"POST /v2/\S+/blobs/uploads/\?\S*mount=sha256(:|%3A)$($digest -replace '^sha256:')\S* HTTP/[\d.]+`" 201 " }).Count | Should -Be 1 -Because "the second image mounts $digest"
            }
        }

        It 'counts blobs the destination repository already has as reused' {
            $target = Assert-CseTestService 'http'
            $fixture = Get-TestFixture -Like '*/cloud-director-named-disk-csi-driver:*'
            $base = New-TestBase $target
            # skopeo puts the image there under another tag first.
            Invoke-CseTestSkopeo copy --quiet --preserve-digests @(Get-CseTestSkopeoArgs -Registry (Assert-CseTestService 'source') -Side src) `
                @(Get-CseTestSkopeoArgs -Registry $target -Side dest) "docker://$($fixture.Location)" "docker://$(($base -replace '^http://', ''))/$($fixture.Repository):other" | Out-Null
            $result = Publish-Fixture -Like $fixture.Reference -Base $base
            $result.Status | Should -Be 'Copied'
            $result.BytesCopied | Should -Be 0
            $result.BytesReused | Should -Be ($fixture.Blobs | Measure-Object Size -Sum).Sum
        }
    }

    Context 'Large blobs' {
        It 'uploads a 100 MB layer in chunks when asked to, and the digest survives' {
            $target = Assert-CseTestService 'token'
            $fixture = Get-TestFixture -Like '*/cse-bench-payload:*'
            $result = Publish-Fixture -Like $fixture.Reference -Base (New-TestBase $target) -Extra @{ ChunkedUploadThreshold = 16MB }
            $result.Status | Should -Be 'Copied'
            $result.BytesCopied | Should -Be ($fixture.Blobs | Measure-Object Size -Sum).Sum
            $folder = Copy-SkopeoImage -Registry $target -Reference $result.Destination
            try { (& skopeo manifest-digest (Join-Path $folder 'manifest.json')).Trim() | Should -Be $fixture.Digest }
            finally { Remove-Item -Recurse -Force $folder }
        }
    }

    Context 'Uploads refused as too large' {
        It 'switches to chunked uploads when a proxy in front of the destination answers 413' {
            $target = Assert-CseTestService 'http'
            $fixture = Get-TestFixture -Like '*/tkg/cluster-api/cluster-api-controller:*'
            $proxy = Start-CseTestFaultProxy -Registry $target -Fault '413' -Count 1000
            try {
                $base = "$($proxy.Url)/t$([Guid]::NewGuid().ToString('N').Substring(0, 10))"
                $result = $fixture.Reference | Publish-CseDependency -Registry $base -SourceMirror $Mirror -CaCertificate $Ca
                [int](Invoke-RestMethod "$($proxy.Url)/__faults") | Should -BeLessThan 1000 -Because 'the proxy refused at least one whole-blob upload'
            }
            finally { Stop-CseTestProcess $proxy }
            $result.Status | Should -Be 'Copied'
            Get-SkopeoDigest -Registry $target -Reference (Get-TestRegistryReference -Base ($base -replace '127\.0\.0\.1:\d+', $target.Host) -Fixture $fixture) | Should -Be $fixture.Digest
        }
    }

    Context 'Faults' {
        BeforeEach { $script:Proxy = $null }
        AfterEach { if ($Proxy) { Stop-CseTestProcess $Proxy } }

        It 'completes when the source <Fault>s <Count> time(s) on blob downloads' -TestCases @(
            @{ Fault = 'drop'; Count = 2 }
            @{ Fault = '503'; Count = 3 }
            @{ Fault = '429'; Count = 1 }
            @{ Fault = 'corrupt'; Count = 1 }
        ) {
            $k8s = Assert-CseTestService 'k8s'
            $target = Assert-CseTestService 'http'
            $fixture = Get-TestFixture -Like 'registry.k8s.io/sig-storage/csi-attacher:*'
            $script:Proxy = Start-CseTestFaultProxy -Registry $k8s -Fault $Fault -Count $Count
            $result = $fixture.Reference | Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $Proxy.Url
            (Invoke-RestMethod "$($Proxy.Url)/__faults") | Should -BeLessThan 0 -Because 'every fault was served'
            $result.Status | Should -Be 'Copied'
            Get-SkopeoDigest -Registry $target -Reference $result.Destination | Should -Be $fixture.Digest
        }

        It 'names a layer the source does not have BlobNotFound, not ManifestNotFound' {
            $k8s = Assert-CseTestService 'k8s'
            $target = Assert-CseTestService 'http'
            $fixture = Get-TestFixture -Like 'registry.k8s.io/sig-storage/csi-attacher:*'
            # The source: the fixture copied by skopeo to a fresh path, then one layer deleted through the registry API.
            $mirror = New-TestBase $target -Prefix 'broken'
            $copy = Get-TestRegistryReference -Base $mirror -Fixture $fixture
            Invoke-CseTestSkopeo copy --quiet --preserve-digests @(Get-CseTestSkopeoArgs -Registry $k8s -Side src) @(Get-CseTestSkopeoArgs -Registry $target -Side dest) `
                "docker://$($fixture.Location)" "docker://$copy" | Out-Null
            $repository = ($copy -replace '^[^/]+/', '') -replace ':[^:/]+$', ''
            $manifest = Invoke-RestMethod "$($target.Url)/v2/$repository/manifests/$($fixture.Tag)" `
                -Headers @{ Accept = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' }
            $layer = $manifest.layers[-1].digest
            (Invoke-WebRequest -Method Delete "$($target.Url)/v2/$repository/blobs/$layer").StatusCode | Should -Be 202

            $result = $fixture.Reference | Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $mirror -ErrorVariable problems -ErrorAction SilentlyContinue
            $result.Status | Should -Be 'Failed'
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'BlobNotFound,*'
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $problems[0].Exception.Message | Should -Match ([regex]::Escape($layer))
        }

        It 'fails an image whose blob keeps arriving corrupt, and tags nothing' {
            $k8s = Assert-CseTestService 'k8s'
            $target = Assert-CseTestService 'http'
            $fixture = Get-TestFixture -Like 'registry.k8s.io/sig-storage/csi-attacher:*'
            $script:Proxy = Start-CseTestFaultProxy -Registry $k8s -Fault 'corrupt' -Count 1000
            $base = New-TestBase $target
            $result = $fixture.Reference | Publish-CseDependency -Registry $base -SourceMirror $Proxy.Url -ErrorVariable problems -ErrorAction SilentlyContinue
            $result.Status | Should -Be 'Failed'
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'DigestMismatch,*'
            $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
            $problems[0].TargetObject | Should -Be $fixture.Reference
            Get-SkopeoDigest -Registry $target -Reference (Get-TestRegistryReference -Base $base -Fixture $fixture) | Should -BeNullOrEmpty
        }

        It 'goes on with the rest of the batch when one dependency fails' {
            $target = Assert-CseTestService 'http'
            $good = Get-TestFixture -Like '*/tkg/kube-rbac-proxy:*'
            $results = 'projects.registry.vmware.com/tkg/does-not-exist:v1', $good.Reference |
                Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $Mirror -CaCertificate $Ca -ErrorVariable problems -ErrorAction SilentlyContinue
            ($results | Where-Object Source -EQ $good.Reference).Status | Should -Be 'Copied'
            ($results | Where-Object Source -Like '*does-not-exist*').Status | Should -Be 'Failed'
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'ManifestNotFound,*'
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $problems[0].TargetObject | Should -Be 'projects.registry.vmware.com/tkg/does-not-exist:v1'
        }

        It 'stops promptly on Ctrl+C, leaves no tag, and a re-run completes' {
            $source = Assert-CseTestService 'source'
            $target = Assert-CseTestService 'http'
            $fixture = Get-TestFixture -Like '*/cse-bench-payload:*'
            # The source seen through a proxy that sends blobs at about 8 MB/s, so the copy is still running when stopped.
            $script:Proxy = Start-CseTestFaultProxy -Registry $source -Fault 'slow' -Count 1
            $base = New-TestBase $target
            $ps = [PowerShell]::Create()
            # The module is imported first, on its own: a batch of two statements left running after Stop() can touch
            # the runspace from a pool thread once it is closed, which kills the whole test process.
            $null = $ps.AddCommand('Import-Module').AddArgument((Join-Path $ModulePath 'CseAirgap.psd1')).Invoke()
            $ps.Commands.Clear()
            $null = $ps.AddCommand('Publish-CseDependency').AddParameter('Dependency', $fixture.Reference).AddParameter('Registry', $base).AddParameter('SourceMirror', $Proxy.Url).AddParameter('CaCertificate', $Ca)
            $null = $ps.BeginInvoke()
            try {
                # Wait until the payload is flowing: the proxy has handed out its one slow download.
                $deadline = [DateTime]::UtcNow.AddSeconds(30)
                while ([int](Invoke-RestMethod "$($Proxy.Url)/__faults") -ge 1 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
                [int](Invoke-RestMethod "$($Proxy.Url)/__faults") | Should -BeLessOrEqual 0 -Because 'the copy started'
                $clock = [Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            }
            finally { $ps.Dispose() }
            Get-SkopeoDigest -Registry $target -Reference (Get-TestRegistryReference -Base $base -Fixture $fixture) | Should -BeNullOrEmpty

            $again = $fixture.Reference | Publish-CseDependency -Registry $base -SourceMirror $Mirror -CaCertificate $Ca
            $again.Status | Should -Be 'Copied'
            Get-SkopeoDigest -Registry $target -Reference $again.Destination | Should -Be $fixture.Digest
        }
    }

    Context 'Auth' {
        It 'says credentials are needed to push anonymously to the token registry' {
            $target = Assert-CseTestService 'token'
            $fixture = Get-TestFixture -Like '*/tkg/kube-rbac-proxy:*'
            $result = $fixture.Reference | Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $Mirror -CaCertificate $Ca -ErrorVariable problems -ErrorAction SilentlyContinue
            $result.Status | Should -Be 'Failed'
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'RegistryAuthenticationRequired,*'
            $problems[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
            $problems[0].Exception.Message | Should -Match '-Credential'
        }

        It 'tells a wrong password on the <Name> registry from a refused push' -TestCases @(@{ Name = 'basic' }, @{ Name = 'token' }) {
            $target = Assert-CseTestService $Name
            $fixture = Get-TestFixture -Like '*/tkg/kube-rbac-proxy:*'
            $wrong = [pscredential]::new('cse-admin', (ConvertTo-SecureString 'not-the-password' -AsPlainText -Force))
            $result = $fixture.Reference | Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $Mirror -CaCertificate $Ca -Credential $wrong -ErrorVariable problems -ErrorAction SilentlyContinue
            $result.Status | Should -Be 'Failed'
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'RegistryAuthenticationFailed,*'
            $problems[0].Exception.Message | Should -Match 'cse-admin'
        }

        It 'explains a push the token grants no right to, the way Harbor refuses it (<Case>)' -TestCases @(
            @{ Case = 'pull-only account'; User = 'Reader'; Prefix = 't' }
            @{ Case = 'project that does not exist'; User = 'Admin'; Prefix = 'locked/t' }
        ) {
            $target = Assert-CseTestService 'token'
            $fixture = Get-TestFixture -Like '*/tkg/kube-rbac-proxy:*'
            $result = $fixture.Reference | Publish-CseDependency -Registry (New-TestBase $target -Prefix $Prefix) -SourceMirror $Mirror -CaCertificate $Ca `
                -Credential (Get-CseTestCredential -User $User) -ErrorVariable problems -ErrorAction SilentlyContinue
            $result.Status | Should -Be 'Failed'
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'RegistryPushDenied,*'
            $problems[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
            $problems[0].Exception.Message | Should -Match 'create the project'
        }

        It 'never writes a password or token to any stream' {
            $target = Assert-CseTestService 'token'
            $fixture = Get-TestFixture -Like '*/tkg/kube-rbac-proxy:*'
            $wrong = [pscredential]::new('cse-admin', (ConvertTo-SecureString 'Secret-Wrong-123' -AsPlainText -Force))
            $everything = @(
                $fixture.Reference | Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $Mirror -CaCertificate $Ca -Credential $Admin -Verbose -Debug 4>&1 5>&1 2>&1 6>&1
                $fixture.Reference | Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $Mirror -CaCertificate $Ca -Credential $wrong -Verbose -ErrorAction Continue 4>&1 2>&1 6>&1
            ) | Out-String -Width 4096
            $everything | Should -Not -Match ([regex]::Escape($env:CSEAIRGAP_TEST_ADMIN_PASSWORD))
            $everything | Should -Not -Match 'Secret-Wrong-123'
            $everything | Should -Not -Match 'eyJ' -Because 'no JWT appears'
            $everything | Should -Not -Match 'Basic [A-Za-z0-9+/=]{8,}'
        }
    }

    Context 'WhatIf and bad input' {
        It 'lists what -WhatIf would copy and writes nothing' {
            $target = Assert-CseTestService 'http'
            $fixture = Get-TestFixture -Like '*/tkg/kube-rbac-proxy:*'
            $base = New-TestBase $target
            $result = $fixture.Reference | Publish-CseDependency -Registry $base -SourceMirror $Mirror -CaCertificate $Ca -WhatIf
            $result | Should -BeNullOrEmpty
            $catalog = Invoke-RestMethod "$($target.Url)/v2/_catalog?n=1000"
            $catalog.repositories | Where-Object { $_ -like "$(($base -split '/')[-1])/*" } | Should -BeNullOrEmpty
        }

        It 'rejects a registry with a scheme it cannot use' {
            { 'projects.registry.vmware.com/tkg/pause:3.9' | Publish-CseDependency -Registry 'ftp://harbor.corp.local' -ErrorAction Stop } |
                Should -Throw -ErrorId 'InvalidRegistry,CseAirgap.PowerShell.Commands.PublishCseDependencyCommand'
        }

        It 'refuses source parameters with -Path, which publishes an export that holds its sources' {
            { Publish-CseDependency -Path (New-TestFolder 'export') -Registry 'harbor.corp.local' -SourceMirror 'mirror.corp.local' -ErrorAction Stop } |
                Should -Throw -ErrorId 'SourceParameterWithPath,CseAirgap.PowerShell.Commands.PublishCseDependencyCommand'
        }

        It 'refuses an export whose index.json names an image wrongly, as ExportFileInvalid, before copying anything' {
            $export = Join-Path ([IO.Path]::GetTempPath()) "bad-export-$([Guid]::NewGuid().ToString('N'))"
            New-Item -ItemType Directory $export | Out-Null
            Set-Content (Join-Path $export 'oci-layout') '{"imageLayoutVersion":"1.0.0"}'
            Set-Content (Join-Path $export 'index.json') ('{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",' +
                '"digest":"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","size":10,' +
                '"annotations":{"io.containerd.image.name":"projects.registry.vmware.com/TKG/Bad Name:1"}}]}')
            try {
                { Publish-CseDependency -Path $export -Registry 'harbor.corp.local/cse' -ErrorAction Stop } |
                    Should -Throw -ErrorId 'ExportFileInvalid,CseAirgap.PowerShell.Commands.PublishCseDependencyCommand'
            }
            finally { Remove-Item $export -Recurse -Force }
        }

        It 'rejects a malformed reference by name, and copies nothing for it' {
            $target = Assert-CseTestService 'http'
            $good = Get-TestFixture -Like '*/tkg/kube-rbac-proxy:*'
            $results = 'projects.registry.vmware.com/TKG/Bad Name:1', $good.Reference |
                Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $Mirror -CaCertificate $Ca -ErrorVariable problems -ErrorAction SilentlyContinue
            @($results).Count | Should -Be 1
            $results.Status | Should -Be 'Copied'
            $problems.Count | Should -Be 1
            $problems[0].Exception.Message | Should -Match 'TKG/Bad Name:1.*not a valid image reference'
            # PowerShell's own binding error for one bad pipeline item: the others still run.
            $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
        }

        It 'fails every image at once, with one error each, when the destination cannot be reached' {
            $port = Get-CseTestFreePort
            $references = (Get-TestFixture -Like '*/tkg/kube-rbac-proxy:*').Reference, (Get-TestFixture -Like 'registry.k8s.io/sig-storage/csi-attacher:*').Reference
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $results = $references | Publish-CseDependency -Registry "127.0.0.1:$port/cse" -SourceMirror $Mirror -CaCertificate $Ca -ErrorVariable problems -ErrorAction SilentlyContinue
            $results.Status | Should -Be @('Failed', 'Failed')
            $problems.Count | Should -Be 2
            $problems.FullyQualifiedErrorId | Sort-Object -Unique | Should -Be 'RegistryUnreachable,CseAirgap.PowerShell.Commands.PublishCseDependencyCommand'
            $problems.TargetObject | Should -Be $references
            # One round of retries for the registry, not one per image.
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 15
        }

        It 'says an unknown registry host cannot be reached' {
            $target = Assert-CseTestService 'http'
            $result = 'nonexistent-registry.invalid/tkg/pause:3.9' | Publish-CseDependency -Registry (New-TestBase $target) -ErrorVariable problems -ErrorAction SilentlyContinue
            $result.Status | Should -Be 'Failed'
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'RegistryUnreachable,*'
            $problems[0].CategoryInfo.Category | Should -Be 'ConnectionError'
            $problems[0].Exception.Message | Should -Match 'nonexistent-registry.invalid'
        }
    }

    Context 'Pipeline and progress' {
        It 'takes Get-CseDependency output from a dependencies.txt' {
            $target = Assert-CseTestService 'token'
            $file = Join-Path ([IO.Path]::GetTempPath()) "deps-$([Guid]::NewGuid().ToString('N')).txt"
            Set-Content $file @(
                'projects.registry.vmware.com tkg/kube-rbac-proxy v0.14.1_vmware.1'
                '#projects.registry.vmware.com vmware-cloud-director/cloud-provider-for-cloud-director 1.6.0'
                'registry.k8s.io/sig-storage/csi-attacher:v3.2.1'
            )
            try {
                $results = Get-CseDependency -Path $file | Publish-CseDependency -Registry (New-TestBase $target) -SourceMirror $Mirror -CaCertificate $Ca -Credential $Admin
            }
            finally { Remove-Item $file }
            $results.Count | Should -Be 2
            $results.Status | Sort-Object -Unique | Should -Be 'Copied'
        }

        It 'reports progress and completes it' {
            $target = Assert-CseTestService 'http'
            $fixture = Get-TestFixture -Like '*/tkg/kube-rbac-proxy:*'
            $ps = [PowerShell]::Create()
            # The module is imported first, on its own: a batch of two statements left running after Stop() can touch
            # the runspace from a pool thread once it is closed, which kills the whole test process.
            $null = $ps.AddCommand('Import-Module').AddArgument((Join-Path $ModulePath 'CseAirgap.psd1')).Invoke()
            $ps.Commands.Clear()
            $null = $ps.AddCommand('Publish-CseDependency').AddParameter('Dependency', $fixture.Reference).AddParameter('Registry', (New-TestBase $target)).AddParameter('SourceMirror', $Mirror).AddParameter('CaCertificate', $Ca)
            $output = $ps.Invoke()
            $output.Status | Should -Be 'Copied'
            $ps.Streams.Progress.Count | Should -BeGreaterThan 0
            $ps.Streams.Progress[-1].RecordType | Should -Be 'Completed'
            $ps.Streams.Progress[-1].StatusDescription | Should -Match '1 of 1 images'
            $ps.Dispose()
        }
    }
    Context 'imgpkg image locations' {
        It 'writes beside each bundle the sha256-(hex).image-locations.imgpkg image imgpkg copy writes, which skopeo reads' {
            $target = Assert-CseTestService 'token'
            $tkg = (Get-CseTestEnvironment).Fixtures.Tkg
            # A bundle whose lock names a nested bundle, so both values of isBundle appear.
            $bundle = $tkg.Bundles | Where-Object { $_.Locked -contains $tkg.NestedBundle.Reference } | Select-Object -First 1
            $bundle | Should -Not -BeNullOrEmpty
            $base = New-TestBase $target
            $result = Publish-Fixture -Like $bundle.Reference -Base $base
            $result.Status | Should -Be 'Copied'
            $result.Kind | Should -Be 'Bundle'
            $repository = ($result.Destination -replace '[:@][^/]+$', '')
            $locations = "${repository}:$($result.Digest.Replace(':', '-')).image-locations.imgpkg"

            # skopeo pulls it back, checking every digest; its one layer is a Docker gzip layer, as imgpkg requires.
            $folder = Copy-SkopeoImage -Registry $target -Reference $locations
            try {
                $manifest = Get-Content -Raw (Join-Path $folder 'manifest.json') | ConvertFrom-Json
                $manifest.mediaType | Should -Be 'application/vnd.docker.distribution.manifest.v2+json'
                @($manifest.layers).Count | Should -Be 1
                $manifest.layers[0].mediaType | Should -Be 'application/vnd.docker.image.rootfs.diff.tar.gzip'
                $layer = Join-Path $folder $manifest.layers[0].digest.Substring(7)
                $script = "import sys, tarfile`nwith tarfile.open(sys.argv[1], 'r:gz') as t:`n    names = t.getnames()`n    assert names == ['image-locations.yml'], names`n    sys.stdout.write(t.extractfile('image-locations.yml').read().decode())"
                $yaml = & python3 -c $script $layer
                $LASTEXITCODE | Should -Be 0
            }
            finally { Remove-Item -Recurse -Force $folder }
            $text = $yaml -join "`n"
            $text | Should -Match '(?m)^apiVersion: imgpkg.carvel.dev/v1alpha1$'
            $text | Should -Match '(?m)^kind: ImageLocations$'
            $entries = [regex]::Matches($text, '(?m)^- image: (\S+)\n  isBundle: (true|false)$') | ForEach-Object { @{ Image = $_.Groups[1].Value; IsBundle = $_.Groups[2].Value } }
            @($entries.Image) | Sort-Object | Should -Be (@($bundle.Locked) | Sort-Object)
            ($entries | Where-Object { $_.IsBundle -eq 'true' }).Image | Should -Be $tkg.NestedBundle.Reference
            # The nested bundle, copied as part of this one, gets its own record too.
            $nested = "${repository}:$($tkg.NestedBundle.Reference.Split('@')[1].Replace(':', '-')).image-locations.imgpkg"
            Get-SkopeoDigest -Registry $target -Reference $nested | Should -Not -BeNullOrEmpty
        }
    }
}
