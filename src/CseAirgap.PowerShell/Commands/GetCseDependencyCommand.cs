using System.IO;
using System.Management.Automation;
using CseAirgap.Engine.Dependencies;
using CseAirgap.Engine.Export;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell.Commands;

/// <summary>Reads a dependencies.txt (VMware's artifact format) or references typed by hand into CseDependency objects.</summary>
[Cmdlet(VerbsCommon.Get, "CseDependency", DefaultParameterSetName = PathSet)]
[OutputType(typeof(CseDependency))]
public sealed class GetCseDependencyCommand : PSCmdlet
{
    private const string PathSet = "Path";
    private const string ReferenceSet = "Reference";

    [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("DependencyFile", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = null!;

    [Parameter(ParameterSetName = ReferenceSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string[] Reference { get; set; } = null!;

    /// <summary>Also return the lines disabled with '#', with Enabled = $false.</summary>
    [Parameter(ParameterSetName = PathSet)]
    public SwitchParameter IncludeDisabled { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ReferenceSet)
        {
            foreach (var text in Reference)
            {
                if (ImageReference.TryParse(text, out var reference, out var error))
                    WriteObject(new CseDependency(new DependencyLine(reference!, true, null, 0)));
                else
                    WriteError(CmdletErrors.InvalidArgument("InvalidReference", error!, text));
            }
            return;
        }

        foreach (var given in Path)
        {
            var file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(given);
            if (OciLayoutReader.IsExport(file))
            {
                WriteExport(file, given);
                continue;
            }
            if (Directory.Exists(file)) file = System.IO.Path.Combine(file, "dependencies.txt");
            if (!File.Exists(file))
            {
                WriteError(CmdletErrors.Refused(new FileNotFoundException($"The dependencies file '{file}' does not exist. Give the path of a dependencies.txt, or the folder that holds one.", file),
                    "DependencyFileNotFound", ErrorCategory.ObjectNotFound, given));
                continue;
            }
            DependencyFileParser.Parse(file,
                line =>
                {
                    if (line.Enabled || IncludeDisabled) WriteObject(new CseDependency(line));
                },
                bad => WriteError(CmdletErrors.Refused(
                    new PSArgumentException($"{bad.File}, line {bad.Line}: {bad.Message}. Fix the line, or disable it with '#'."),
                    "InvalidDependencyLine", ErrorCategory.ParserError, $"{bad.File}:{bad.Line}")));
        }
    }

    /// <summary>What an export holds, one dependency per image, in index.json's order.</summary>
    private void WriteExport(string file, string given)
    {
        try
        {
            var reader = OciLayoutReader.Open(file);
            var line = 0;
            foreach (var image in reader.Images)
            {
                line++;
                // A signature exported with its image (-IncludeSignature) is not a dependency: it travels with that image.
                if (reader.IsAttachment(image)) continue;
                if (ImageReference.TryParse(image.Reference, out var reference, out var error))
                    WriteObject(new CseDependency(new DependencyLine(reference!, true, file, line)));
                else
                    // A damaged or hostile index.json: said, as Publish-CseDependency -Path says it, not skipped in silence.
                    WriteError(CmdletErrors.InvalidArgument("InvalidReference", $"{file} names an image '{image.Reference}' that is not a reference: {error}", image.Reference));
            }
        }
        catch (CseAirgapException e)
        {
            // Any refusal of the export (ExportIncomplete, InvalidDigest, ContentTooLarge, ...), not only a registry's.
            WriteError(CmdletErrors.From(e, given));
        }
    }
}
