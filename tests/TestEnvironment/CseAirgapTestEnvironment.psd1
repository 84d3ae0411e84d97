@{
    RootModule        = 'CseAirgapTestEnvironment.psm1'
    ModuleVersion     = '0.1.0'
    GUID              = '0f4f3c7a-7d6e-4b8e-9d0c-2f1f3e5a6b7c'
    Description       = 'Test services for CseAirgap: distribution registries (HTTP, TLS, basic, token), a token service, dockerd, fixtures built with independent tools.'
    PowerShellVersion = '7.2'
    FunctionsToExport = @(
        'Install-CseTestPrerequisite', 'Start-CseTestEnvironment', 'Stop-CseTestEnvironment', 'Get-CseTestEnvironment',
        'Assert-CseTestService', 'Get-CseTestSkopeoArgs', 'Get-CseTestCredential', 'Start-CseTestFaultProxy', 'Stop-CseTestProcess',
        'Start-CseTestRegistry', 'Get-CseTestFreePort', 'Invoke-CseTestSkopeo', 'New-CseTestDirImage', 'New-CseTestBenchSet', 'New-CseTestCseShapedSet',
        'Publish-CseTestFileImage',
        'Start-CseTestHostileRegistry', 'Get-CseTestHostileLog', 'Start-CseTestShapingProxy',
        'Start-CseTestVcdServer', 'Stop-CseTestVcdServer', 'Invoke-CseTestVcdControl',
        'New-CseTestServerCertificate', 'Start-CseTestOwnTlsRegistry'
    )
}
