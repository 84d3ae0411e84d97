@{
    RootModule           = 'CseAirgap.dll'
    # build.ps1 writes the version from Directory.Build.props into the built copy.
    ModuleVersion        = '0.1.0'
    GUID                 = '5d8f0d7e-2a57-4f4e-9a4b-6f1f3c2b9e41'
    Author               = 'The CseAirgap authors'
    CompanyName          = 'CseAirgap'
    Copyright            = '(c) 2026 The CseAirgap authors. MIT License.'
    Description          = 'Prepares an air-gapped container registry for VMware Cloud Director Container Service Extension (CSE) 4.2.x: finds, unpacks and publishes every image CSE needs, natively over the registry API, with no Docker and no imgpkg.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    # netstandard2.0 assemblies need .NET Framework 4.7.2 on Windows PowerShell (4.6.1 loads them only partly;
    # Windows Server 2016 ships 4.6.2): Import-Module then says so instead of failing later on a missing type.
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('CseAirgap.Format.ps1xml')
    CmdletsToExport      = @(
        'Get-CseAirgapImage'
        'Expand-CseArtifact'
        'Export-CseDependency'
        'Get-CseDependency'
        'Get-CseRegistryCertificate'
        'Get-CseServerConfiguration'
        'Set-CseServerConfiguration'
        'Get-CseTanzuPlugin'
        'Get-CseTkgDependency'
        'Publish-CseDependency'
        'Publish-CseTanzuPlugin'
        'Test-CseExport'
        'Test-CsePrerequisite'
        'Test-CseRegistryLayout'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('VMware', 'CSE', 'ContainerServiceExtension', 'VCD', 'Harbor', 'Registry', 'AirGap', 'OCI', 'Linux', 'Windows')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ReleaseNotes = @'
0.1.0: the whole CSE 4.2 air-gap procedure with twelve cmdlets. Step 1 Get-CseAirgapImage; step 2 Expand-CseArtifact
(from a registry, a Docker engine or an archive, without Docker); step 3 Get-CseDependency and Publish-CseDependency;
a true air gap with Export-CseDependency, Test-CseExport and Publish-CseDependency -Path; step 4 Get-CseTkgDependency
with imgpkg bundles; step 5 Get-CseTanzuPlugin and Publish-CseTanzuPlugin; proof and preparation with
Test-CseRegistryLayout, Test-CsePrerequisite and Get-CseRegistryCertificate. See README.md for what is not covered yet.
'@
        }
    }
}
