using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CseAirgap.Engine.Registry;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CseAirgap.Engine.Tkg;

/// <summary>
/// A YAML document walked as a tree: BOMs carry many keys we do not need and add new ones between releases, so they
/// are read by path rather than bound to classes that would break on the next release.
/// </summary>
internal sealed class YamlTree
{
    private readonly YamlNode? _root;

    private YamlTree(YamlNode? root) => _root = root;

    /// <summary>Parses a document from outside, refusing it first when it is past <see cref="YamlLimits"/>.</summary>
    public static YamlTree Parse(string text, string target)
    {
        try
        {
            YamlLimits.Check(text, target);
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            return new YamlTree(stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode);
        }
        catch (YamlException e)
        {
            throw new RegistryException(RegistryErrorKind.InvalidInput, target, $"{target} is not valid YAML: {e.Message}", e);
        }
    }

    public YamlNode? Root => _root;

    public static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static string? Scalar(YamlNode? node, string key) => (Child(node, key) as YamlScalarNode)?.Value;

    public static IEnumerable<KeyValuePair<string, YamlNode>> Entries(YamlNode? node) =>
        node is YamlMappingNode map
            ? map.Children.Where(c => c.Key is YamlScalarNode).Select(c => new KeyValuePair<string, YamlNode>(((YamlScalarNode)c.Key).Value ?? string.Empty, c.Value))
            : Enumerable.Empty<KeyValuePair<string, YamlNode>>();

    public static IEnumerable<YamlNode> Items(YamlNode? node) =>
        node is YamlSequenceNode list ? list.Children : Enumerable.Empty<YamlNode>();

    public YamlNode? At(params string[] path)
    {
        var node = _root;
        foreach (var key in path) node = Child(node, key);
        return node;
    }
}
