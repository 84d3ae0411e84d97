# Issue 22 item 14: every assembly the built module references must be found on Windows PowerShell 5.1, which has no
# NuGet resolution: either shipped in Dependencies/ (the module's AssemblyResolve handler answers for those by name,
# whatever version is asked) or part of .NET Framework 4.7.2, the manifest's DotNetFrameworkVersion. Reads the
# metadata with System.Reflection.Metadata, so it runs in pwsh (here and on the Windows CI), not in powershell.exe.
BeforeDiscovery {
    $script:SkipHere = $PSVersionTable.PSEdition -eq 'Desktop'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'WindowsSetup.ps1')

    # The .NET Framework 4.7.2 assemblies: the file names (without .dll) of build/.NETFramework/v4.7.2/*.dll and
    # .../Facades/*.dll in the NuGet package Microsoft.NETFramework.ReferenceAssemblies.net472 1.0.3 (Microsoft's
    # reference assemblies for that framework; the facades are what netstandard2.0 libraries bind to there).
    $script:Net472 = -split @'
Accessibility CustomMarshalers ISymWrapper Microsoft.Activities.Build Microsoft.Build 
Microsoft.Build.Conversion.v4.0 Microsoft.Build.Engine Microsoft.Build.Framework Microsoft.Build.Tasks.v4.0 
Microsoft.Build.Utilities.v4.0 Microsoft.CSharp Microsoft.JScript Microsoft.VisualBasic 
Microsoft.VisualBasic.Compatibility Microsoft.VisualBasic.Compatibility.Data Microsoft.VisualC 
Microsoft.VisualC.STLCLR Microsoft.Win32.Primitives mscorlib netstandard PresentationBuildTasks 
PresentationCore PresentationFramework PresentationFramework.Aero PresentationFramework.Aero2 
PresentationFramework.AeroLite PresentationFramework.Classic PresentationFramework.Luna 
PresentationFramework.Royale ReachFramework sysglobl System System.Activities 
System.Activities.Core.Presentation System.Activities.DurableInstancing System.Activities.Presentation 
System.AddIn System.AddIn.Contract System.AppContext System.Collections System.Collections.Concurrent 
System.Collections.NonGeneric System.Collections.Specialized System.ComponentModel 
System.ComponentModel.Annotations System.ComponentModel.Composition 
System.ComponentModel.Composition.Registration System.ComponentModel.DataAnnotations 
System.ComponentModel.EventBasedAsync System.ComponentModel.Primitives System.ComponentModel.TypeConverter 
System.Configuration System.Configuration.Install System.Console System.Core System.Data System.Data.Common 
System.Data.DataSetExtensions System.Data.Entity System.Data.Entity.Design System.Data.Linq 
System.Data.OracleClient System.Data.Services System.Data.Services.Client System.Data.Services.Design 
System.Data.SqlXml System.Deployment System.Design System.Device System.Diagnostics.Contracts 
System.Diagnostics.Debug System.Diagnostics.FileVersionInfo System.Diagnostics.Process 
System.Diagnostics.StackTrace System.Diagnostics.TextWriterTraceListener System.Diagnostics.Tools 
System.Diagnostics.TraceSource System.Diagnostics.Tracing System.DirectoryServices 
System.DirectoryServices.AccountManagement System.DirectoryServices.Protocols System.Drawing 
System.Drawing.Design System.Drawing.Primitives System.Dynamic System.Dynamic.Runtime 
System.EnterpriseServices System.EnterpriseServices.Thunk System.EnterpriseServices.Wrapper 
System.Globalization System.Globalization.Calendars System.Globalization.Extensions System.IdentityModel 
System.IdentityModel.Selectors System.IdentityModel.Services System.IO System.IO.Compression 
System.IO.Compression.FileSystem System.IO.Compression.ZipFile System.IO.FileSystem 
System.IO.FileSystem.DriveInfo System.IO.FileSystem.Primitives System.IO.FileSystem.Watcher 
System.IO.IsolatedStorage System.IO.Log System.IO.MemoryMappedFiles System.IO.Pipes 
System.IO.UnmanagedMemoryStream System.Linq System.Linq.Expressions System.Linq.Parallel 
System.Linq.Queryable System.Management System.Management.Instrumentation System.Messaging System.Net 
System.Net.Http System.Net.Http.Rtc System.Net.Http.WebRequest System.Net.NameResolution 
System.Net.NetworkInformation System.Net.Ping System.Net.Primitives System.Net.Requests System.Net.Security 
System.Net.Sockets System.Net.WebHeaderCollection System.Net.WebSockets System.Net.WebSockets.Client 
System.Numerics System.ObjectModel System.Printing System.Reflection System.Reflection.Context 
System.Reflection.Emit System.Reflection.Emit.ILGeneration System.Reflection.Emit.Lightweight 
System.Reflection.Extensions System.Reflection.Primitives System.Resources.Reader 
System.Resources.ResourceManager System.Resources.Writer System.Runtime System.Runtime.Caching 
System.Runtime.CompilerServices.VisualC System.Runtime.DurableInstancing System.Runtime.Extensions 
System.Runtime.Handles System.Runtime.InteropServices System.Runtime.InteropServices.RuntimeInformation 
System.Runtime.InteropServices.WindowsRuntime System.Runtime.Numerics System.Runtime.Remoting 
System.Runtime.Serialization System.Runtime.Serialization.Formatters 
System.Runtime.Serialization.Formatters.Soap System.Runtime.Serialization.Json 
System.Runtime.Serialization.Primitives System.Runtime.Serialization.Xml System.Security 
System.Security.Claims System.Security.Cryptography.Algorithms System.Security.Cryptography.Csp 
System.Security.Cryptography.Encoding System.Security.Cryptography.Primitives 
System.Security.Cryptography.X509Certificates System.Security.Principal System.Security.SecureString 
System.ServiceModel System.ServiceModel.Activation System.ServiceModel.Activities 
System.ServiceModel.Channels System.ServiceModel.Discovery System.ServiceModel.Duplex 
System.ServiceModel.Http System.ServiceModel.NetTcp System.ServiceModel.Primitives 
System.ServiceModel.Routing System.ServiceModel.Security System.ServiceModel.Web System.ServiceProcess 
System.Speech System.Text.Encoding System.Text.Encoding.Extensions System.Text.RegularExpressions 
System.Threading System.Threading.Overlapped System.Threading.Tasks System.Threading.Tasks.Parallel 
System.Threading.Thread System.Threading.ThreadPool System.Threading.Timer System.Transactions 
System.ValueTuple System.Web System.Web.Abstractions System.Web.ApplicationServices 
System.Web.DataVisualization System.Web.DataVisualization.Design System.Web.DynamicData 
System.Web.DynamicData.Design System.Web.Entity System.Web.Entity.Design System.Web.Extensions 
System.Web.Extensions.Design System.Web.Mobile System.Web.RegularExpressions System.Web.Routing 
System.Web.Services System.Windows System.Windows.Controls.Ribbon System.Windows.Forms 
System.Windows.Forms.DataVisualization System.Windows.Forms.DataVisualization.Design 
System.Windows.Input.Manipulations System.Windows.Presentation System.Workflow.Activities 
System.Workflow.ComponentModel System.Workflow.Runtime System.WorkflowServices System.Xaml System.Xml 
System.Xml.Linq System.Xml.ReaderWriter System.Xml.Serialization System.Xml.XDocument System.Xml.XmlDocument 
System.Xml.XmlSerializer System.Xml.XPath System.Xml.XPath.XDocument UIAutomationClient 
UIAutomationClientsideProviders UIAutomationProvider UIAutomationTypes WindowsBase WindowsFormsIntegration 
XamlBuildTask 
'@

    # References that are found without being shipped or in the framework, each with why.
    $script:Provided = @{
        # The host PowerShell's own engine.
        'System.Management.Automation' = 'PowerShell itself'
        # Used only by PrivateLoadContext, which runs on PowerShell 7 (ModuleInitializer calls it out of line, so
        # .NET Framework never compiles a method that needs it); PowerShell 7's runtime has it.
        'System.Runtime.Loader'        = 'PowerShell 7 only'
    }

    function Get-AssemblyReference([string] $Path) {
        $stream = [IO.File]::OpenRead($Path)
        try {
            $pe = New-Object Reflection.PortableExecutable.PEReader $stream
            $metadata = [Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
            foreach ($handle in $metadata.AssemblyReferences) {
                $reference = $metadata.GetAssemblyReference($handle)
                [pscustomobject]@{ From = [IO.Path]::GetFileName($Path); Name = $metadata.GetString($reference.Name); Version = $reference.Version }
            }
            $pe.Dispose()
        }
        finally { $stream.Dispose() }
    }
}

