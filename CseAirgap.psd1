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
            ReleaseNotes = 'First release: Get-CseAirgapImage, Expand-CseArtifact, Get-CseDependency, Publish-CseDependency.'
        }
    }
}
