# Issue 26 (1): a bundle's .imgpkg/images.yml chooses the hosts it names, so the credentials the user gave for a source
# (or the Docker config's logins) must not follow it there. The mirror and the lock's host are hostile registries
# (tests/TestServer hostile, mode plain) that answer 401 Basic and log whether each request carried Authorization; the
# bundles are built with GNU tar and pushed with skopeo; copies are checked with skopeo, never with the module.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Ca = (Get-CseTestEnvironment).CaFile
    $script:Admin = Get-CseTestCredential
    $script:Attacher = Get-TestFixture -Like 'registry.k8s.io/sig-storage/csi-attacher:*'
    $script:K8s = Assert-CseTestService 'k8s'
    $script:Target = Assert-CseTestService 'http'
    # The mirror the user names: it asks for Basic credentials, in front of the suite's registry.k8s.io mirror.
    $script:MirrorRegistry = Start-CseTestHostileRegistry -Registry $K8s -Mode plain
    $script:SourceMirror = @{ 'registry.k8s.io' = $MirrorRegistry.Base }

    function New-TestBundle([string[]] $Locked) {
        # An imgpkg bundle (config label dev.carvel.imgpkg.bundle) whose lock names $Locked, as imgpkg writes one.
        $lock = @('apiVersion: imgpkg.carvel.dev/v1alpha1', 'kind: ImagesLock', 'images:') + @($Locked | ForEach-Object {
                "- image: $_"; '  annotations:'; "    kbld.carvel.dev/id: $($_ -replace '@.*$', '')" })
        $path = "cred/bundle-$([Guid]::NewGuid().ToString('N').Substring(0, 10)):v1"
        Publish-CseTestFileImage -Registry $K8s -Path $path -Files @{ '.imgpkg/images.yml' = ($lock -join "`n") + "`n" } -Labels @{ 'dev.carvel.imgpkg.bundle' = '' } | Out-Null
        "registry.k8s.io/$path"
    }

    function Get-MainLog($Registry) {
        # Invoke-RestMethod writes a JSON array as one object: enumerate it before filtering.
        $log = Get-CseTestHostileLog $Registry
        @($log | Where-Object Listener -EQ 'main')
    }
}

AfterAll { if ($MirrorRegistry) { Stop-CseTestProcess $MirrorRegistry } }

Describe 'Source credentials stay with the origins the user named' {
    BeforeEach {
        # The lock's host: another 127.0.0.1 origin over TLS (trusted through -CaCertificate) that answers 401 Basic.
        $script:Evil = Start-CseTestHostileRegistry -Registry $K8s -Mode plain -Tls
        $script:EvilImage = "$($Evil.Host)/evil/img@sha256:$('ab' * 32)"
    }
    AfterEach { if ($Evil) { Stop-CseTestProcess $Evil } }

    It 'never sends -SourceCredential to a host only a bundle''s lock names, and fails the bundle naming that image' {
        $bundle = New-TestBundle @($EvilImage)
        $result = $bundle | Publish-CseDependency -Registry (New-TestBase $Target) -SourceMirror $SourceMirror -SourceCredential $Admin -CaCertificate $Ca `
            -ErrorVariable problems -ErrorAction SilentlyContinue
        $evilLog = Get-MainLog $Evil
        $evilLog.Count | Should -BeGreaterThan 0 -Because 'the locked image was asked for'
        @($evilLog | Where-Object Authorization).Count | Should -Be 0 -Because 'the lock''s host is not an origin the user named'
        @(Get-MainLog $MirrorRegistry | Where-Object Authorization).Count | Should -BeGreaterThan 0 -Because 'the mirror the user named did get the credential'
        $result.Status | Should -Be 'Failed'
        $failure = @($problems | Where-Object { $_.FullyQualifiedErrorId -like 'BundleImageFailed,*' })
        $failure.Count | Should -Be 1
        $failure[0].Exception.Image | Should -Be $EvilImage
        $failure[0].Exception.Message | Should -Match ([regex]::Escape($EvilImage))
        $failure[0].Exception.InnerException.ErrorId | Should -Be 'RegistryAuthenticationRequired'
    }

    It 'uses the Docker config''s login for a lock''s host only with -AllowLockedImageLogin' {
        $bundle = New-TestBundle @($EvilImage)
        $config = New-TestFolder 'docker-config'
        $auth = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('private-user:private-password'))
        @{ auths = @{ "https://$($Evil.Host)" = @{ auth = $auth } } } | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $config 'config.json')
        $old = $env:DOCKER_CONFIG
        $env:DOCKER_CONFIG = $config
        try {
            $bundle | Publish-CseDependency -Registry (New-TestBase $Target) -SourceMirror $SourceMirror -SourceCredential $Admin -CaCertificate $Ca -ErrorAction SilentlyContinue | Out-Null
            $without = @(Get-MainLog $Evil)
            $bundle | Publish-CseDependency -Registry (New-TestBase $Target) -SourceMirror $SourceMirror -SourceCredential $Admin -CaCertificate $Ca -AllowLockedImageLogin -ErrorAction SilentlyContinue | Out-Null
            $with = @(Get-MainLog $Evil | Select-Object -Skip $without.Count)
        }
        finally { $env:DOCKER_CONFIG = $old }
        $without.Count | Should -BeGreaterThan 0
        @($without | Where-Object Authorization).Count | Should -Be 0 -Because 'a login the user has for that host is not the bundle''s to use'
        @($with | Where-Object Authorization).Count | Should -BeGreaterThan 0 -Because '-AllowLockedImageLogin lets the lock''s host have its Docker config login'
    }

    It 'still copies a bundle whose lock names only images behind the named mirror, with the credential' {
        $bundle = New-TestBundle @("registry.k8s.io/$($Attacher.Repository)@$($Attacher.Digest)")
        $result = $bundle | Publish-CseDependency -Registry (New-TestBase $Target) -SourceMirror $SourceMirror -SourceCredential $Admin -CaCertificate $Ca
        $result.Status | Should -Be 'Copied'
        $result.Kind | Should -Be 'Bundle'
        $result.BundleImages | Should -Be 1
        # imgpkg's rule: a locked image lands in its bundle's repository, by digest.
        $repository = $result.Destination -replace ':v1$', ''
        Get-SkopeoDigest -Registry $Target -Reference "$repository@$($Attacher.Digest)" | Should -Be $Attacher.Digest
        @(Get-MainLog $MirrorRegistry | Where-Object Authorization).Count | Should -BeGreaterThan 0
        (Get-MainLog $Evil).Count | Should -Be 0
    }
}
