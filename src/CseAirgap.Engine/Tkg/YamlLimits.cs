using System.Collections.Generic;
using System.IO;
using CseAirgap.Engine.Failures;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace CseAirgap.Engine.Tkg;

/// <summary>
/// The most a YAML document from outside (a BOM, a compatibility list, an imgpkg lock) may hold before it is built
/// into a tree. Real ones are a few hundred KiB, a few levels deep and a few thousand nodes; a hostile one can
/// nest brackets until the tree builder's recursion overflows the stack (which kills the PowerShell process, no
/// catch can stop it), or use aliases that multiply (the "billion laughs"). Both are refused from the parser's
/// events, which YamlDotNet produces without recursion, before any tree exists.
/// </summary>
internal static class YamlLimits
{
    /// <summary>Collections inside collections: a TKr BOM goes about eight deep.</summary>
    public const int MaxDepth = 64;

    /// <summary>Nodes the document stands for, each alias counted as the whole node it repeats.</summary>
    public const long MaxNodes = 1_000_000;

    /// <summary>Refuses <paramref name="text"/> with <see cref="ContentTooLargeException"/> or <see cref="YamlTooComplexException"/> past a limit.</summary>
    public static void Check(string text, string target)
    {
        if (text.Length > ContentLimits.Document) throw new ContentTooLargeException("YAML document", target, ContentLimits.Document);
        var parser = new Parser(new StringReader(text));
        // Per open collection: its anchor (or null) and the node count when it opened, so a closed anchored
        // collection knows how many nodes an alias to it repeats.
        var open = new Stack<(string? Anchor, long StartCount)>();
        var anchored = new Dictionary<string, long>();
        long nodes = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case AnchorAlias alias:
                    // An alias to an unknown anchor is YamlDotNet's error to report; count it as one node.
                    nodes += anchored.TryGetValue(alias.Value.Value, out var size) ? size : 1;
                    break;
                case Scalar scalar:
                    nodes++;
                    if (!scalar.Anchor.IsEmpty) anchored[scalar.Anchor.Value] = 1;
                    break;
                case NodeEvent collection when collection is SequenceStart || collection is MappingStart:
                    nodes++;
                    open.Push((collection.Anchor.IsEmpty ? null : collection.Anchor.Value, nodes - 1));
                    if (open.Count > MaxDepth) throw new YamlTooComplexException(target, $"nests collections more than {MaxDepth} deep", "MaxDepth", MaxDepth);
                    break;
                case SequenceEnd:
                case MappingEnd:
                    var (anchor, start) = open.Pop();
                    if (anchor != null) anchored[anchor] = nodes - start;
                    break;
            }
            if (nodes > MaxNodes) throw new YamlTooComplexException(target, $"stands for more than {MaxNodes:N0} nodes once its aliases are expanded", "MaxNodes", MaxNodes);
        }
    }
}
