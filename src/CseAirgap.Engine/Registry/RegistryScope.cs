using System.Collections.Generic;
using System.Linq;

namespace CseAirgap.Engine.Registry;

/// <summary>The token scopes one request needs: pull on a source, pull+push on a destination, pull on a mount's origin.</summary>
public sealed class RegistryScope
{
    private RegistryScope(IReadOnlyList<string> items) => Items = items;

    public IReadOnlyList<string> Items { get; }
    public string Key => string.Join(" ", Items);

    public static RegistryScope Pull(string repository) => new(new[] { $"repository:{repository}:pull" });
    public static RegistryScope Push(string repository) => new(new[] { $"repository:{repository}:pull,push" });
    public static RegistryScope PushWithMount(string repository, string from) =>
        new(new[] { $"repository:{repository}:pull,push", $"repository:{from}:pull" });
    public static RegistryScope Catalog() => new(new[] { "registry:catalog:*" });

    /// <summary>Several scopes asked for in one token request.</summary>
    public static RegistryScope Combine(IEnumerable<RegistryScope> scopes) => new(scopes.SelectMany(s => s.Items).Distinct().ToArray());

    /// <summary>The first repository the scope names, for messages; null for the catalog.</summary>
    public string? Repository
    {
        get
        {
            var item = Items.FirstOrDefault(i => i.StartsWith("repository:"));
            if (item == null) return null;
            var end = item.LastIndexOf(':');
            return end > "repository:".Length ? item.Substring("repository:".Length, end - "repository:".Length) : null;
        }
    }

    public bool WantsPush => Items.Any(i => i.EndsWith(",push") || i.EndsWith(":push"));
}
