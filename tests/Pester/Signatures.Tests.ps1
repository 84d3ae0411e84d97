# Issue 21 (signatures carried on request): -IncludeSignature on Publish-CseDependency and Export-CseDependency carries
# cosign's signature, attestation and SBOM tags (sha256-<hex>.sig, .att, .sbom) and OCI 1.1 referrers with each image.
# cosign is not installable here, so the source's artefacts are written as cosign writes them (a manifest whose layer is
# the simple-signing payload naming the image digest, annotated dev.cosignproject.cosign/signature; an attestation as a
# DSSE envelope) from files this test writes, and pushed with `skopeo copy --preserve-digests`. Results are checked
# with skopeo (inspect --raw, manifest-digest, copy) and the registry's own access log, never with the module.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Ca = (Get-CseTestEnvironment).CaFile
    $script:Mirror = Get-TestMirror
    $script:K8s = Assert-CseTestService 'k8s'
    $script:Target = Assert-CseTestService 'http'

    function Get-FileDigest([string] $Path) { 'sha256:' + (Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash.ToLowerInvariant() }

    function Publish-TestArtefact {
        <#
        Writes an OCI manifest of this test's own (a config, -Layers of given bytes and annotations, an optional subject)
        in skopeo's dir: format and pushes it to the registry.k8s.io mirror at -Reference (repository:tag or repository
        with -ByDigest), digests preserved. Returns the manifest's digest.
        #>
        param([string] $Repository, [string] $Tag, [object[]] $Layers, $Subject, [string] $ArtifactType, [switch] $ByDigest)
        $folder = New-TestFolder 'artefact'
        [IO.File]::WriteAllText((Join-Path $folder 'version'), "Directory Transport Version: 1.1`n")
        $descriptors = foreach ($layer in $Layers) {
            $file = Join-Path $folder 'layer.tmp'
            [IO.File]::WriteAllBytes($file, $layer.Bytes)
            $digest = Get-FileDigest $file
            Move-Item -Force $file (Join-Path $folder $digest.Substring(7))
            $d = [ordered]@{ mediaType = $layer.MediaType; size = $layer.Bytes.Length; digest = $digest }
            if ($layer.Annotations) { $d.annotations = $layer.Annotations }
            $d
        }
        # cosign's config: an OCI image config whose rootfs lists the layers.
        $config = [ordered]@{ architecture = ''; os = ''; config = @{}; rootfs = [ordered]@{ type = 'layers'; diff_ids = @($descriptors | ForEach-Object digest) } }
        $configFile = Join-Path $folder 'config.tmp'
        [IO.File]::WriteAllBytes($configFile, [Text.Encoding]::UTF8.GetBytes(($config | ConvertTo-Json -Depth 10 -Compress)))
        $configDigest = Get-FileDigest $configFile
        $configSize = (Get-Item $configFile).Length
        Move-Item -Force $configFile (Join-Path $folder $configDigest.Substring(7))
        $manifest = [ordered]@{ schemaVersion = 2; mediaType = 'application/vnd.oci.image.manifest.v1+json' }
        if ($ArtifactType) { $manifest.artifactType = $ArtifactType }
        $manifest.config = [ordered]@{ mediaType = 'application/vnd.oci.image.config.v1+json'; size = $configSize; digest = $configDigest }
        $manifest.layers = @($descriptors)
        if ($Subject) { $manifest.subject = $Subject }
        $manifestFile = Join-Path $folder 'manifest.json'
        [IO.File]::WriteAllBytes($manifestFile, [Text.Encoding]::UTF8.GetBytes(($manifest | ConvertTo-Json -Depth 10 -Compress)))
        $digest = Get-FileDigest $manifestFile
        # skopeo cannot push to a bare digest: a referrer goes under a scratch tag, and is then addressed by its digest.
        $tag = if ($ByDigest) { "scratch-$([Guid]::NewGuid().ToString('N').Substring(0, 8))" } else { $Tag }
        Invoke-CseTestSkopeo copy --preserve-digests --quiet @(Get-CseTestSkopeoArgs -Registry $K8s -Side dest -Credential) "dir:$folder" "docker://$($K8s.Host)/$Repository`:$tag" | Out-Null
        Remove-Item -Recurse -Force $folder
        $digest
    }

    function Publish-TestIndex([string] $Repository, [string] $Tag, [object[]] $Descriptors) {
        # An OCI index of this test's own (the referrers tag schema's list) PUT to the mirror with the test's own HTTP
        # request (skopeo 1.9 will not push an index whose entry is an artefact unchanged); returns its digest.
        $index = [ordered]@{ schemaVersion = 2; mediaType = 'application/vnd.oci.image.index.v1+json'; manifests = @($Descriptors) }
        $bytes = [Text.Encoding]::UTF8.GetBytes(($index | ConvertTo-Json -Depth 10 -Compress))
        Invoke-WebRequest -Method Put -Uri "$($K8s.Url)/v2/$Repository/manifests/$Tag" -ContentType 'application/vnd.oci.image.index.v1+json' -Body $bytes -SkipCertificateCheck | Out-Null
        'sha256:' + [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($bytes)).ToLowerInvariant()
    }

    function Save-RawManifest([string] $Reference) {
        # The exact manifest bytes the registry.k8s.io mirror serves at a reference, saved by skopeo; returns the file.
        $raw = Join-Path (Get-TestScratch) "raw-$([Guid]::NewGuid().ToString('N'))"
        $quoted = (@(Get-CseTestSkopeoArgs -Registry $K8s -Side src -Credential) -replace '^--src-', '--' | ForEach-Object { "'$_'" }) -join ' '
        & bash -c "skopeo inspect --raw $quoted 'docker://$($K8s.Host)/$Reference' > '$raw'"
        if ($LASTEXITCODE -ne 0) { throw "skopeo inspect failed for $Reference" }
        $raw
    }

    function New-SignaturePayload([string] $Repository, [string] $Digest) {
        # cosign's simple-signing payload: the image it signs, by digest.
        $payload = [ordered]@{
            critical = [ordered]@{
                identity = @{ 'docker-reference' = "registry.k8s.io/$Repository" }
                image    = @{ 'docker-manifest-digest' = $Digest }
                type     = 'cosign container image signature'
            }
            optional = $null
        }
        [Text.Encoding]::UTF8.GetBytes(($payload | ConvertTo-Json -Depth 10 -Compress))
    }

    function New-SignedSource {
        <#
        Five images in a fresh repository path of the registry.k8s.io mirror: A signed (.sig), B signed and attested
        (.sig, .att), U with nothing, M a two-platform index signed by its own digest, R with an OCI 1.1 referrer listed
        at the referrers tag (sha256-<hex>, an index).
        #>
        $prefix = "signed/s$([Guid]::NewGuid().ToString('N').Substring(0, 10))"
        $set = [ordered]@{}
        foreach ($name in 'a', 'b', 'u', 'r') {
            $repository = "$prefix/$name"
            $digest = Publish-CseTestFileImage -Registry $K8s -Path "$repository`:v1" -Files @{ "$name.txt" = "image $name $prefix`n" }
            $set[$name] = [ordered]@{ Repository = $repository; Reference = "registry.k8s.io/$repository`:v1"; Digest = $digest; TagForm = $digest -replace ':', '-'; Attached = [ordered]@{} }
        }
        foreach ($name in 'a', 'b') {
            $image = $set[$name]
            $sig = @{ MediaType = 'application/vnd.dev.cosign.simplesigning.v1+json'; Bytes = (New-SignaturePayload $image.Repository $image.Digest)
                Annotations = @{ 'dev.cosignproject.cosign/signature' = [Convert]::ToBase64String([byte[]](1..64)) } }
            $image.Attached["$($image.TagForm).sig"] = Publish-TestArtefact -Repository $image.Repository -Tag "$($image.TagForm).sig" -Layers @($sig)
        }
        # M: a multi-platform image (an index of two images), signed by the index's digest as cosign signs it.
        $m = "$prefix/m"
        $children = foreach ($arch in 'amd64', 'arm64') {
            $digest = Publish-CseTestFileImage -Registry $K8s -Path "$m`:$arch" -Files @{ "m-$arch.txt" = "image m $arch $prefix`n" }
            [ordered]@{ mediaType = 'application/vnd.oci.image.manifest.v1+json'; digest = $digest; size = (Get-Item (Save-RawManifest "$m@$digest")).Length
                platform = [ordered]@{ architecture = $arch; os = 'linux' } }
        }
        $indexDigest = Publish-TestIndex -Repository $m -Tag 'v1' -Descriptors $children
        $set['m'] = [ordered]@{ Repository = $m; Reference = "registry.k8s.io/$m`:v1"; Digest = $indexDigest; TagForm = $indexDigest -replace ':', '-'; Attached = [ordered]@{} }
        $sig = @{ MediaType = 'application/vnd.dev.cosign.simplesigning.v1+json'; Bytes = (New-SignaturePayload $m $indexDigest)
            Annotations = @{ 'dev.cosignproject.cosign/signature' = [Convert]::ToBase64String([byte[]](1..64)) } }
        $set['m'].Attached["$($set['m'].TagForm).sig"] = Publish-TestArtefact -Repository $m -Tag "$($set['m'].TagForm).sig" -Layers @($sig)
        $b = $set['b']
        $statement = @{ _type = 'https://in-toto.io/Statement/v0.1'; predicateType = 'https://slsa.dev/provenance/v0.2'; subject = @(@{ name = "registry.k8s.io/$($b.Repository)"; digest = @{ sha256 = $b.Digest.Substring(7) } }); predicate = @{} }
        $envelope = @{ payloadType = 'application/vnd.in-toto+json'; payload = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes(($statement | ConvertTo-Json -Depth 10 -Compress))); signatures = @(@{ keyid = ''; sig = 'c2ln' }) }
        $att = @{ MediaType = 'application/vnd.dsse.envelope.v1+json'; Bytes = [Text.Encoding]::UTF8.GetBytes(($envelope | ConvertTo-Json -Depth 10 -Compress)); Annotations = @{ predicateType = 'https://slsa.dev/provenance/v0.2' } }
        $b.Attached["$($b.TagForm).att"] = Publish-TestArtefact -Repository $b.Repository -Tag "$($b.TagForm).att" -Layers @($att)
        # R: a referrer (subject = R) kept by digest, and the referrers tag schema's index naming it, as a client writes
        # them on a registry without the referrers API (this suite's distribution 2.8).
        $r = $set['r']
        $subject = [ordered]@{ mediaType = 'application/vnd.oci.image.manifest.v1+json'; digest = $r.Digest; size = 0 }
        $subject.size = (Get-Item (Save-RawManifest "$($r.Repository):v1")).Length
        $sbom = @{ MediaType = 'application/spdx+json'; Bytes = [Text.Encoding]::UTF8.GetBytes('{"spdxVersion":"SPDX-2.3","name":"r"}') }
        $referrer = Publish-TestArtefact -Repository $r.Repository -Layers @($sbom) -Subject $subject -ArtifactType 'application/spdx+json' -ByDigest
        $r.Referrer = $referrer
        $rawReferrer = Save-RawManifest "$($r.Repository)@$referrer"
        $r.Attached[$r.TagForm] = Publish-TestIndex -Repository $r.Repository -Tag $r.TagForm -Descriptors @([ordered]@{
                mediaType = 'application/vnd.oci.image.manifest.v1+json'; digest = $referrer; size = (Get-Item $rawReferrer).Length; artifactType = 'application/spdx+json' })
        $set
    }

    function Get-TestTags($Registry, [string] $Repository) {
        # The tags a destination repository holds, asked with the test's own request (the destinations here need no login).
        $Repository = $Repository -replace "^$([regex]::Escape($Registry.Host))/", ''
        (Invoke-RestMethod "$($Registry.Url)/v2/$Repository/tags/list" -SkipCertificateCheck).tags
    }

    function Get-SignedDigest($Registry, [string] $Reference) {
        # The image digest a destination's signature names: its layer, pulled with skopeo, read as cosign's payload.
        $folder = Copy-SkopeoImage -Registry $Registry -Reference $Reference
        $manifest = Get-Content -Raw (Join-Path $folder 'manifest.json') | ConvertFrom-Json
        $layer = $manifest.layers | Where-Object mediaType -EQ 'application/vnd.dev.cosign.simplesigning.v1+json'
        $layer.annotations.'dev.cosignproject.cosign/signature' | Should -Not -BeNullOrEmpty
        (Get-Content -Raw (Join-Path $folder $layer.digest.Substring(7)) | ConvertFrom-Json).critical.image.'docker-manifest-digest'
    }

    $script:Source = New-SignedSource
}

