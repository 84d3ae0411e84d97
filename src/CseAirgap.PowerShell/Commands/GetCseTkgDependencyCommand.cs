using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Dependencies;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Tkg;
using CseAirgap.PowerShell.Completion;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell.Commands;

/// <summary>Step 4 of the procedure: every image of a TKG release, read from its bills of materials, as dependencies.</summary>
[Cmdlet(VerbsCommon.Get, "CseTkgDependency")]
[OutputType(typeof(CseDependency))]
public sealed class GetCseTkgDependencyCommand : SourceRegistryCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(TkgVersionCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] TkgVersion { get; set; } = null!;

    /// <summary>Only the Kubernetes releases (TKrs) whose version starts with one of these, such as v1.28 or 1.27.5.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? KubernetesVersion { get; set; }

    /// <summary>
    /// The repository every image of the release is read from, as download-bundle's --source-repo: the BOMs' own
    /// imageConfig.imageRepository is ignored. A mirror of it is still given with -SourceMirror.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string SourceRepository { get; set; } = TkgDependencyResolver.DefaultSourceRepository;

    // Several TKG versions share many images: each reference comes out once, across pipeline input too.
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    private ImageReference _sourceRepository = null!;

    protected override void BeginProcessing()
    {
        if (!ImageReference.TryParse(SourceRepository.TrimEnd('/') + "/tkg-bom:v0", out var bom, out var error))
            ThrowTerminatingError(CmdletErrors.InvalidArgument("InvalidSourceRepository",
                $"-SourceRepository '{SourceRepository}' is not a repository such as projects.registry.vmware.com/tkg (host/path, no scheme): {error}", SourceRepository));
        _sourceRepository = bom!;
        base.BeginProcessing();
    }

    protected override void ProcessRecord()
    {
        using var session = new RegistrySession(Settings);
        var sources = CreateSourceAccess(session);
        // Every image of the release is read from -SourceRepository: the origin the user named.
        sources.Name(_sourceRepository);
        // Files are read wherever the release is (a moved host's new name first); a tag list is asked at the first place.
        var resolver = new TkgDependencyResolver(sources.Open, Settings.Log);

        foreach (var version in TkgVersion)
        {
            var line = 0;
            // Each image is written as soon as the resolver knows it, on the pipeline thread.
            TryRun(ct => resolver.ResolveAsync(version, SourceRepository, KubernetesVersion,
                found => Post(() => Emit(found, ++line)),
                problem => Post(() => WriteError(CmdletErrors.From(problem, problem.Target))),
                ct), version);
        }
    }

    private void Emit(TkgDependency found, int line)
    {
        if (!_seen.Add(found.Reference)) return;
        WriteVerbose(CseAirgap.Engine.Failures.RemoteText.Escape($"{found.Reference}: {found.Why}")); // names read from a BOM
        try
        {
            WriteObject(new CseDependency(new DependencyLine(ImageReference.Parse(found.Reference), true, null, line)));
        }
        catch
        {
            // The pipeline stops (Select-Object -First, Ctrl+C): the resolver need not read another BOM.
            CancelWork();
            throw;
        }
    }
}
