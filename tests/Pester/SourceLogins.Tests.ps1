# Issue 21 (logins for sources): a source that answers 401 anonymously gets the credential for its own host, given as
# one -SourceCredential, per host as a hashtable, or by the Docker config's credential helpers. The private source is
# the suite's TLS + htpasswd registry ('basic'), filled with skopeo; the hostile test server (mode plain, asks for
# Basic) logs whether each request carried Authorization; helpers are bash scripts this file writes. Copies are
# checked with skopeo, never with the module.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Ca = (Get-CseTestEnvironment).CaFile
    $script:Admin = Get-CseTestCredential
    $script:Attacher = Get-TestFixture -Like 'registry.k8s.io/sig-storage/csi-attacher:*'
    $script:K8s = Assert-CseTestService 'k8s'
    $script:Basic = Assert-CseTestService 'basic'
    $script:Target = Assert-CseTestService 'http'
    $script:PrivateRepository = "login$([Guid]::NewGuid().ToString('N').Substring(0, 8))/csi-attacher"
    $script:Private = "$($Basic.Host)/$($PrivateRepository):$($Attacher.Tag)"
    Invoke-CseTestSkopeo copy --all --preserve-digests --quiet @(Get-CseTestSkopeoArgs -Registry $K8s -Side src) @(Get-CseTestSkopeoArgs -Registry $Basic -Side dest -Credential) `
        "docker://$($K8s.Host)/$($Attacher.Repository):$($Attacher.Tag)" "docker://$Private" | Out-Null

    # No login of the machine's own Docker config may help or hinder: each test says which config it has.
    $script:SavedDockerConfig = $env:DOCKER_CONFIG
    $script:SavedPath = $env:PATH

    function Use-DockerConfig([string] $Json) {
        $folder = Join-Path (Get-TestScratch) "docker-$([Guid]::NewGuid().ToString('N'))"
        New-Item -ItemType Directory -Force $folder | Out-Null
        if ($Json) { Set-Content -Path (Join-Path $folder 'config.json') -Value $Json }
        $env:DOCKER_CONFIG = $folder
    }

    function Add-CredentialHelper([string] $Name, [string] $Body) {
        # A docker-credential-<name> program on PATH for this test only.
        $bin = Join-Path (Get-TestScratch) "bin-$([Guid]::NewGuid().ToString('N'))"
        New-Item -ItemType Directory -Force $bin | Out-Null
        $file = Join-Path $bin "docker-credential-$Name"
        Set-Content -Path $file -Value "#!/bin/bash`n$Body`n" -NoNewline
        & chmod 755 $file
        $env:PATH = "$bin$([IO.Path]::PathSeparator)$SavedPath"
    }

    function Invoke-Publish([string] $Source, [hashtable] $Parameters = @{}) {
        # Returns the result rows, the error records and the verbose lines of one Publish-CseDependency.
        $problems = $null
        $all = @($Source | Publish-CseDependency -Registry (New-TestBase $Target) -CaCertificate $Ca -Verbose @Parameters -ErrorVariable problems -ErrorAction SilentlyContinue 4>&1)
        [pscustomobject]@{
            Result   = @($all | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] })
            Problems = @($problems)
            Verbose  = @($all | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | ForEach-Object Message)
        }
    }
}

AfterAll {
    $env:DOCKER_CONFIG = $SavedDockerConfig
    $env:PATH = $SavedPath
}

Describe 'Logins for sources' {
    BeforeEach { Use-DockerConfig $null; $script:Hostile = $null }
    AfterEach {
        $env:PATH = $SavedPath
        if ($Hostile) { Stop-CseTestProcess $Hostile }
    }

    It 'fails a source that needs a login naming its host, its repository and the exact -SourceCredential to pass' {
        $run = Invoke-Publish $Private
        $run.Result.Status | Should -Be 'Failed'
        $run.Problems[0].FullyQualifiedErrorId | Should -BeLike 'RegistryAuthenticationRequired,*'
        $run.Problems[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $message = $run.Problems[0].Exception.Message
        $message | Should -BeLike "*-SourceCredential @{ '$($Basic.Host)' = (Get-Credential) }*"
        $message | Should -BeLike "*'$PrivateRepository'*"
        $message | Should -BeLike "*docker login $($Basic.Host)*"
    }

    It 'copies it with one -SourceCredential for the source the user named' {
        $run = Invoke-Publish $Private @{ SourceCredential = $Admin }
        $run.Result.Status | Should -Be 'Copied'
        Get-SkopeoDigest -Registry $Target -Reference $run.Result[0].Destination | Should -Be $Attacher.Digest
    }

    It 'copies it with the per-host form, a hashtable of host to credential' {
        $run = Invoke-Publish $Private @{ SourceCredential = @{ $Basic.Host = $Admin; 'other.example:5000' = (Get-CseTestCredential -User Reader) } }
        $run.Result.Status | Should -Be 'Copied'
        Get-SkopeoDigest -Registry $Target -Reference $run.Result[0].Destination | Should -Be $Attacher.Digest
    }

    It 'sends a per-host credential to its host alone: not to a host it was not given for, even the mirror of the host it names' {
        $script:Hostile = Start-CseTestHostileRegistry -Registry $K8s -Mode plain
        $mirror = @{ 'registry.k8s.io' = $Hostile.Base }
        $elsewhere = Invoke-Publish $Attacher.Reference @{ SourceMirror = $mirror; SourceCredential = @{ 'registry.k8s.io' = $Admin; 'other.example:5000' = $Admin } }
        $elsewhere.Result.Status | Should -Be 'Failed'
        $elsewhere.Problems[0].FullyQualifiedErrorId | Should -BeLike 'RegistryAuthenticationRequired,*'
        $elsewhere.Problems[0].Exception.Message | Should -BeLike "*-SourceCredential @{ '$($Hostile.Host)' = (Get-Credential) }*"
        # Invoke-RestMethod writes a JSON array as one object: held in a variable first, it is enumerated when filtered.
        $received = Get-CseTestHostileLog $Hostile
        $log = @($received | Where-Object Listener -EQ 'main')
        $log.Count | Should -BeGreaterThan 0
        @($log | Where-Object Authorization).Count | Should -Be 0
        # The same server does receive it when the hashtable names it: the log can tell.
        $own = Invoke-Publish $Attacher.Reference @{ SourceMirror = $mirror; SourceCredential = @{ $Hostile.Host = $Admin } }
        $own.Result.Status | Should -Be 'Copied'
        $received = Get-CseTestHostileLog $Hostile
        @($received | Where-Object { $_.Listener -eq 'main' -and $_.Authorization }).Count | Should -BeGreaterThan 0
    }

    It 'refuses a -SourceCredential that is neither a credential nor a hashtable of them, saying what to write' {
        { $Private | Publish-CseDependency -Registry (New-TestBase $Target) -SourceCredential @{ $Basic.Host = 'cse-admin' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidSourceCredential,CseAirgap.PowerShell.Commands.PublishCseDependencyCommand'
        { $Private | Publish-CseDependency -Registry (New-TestBase $Target) -SourceCredential 42 -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*@{ 'projects.packages.broadcom.com' = (Get-Credential) }*"
    }

    It 'copies it with the login a credential helper of the Docker config gives (credHelpers)' {
        # The helper answers only for the host it is asked about, on stdin, as docker-credential-helpers do.
        Add-CredentialHelper 'cseairgaptest' ("[ `"`$1`" = get ] || exit 3`nread -r -d '' url`n[ `"`$url`" = '$($Basic.Host)' ] || exit 1`n" +
            "printf '{`"ServerURL`":`"%s`",`"Username`":`"cse-admin`",`"Secret`":`"%s`"}' `"`$url`" `"`$CSEAIRGAP_TEST_ADMIN_PASSWORD`"")
        Use-DockerConfig "{ `"credHelpers`": { `"$($Basic.Host)`": `"cseairgaptest`" } }"
        $run = Invoke-Publish $Private
        $run.Result.Status | Should -Be 'Copied'
        Get-SkopeoDigest -Registry $Target -Reference $run.Result[0].Destination | Should -Be $Attacher.Digest
        $run.Verbose -join "`n" | Should -Not -BeLike "*$($env:CSEAIRGAP_TEST_ADMIN_PASSWORD)*"
    }

    It 'treats a credential helper that <Case> as no login, cleanly and without hanging' -ForEach @(
        @{ Case = 'hangs'; Body = 'sleep 600'; Says = '*did not answer*' }
        @{ Case = 'prints 10 MB'; Body = "head -c 10485760 /dev/zero | tr '\0' 'x'"; Says = '*printed more than*' }
        @{ Case = 'exits 1'; Body = 'echo "$CSEAIRGAP_TEST_ADMIN_PASSWORD"; echo "$CSEAIRGAP_TEST_ADMIN_PASSWORD" >&2; exit 1'; Says = '*exit code 1*' }
        @{ Case = 'is not on PATH'; Body = $null; Says = '*not on PATH*' }
    ) {
        if ($Body) { Add-CredentialHelper 'cseairgaptest' $Body }
        Use-DockerConfig '{ "credsStore": "cseairgaptest" }'
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $run = Invoke-Publish $Private
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 120 -Because 'a bound on the helper, not a timing: a hanging one would take 600 s'
        $run.Result.Status | Should -Be 'Failed'
        $run.Problems[0].FullyQualifiedErrorId | Should -BeLike 'RegistryAuthenticationRequired,*'
        $said = @($run.Verbose | Where-Object { $_ -like '*docker-credential-cseairgaptest*' })
        $said.Count | Should -BeGreaterThan 0
        $said -join "`n" | Should -BeLike $Says
        ($run.Verbose -join "`n") | Should -Not -BeLike "*$($env:CSEAIRGAP_TEST_ADMIN_PASSWORD)*"
        ($run.Verbose -join "`n") | Should -Not -BeLike '*xxxxxxxx*'
    }
}
