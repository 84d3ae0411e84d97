<#
.SYNOPSIS
    The main job on local defaults: a local "VMware" source registry filled with the fixtures, an empty local
    target registry, and the module's pipeline from the CSE version to a published, verified registry.
    Called by build.ps1 Demo, which starts and stops the registries.
#>
param([Parameter(Mandatory)] $Environment, [Parameter(Mandatory)][string] $ModulePath)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModulePath 'CseAirgap.psd1') -Force

$mirror = @{}
foreach ($pair in $Environment.Fixtures.Mirrors.GetEnumerator()) { $mirror[$pair.Key] = $pair.Value }
$target = $Environment.Registries['token']
$credential = Get-CseTestCredential
$base = $target.Host

function Show([string] $Text) { Write-Host "`n== $Text" -ForegroundColor Cyan }

Show 'Source registry (stands in for projects.registry.vmware.com and registry.k8s.io)'
$mirror.GetEnumerator() | ForEach-Object { Write-Host "  $($_.Key) -> $($_.Value)" }
Write-Host "Target registry (TLS + token auth, like Harbor): $base"

Show 'Step 1: Get-CseAirgapImage -CseVersion 4.2.2'
$image = Get-CseAirgapImage -CseVersion 4.2.2
$image | Format-Table | Out-Host

Show 'Step 2: Expand-CseArtifact (no Docker: the layers are read from the registry and applied)'
$artifact = $image | Expand-CseArtifact -Destination (Join-Path $Environment.Root 'getting-started') -SourceMirror $mirror -CaCertificate $Environment.CaFile
$artifact | Format-List Path, DependencyFile, Script, Digest, Engine | Out-Host
Get-ChildItem $artifact.Path | Format-Table Mode, Length, Name | Out-Host

Show 'Step 3a: Get-CseDependency reads its dependencies.txt'
$dependencies = @($artifact | Get-CseDependency) + @(Get-CseDependency -Reference $image.Reference)
$dependencies | Format-Table | Out-Host

Show "Step 3b: Publish-CseDependency -Registry $base (every group, digests unchanged)"
$clock = [Diagnostics.Stopwatch]::StartNew()
$results = $dependencies | Publish-CseDependency -Registry $base -Credential $credential -SourceMirror $mirror -CaCertificate $Environment.CaFile
$results | Format-Table | Out-Host
Write-Host ("{0} images, {1:N1} MB sent, {2:N1} MB reused, in {3:N2} s" -f $results.Count,
    (($results | Measure-Object BytesCopied -Sum).Sum / 1MB), (($results | Measure-Object BytesReused -Sum).Sum / 1MB), $clock.Elapsed.TotalSeconds)

Show 'Again: a re-run sends only what is missing'
$clock.Restart()
$again = $dependencies | Publish-CseDependency -Registry $base -Credential $credential -SourceMirror $mirror -CaCertificate $Environment.CaFile
$again | Group-Object Status | Format-Table Name, Count | Out-Host
Write-Host ("re-run in {0:N2} s" -f $clock.Elapsed.TotalSeconds)

Show 'Step 4: Get-CseTkgDependency -TkgVersion 2.5.0 | Publish-CseDependency (TKG BOMs; package repositories are imgpkg bundles)'
$tkg = Get-CseTkgDependency -TkgVersion 2.5.0 -SourceMirror $mirror -CaCertificate $Environment.CaFile |
    Publish-CseDependency -Registry $base -Credential $credential -SourceMirror $mirror -CaCertificate $Environment.CaFile
$tkg | Format-Table Status, Kind, BundleImages, DestinationPath -Wrap | Out-Host

Show 'Step 5: Publish-CseTanzuPlugin -TkgVersion 2.5.0 (plug-in images, then the inventory)'
Publish-CseTanzuPlugin -TkgVersion 2.5.0 -Registry $base -Credential $credential -SourceMirror $mirror -CaCertificate $Environment.CaFile |
    Format-Table Status, Kind, DestinationPath -Wrap | Out-Host

Show 'Proof: Test-CseRegistryLayout'
$checks = @($dependencies) + @($tkg | ForEach-Object Source) |
    Test-CseRegistryLayout -Registry $base -Credential $credential -SourceMirror $mirror -CaCertificate $Environment.CaFile
$checks | Group-Object Status | Format-Table Name, Count | Out-Host
$checks | Where-Object Status -NE 'Passed' | Format-Table Check, Target, Detail -Wrap | Out-Host

Show 'Checked by skopeo, anonymously, as the cluster VMs will pull'
$failures = 0
foreach ($r in $results) {
    $raw = Join-Path $Environment.Root 'raw.json'
    & bash -c "skopeo inspect --raw --no-creds --cert-dir '$($Environment.CertDir)' 'docker://$($r.Destination)' > '$raw'"
    $digest = if ($LASTEXITCODE -eq 0) { (& skopeo manifest-digest $raw).Trim() } else { '(missing)' }
    $ok = $digest -eq $r.Digest
    if (-not $ok) { $failures++ }
    Write-Host ("  {0} {1} {2}" -f ($ok ? 'OK  ' : 'FAIL'), $r.Destination, $digest)
}
if ($failures) { throw "$failures published images do not match their source." }
Write-Host "`nDemo complete: every dependency is at <base>/<path>:<tag> with its source digest." -ForegroundColor Green