Describe 'Publish-CseDependency -IncludeSignature' {
    It 'carries the .sig and .att tags after each image, digests unchanged, and nothing without the switch' {
        $references = @($Source.Values | Where-Object { $_.Repository -notlike '*/r' } | ForEach-Object Reference)
        $logged = Start-TestLoggedRegistry
        try {
            $plainBase = "$($logged.Base)/plain"
            $plain = $references | Publish-CseDependency -Registry $plainBase -SourceMirror $Mirror -CaCertificate $Ca
            $before = @(Get-Content $logged.Log).Count
            $base = "$($logged.Base)/signed"
            $results = $references | Publish-CseDependency -Registry $base -SourceMirror $Mirror -CaCertificate $Ca -IncludeSignature -ErrorVariable problems -Verbose 4>&1
            $log = @(Get-Content $logged.Log | Select-Object -Skip $before)
            $verbose = @($results | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | ForEach-Object Message)
            $results = @($results | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] })
            $host_ = $logged.Host

            # Without the switch: only the images' own tags.
            $plain.Status | Sort-Object -Unique | Should -Be 'Copied'
            foreach ($image in @($Source.a, $Source.b, $Source.u, $Source.m)) {
                Get-TestTags $logged "$host_/plain/$($image.Repository)" | Should -Be @('v1') -Because 'nothing extra is copied without -IncludeSignature'
            }

            $problems.Count | Should -Be 0 -Because 'an image with no signature is not an error'
            $results.Count | Should -Be 4 -Because 'one result per image: what is attached is counted on its image'
            $results.Status | Sort-Object -Unique | Should -Be 'Copied'
            ($results | Where-Object Source -EQ $Source.m.Reference).Platforms | Should -Be 2
            foreach ($image in @($Source.a, $Source.b, $Source.u, $Source.m)) {
                $result = $results | Where-Object Source -EQ $image.Reference
                $result.Signatures | Should -Be $image.Attached.Count
                $destination = "$host_/signed/$($image.Repository)"
                $imageDigest = Get-SkopeoDigest -Registry $logged -Reference "$destination`:v1"
                $imageDigest | Should -Be $image.Digest
                @(Get-TestTags $logged $destination | Sort-Object) | Should -Be @(@('v1') + @($image.Attached.Keys) | Sort-Object)
                foreach ($tag in $image.Attached.Keys) {
                    Get-SkopeoDigest -Registry $logged -Reference "$destination`:$tag" | Should -Be $image.Attached[$tag] -Because "$tag keeps its digest"
                    $verbose -match [regex]::Escape($tag) | Should -Not -BeNullOrEmpty -Because '-Verbose names what was carried'
                    # The tag rule: the attachment's tag is written after the image's own tag.
                    $imagePut = [array]::FindIndex([string[]]$log, [Predicate[string]] { param($l) $l -match "`"PUT /v2/signed/$([regex]::Escape($image.Repository))/manifests/v1 HTTP/[\d.]+`" 201 " })
                    $tagPut = [array]::FindIndex([string[]]$log, [Predicate[string]] { param($l) $l -match "`"PUT /v2/signed/$([regex]::Escape($image.Repository))/manifests/$([regex]::Escape($tag)) HTTP/[\d.]+`" 201 " })
                    $imagePut | Should -BeGreaterOrEqual 0
                    $tagPut | Should -BeGreaterThan $imagePut -Because "$tag is tagged only once the image is there"
                }
                if ($image.Attached.Contains("$($image.TagForm).sig")) {
                    Get-SignedDigest $logged "$destination`:$($image.TagForm).sig" | Should -Be $imageDigest -Because 'the signature names the destination image, unchanged'
                }
            }
            # A re-run finds everything there, the attachments included, and counts them again.
            $again = $references | Publish-CseDependency -Registry $base -SourceMirror $Mirror -CaCertificate $Ca -IncludeSignature
            $again.Status | Sort-Object -Unique | Should -Be 'AlreadyPresent'
            foreach ($image in @($Source.a, $Source.b, $Source.u, $Source.m)) { ($again | Where-Object Source -EQ $image.Reference).Signatures | Should -Be $image.Attached.Count }
        }
        finally { Stop-TestLoggedRegistry $logged }
    }

    It 'carries an OCI 1.1 referrer kept under the referrers tag schema, where the registry has no referrers API' {
        $r = $Source.r
        $base = New-TestBase $Target
        $result = $r.Reference | Publish-CseDependency -Registry $base -SourceMirror $Mirror -CaCertificate $Ca -IncludeSignature
        $result.Status | Should -Be 'Copied'
        $result.Signatures | Should -Be 1
        $destination = ($base -replace '^https?://', '') + "/$($r.Repository)"
        Get-SkopeoDigest -Registry $Target -Reference "$destination`:$($r.TagForm)" | Should -Be $r.Attached[$r.TagForm] -Because 'the referrers list keeps its digest'
        Get-SkopeoDigest -Registry $Target -Reference "$destination@$($r.Referrer)" | Should -Be $r.Referrer -Because 'the referrer it lists is there too'
    }
}