Describe 'The built module''s assembly references on .NET Framework 4.7.2 (issue 22)' {
    It 'references only assemblies it ships in Dependencies or that .NET Framework 4.7.2 has' -Skip:$SkipHere {
        $Net472.Count | Should -BeGreaterThan 200
        $shipped = @(Get-ChildItem (Join-Path $ModulePath 'Dependencies') -Filter *.dll | ForEach-Object { $_.BaseName }) + 'CseAirgap'
        $assemblies = @(Get-ChildItem (Join-Path $ModulePath 'Dependencies') -Filter *.dll) + @(Get-Item (Join-Path $ModulePath 'CseAirgap.dll'))
        $assemblies.Count | Should -BeGreaterThan 10
        $references = @($assemblies | ForEach-Object { Get-AssemblyReference $_.FullName })
        $references.Name | Should -Contain 'netstandard'
        $unresolved = @($references | Where-Object { $shipped -notcontains $_.Name -and $Net472 -notcontains $_.Name -and -not $Provided.ContainsKey($_.Name) } |
            ForEach-Object { "$($_.From) -> $($_.Name) $($_.Version)" } | Sort-Object -Unique)
        $unresolved | Should -BeNullOrEmpty -Because 'Windows PowerShell 5.1 would fail to load them'
    }
}
