using System.Text.RegularExpressions;
using Xunit;

namespace CseAirgap.Engine.Tests.Boundaries;

/// <summary>
/// The cmdlet assembly has one error boundary: CmdletErrors is the only place that builds an ErrorRecord, so every
/// failure gets its ID, category and target one way. Read from the sources, as a reviewer would (the cmdlet assembly
/// needs PowerShell, which these tests do not load).
/// </summary>
public class ErrorRecordBoundaryTests
{
    private const string Mapper = "CmdletErrors.cs";

    // "new ErrorRecord(" and a target-typed "ErrorRecord x = new(" alike.
    private static readonly Regex Construction = new(@"new\s+(global::)?(System\.Management\.Automation\.)?ErrorRecord\s*\(|ErrorRecord\??\s+\w+\s*=\s*new\s*\(", RegexOptions.Compiled);

    private static string CmdletSources()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "CseAirgap.PowerShell");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("src/CseAirgap.PowerShell was not found above the test's folder.");
    }

    private static IEnumerable<string> SourceFiles(string root) =>
        Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar) && !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar));

    [Fact]
    public void No_cmdlet_source_but_the_mapper_builds_an_ErrorRecord()
    {
        var root = CmdletSources();
        var offenders = new List<string>();
        foreach (var file in SourceFiles(root))
        {
            if (Path.GetFileName(file) == Mapper) continue;
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
                if (Construction.IsMatch(lines[i])) offenders.Add($"{Path.GetRelativePath(root, file)}:{i + 1}: {lines[i].Trim()}");
        }
        Assert.True(offenders.Count == 0, "ErrorRecords built outside " + Mapper + ":\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void The_mapper_exists_and_its_fallback_is_UnexpectedFailure_for_every_cmdlet()
    {
        var root = CmdletSources();
        var mapper = Path.Combine(root, Mapper);
        Assert.True(File.Exists(mapper), $"{Mapper} is the error boundary and must exist.");
        Assert.Contains("\"UnexpectedFailure\"", File.ReadAllText(mapper));
        foreach (var file in SourceFiles(root))
            Assert.DoesNotContain("\"PublishFailed\"", File.ReadAllText(file));
    }

    [Fact]
    public void The_pattern_sees_both_ways_of_writing_a_construction()
    {
        Assert.Matches(Construction, "WriteError(new ErrorRecord(e, \"X\", ErrorCategory.InvalidData, t));");
        Assert.Matches(Construction, "ErrorRecord record = new(e, \"X\", ErrorCategory.InvalidData, t);");
        Assert.DoesNotMatch(Construction, "WriteError(CmdletErrors.From(e, t));");
    }
}