Describe 'Export-CseDependency -IncludeSignature' {
    It 'keeps the signatures in the export under their tags, and Publish-CseDependency -Path carries them on, digests unchanged' {
        $b = $Source.b
        $folder = Join-Path (New-TestFolder 'signed-export') 'layout'
        $exported = $b.Reference | Export-CseDependency -Path $folder -SourceMirror $Mirror -CaCertificate $Ca -IncludeSignature
        $exported.Signatures | Should -Be 2
        $index = Get-Content -Raw (Join-Path $folder 'index.json') | ConvertFrom-Json
        foreach ($tag in $b.Attached.Keys) {
            $entry = @($index.manifests | Where-Object { $_.annotations.'org.opencontainers.image.ref.name' -eq "registry.k8s.io/$($b.Repository):$tag" })
            $entry.Count | Should -Be 1 -Because "the export names $tag as an image of its own"
            $entry[0].digest | Should -Be $b.Attached[$tag]
        }
        # skopeo reads the export's signature like any image of an OCI layout.
        $raw = Join-Path (Get-TestScratch) "sig-$([Guid]::NewGuid().ToString('N'))"
        & bash -c "skopeo inspect --raw 'oci:$folder`:registry.k8s.io/$($b.Repository):$($b.TagForm).sig' > '$raw'"
        (& skopeo manifest-digest $raw).Trim() | Should -Be $b.Attached["$($b.TagForm).sig"]
        @(Get-CseDependency -Path $folder).Reference | Should -Be @($b.Reference) -Because 'a signature is not a dependency of its own'

        $withoutBase = New-TestBase $Target
        $without = Publish-CseDependency -Path $folder -Registry $withoutBase
        @($without).Count | Should -Be 1 -Because 'a signature in the export travels with its image, not as an image of its own'
        Get-TestTags $Target (($withoutBase -replace '^https?://', '') + "/$($b.Repository)") | Should -Be @('v1')

        $base = New-TestBase $Target
        $published = Publish-CseDependency -Path $folder -Registry $base -IncludeSignature
        @($published).Count | Should -Be 1
        $published.Status | Should -Be 'Copied'
        $published.Signatures | Should -Be 2
        $destination = ($base -replace '^https?://', '') + "/$($b.Repository)"
        $imageDigest = Get-SkopeoDigest -Registry $Target -Reference "$destination`:v1"
        $imageDigest | Should -Be $b.Digest
        foreach ($tag in $b.Attached.Keys) {
            Get-SkopeoDigest -Registry $Target -Reference "$destination`:$tag" | Should -Be $b.Attached[$tag] -Because "$tag keeps its digest across the air gap"
        }
        Get-SignedDigest $Target "$destination`:$($b.TagForm).sig" | Should -Be $imageDigest
    }
}
