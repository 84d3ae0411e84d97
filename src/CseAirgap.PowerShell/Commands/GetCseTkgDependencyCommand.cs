using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Copy;
using CseAirgap.Engine.Dependencies;
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

    protected override void ProcessRecord()
    {
        using var queue = new PipelineQueue();
        var (options, mirrors) = RegistryParameters.Create(this, queue, CaCertificate, SkipCertificateCheck, SourceMirror);
        using var session = new RegistrySession(options);
        var open = RegistryParameters.SourceOpener(session, mirrors, SourceCredential);
        var resolver = new TkgDependencyResolver(reference =>
        {
            var source = (RegistryImageSource)open(reference);
            return (source, source.Client, source.Fetch.Repository);
        }, options.Log);

        var work = Task.Run(async () =>
        {
            var answers = new System.Collections.Generic.List<(string Version, System.Collections.Generic.IReadOnlyList<(string Reference, string Why)>? Images, RegistryException? Error)>();
            foreach (var version in TkgVersion)
            {
                try
                {
                    answers.Add((version, await resolver.ResolveAsync(version, KubernetesVersion, Cancellation.Token).ConfigureAwait(false), null));
                }
                catch (RegistryException e)
                {
                    answers.Add((version, null, e));
                }
            }
            return answers;
        });
        try
        {
            queue.RunUntilDone(work);
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }

        // Several TKG versions share many images: each reference comes out once.
        var seen = new System.Collections.Generic.HashSet<string>(StringComparer.Ordinal);
        foreach (var (version, images, error) in work.Result)
        {
            if (error != null)
            {
                WriteError(RegistryErrors.ToErrorRecord(error, version));
                continue;
            }
            var line = 0;
            foreach (var (reference, why) in images!)
            {
                line++;
                if (!seen.Add(reference)) continue;
                WriteVerbose($"{reference}: {why}");
                WriteObject(new CseDependency(new DependencyLine(ImageReference.Parse(reference), true, null, line)));
            }
        }
    }

}
