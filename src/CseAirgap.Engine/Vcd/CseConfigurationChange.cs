using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace CseAirgap.Engine.Vcd;

/// <summary>Which of CSE's certificate lists a certificate goes to: the bootstrap VM's, the clusters', or both.</summary>
public enum CseCertificateScope
{
    Both,
    Bootstrap,
    Cluster,
}

/// <summary>One field's value before and after, as an admin reads it in -WhatIf and in the result.</summary>
public sealed class CseConfigurationFieldChange
{
    public CseConfigurationFieldChange(string field, string before, string after)
    {
        Field = field;
        Before = before;
        After = after;
    }

    public string Field { get; }
    public string Before { get; }
    public string After { get; }

    public override string ToString() => $"{Field}: {Before} -> {After}";
}

/// <summary>
/// What Set-CseServerConfiguration was asked to change: the registry URL, certificates to add (to one list or both),
/// noProxy entries to add. Applied to an entity it touches only those fields; applied again to a fresh copy of the
/// entity (after a 412) it gives the same result on top of whatever else changed there.
/// </summary>
public sealed class CseConfigurationChange
{
    public CseConfigurationChange(string? containerRegistryUrl, IEnumerable<X509Certificate2>? certificates, CseCertificateScope scope, IEnumerable<string>? noProxyAdditions)
    {
        ContainerRegistryUrl = containerRegistryUrl;
        // The same certificate given twice (a file and the pipeline) is one certificate.
        Certificates = (certificates ?? Enumerable.Empty<X509Certificate2>()).GroupBy(c => c.Thumbprint).Select(g => g.First()).ToList();
        Scope = scope;
        NoProxyAdditions = (noProxyAdditions ?? Enumerable.Empty<string>()).SelectMany(SplitNoProxy).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    public string? ContainerRegistryUrl { get; }
    public IReadOnlyList<X509Certificate2> Certificates { get; }
    public CseCertificateScope Scope { get; }
    public IReadOnlyList<string> NoProxyAdditions { get; }

    /// <summary>The fields this change sets: another writer's change to one of them is a conflict.</summary>
    public IReadOnlyList<CseConfigurationField> Fields
    {
        get
        {
            var fields = new List<CseConfigurationField>();
            if (ContainerRegistryUrl != null) fields.Add(CseConfigurationField.ContainerRegistryUrl);
            if (Certificates.Count > 0 && Scope != CseCertificateScope.Cluster) fields.Add(CseConfigurationField.BootstrapCertificates);
            if (Certificates.Count > 0 && Scope != CseCertificateScope.Bootstrap) fields.Add(CseConfigurationField.ClusterCertificates);
            if (NoProxyAdditions.Count > 0) fields.Add(CseConfigurationField.NoProxy);
            return fields;
        }
    }

    /// <summary>
    /// Applies the change to <paramref name="entity"/> (in place) and returns what it changed; a field already as asked
    /// (the URL equal, every certificate present, every noProxy entry there) is left as it is and not listed.
    /// </summary>
    public IReadOnlyList<CseConfigurationFieldChange> ApplyTo(VcdKeConfigEntity entity)
    {
        var changes = new List<CseConfigurationFieldChange>();
        if (ContainerRegistryUrl != null)
        {
            var before = entity.GetString(CseConfigurationField.ContainerRegistryUrl);
            if (!string.Equals(before, ContainerRegistryUrl, StringComparison.Ordinal))
            {
                entity.Set(CseConfigurationField.ContainerRegistryUrl, JsonValue.Create(ContainerRegistryUrl));
                changes.Add(new CseConfigurationFieldChange(CseConfigurationField.ContainerRegistryUrl.Name, Quote(before), Quote(ContainerRegistryUrl)));
            }
        }
        foreach (var field in Fields.Where(f => f == CseConfigurationField.BootstrapCertificates || f == CseConfigurationField.ClusterCertificates))
        {
            var change = AddCertificates(entity, field);
            if (change != null) changes.Add(change);
        }
        if (NoProxyAdditions.Count > 0)
        {
            var change = AddNoProxy(entity);
            if (change != null) changes.Add(change);
        }
        return changes;
    }

    /// <summary>noProxy entries, as CSE and most tools write them: comma separated.</summary>
    public static IEnumerable<string> SplitNoProxy(string? value) =>
        (value ?? string.Empty).Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()).Where(s => s.Length > 0);

    private CseConfigurationFieldChange? AddCertificates(VcdKeConfigEntity entity, CseConfigurationField field)
    {
        var node = entity.Get(field);
        if (node != null && node is not JsonArray)
            throw new VcdException(VcdErrorKind.InvalidConfiguration, field.Name, $"{field.Name} in CSE's configuration is not a list; fix it in CSE Management before adding certificates.");
        var present = entity.GetStrings(field);
        var thumbprints = new HashSet<string>(present.Select(PemCertificates.TryParseOne).Where(c => c != null).Select(c => c!.Thumbprint), StringComparer.OrdinalIgnoreCase);
        var missing = Certificates.Where(c => !thumbprints.Contains(c.Thumbprint)).ToList();
        if (missing.Count == 0) return null;
        var list = node as JsonArray;
        if (list == null)
        {
            list = new JsonArray();
            entity.Set(field, list);
        }
        foreach (var certificate in missing) list.Add(JsonValue.Create(PemCertificates.ToPem(certificate)));
        return new CseConfigurationFieldChange(field.Name, DescribeList(present.Count), $"{DescribeList(present.Count + missing.Count)} (added {string.Join("; ", missing.Select(PemCertificates.Describe))})");
    }

    private CseConfigurationFieldChange? AddNoProxy(VcdKeConfigEntity entity)
    {
        var field = CseConfigurationField.NoProxy;
        var node = entity.Get(field);
        if (node is JsonArray array)
        {
            // Not the template's form, but a list is kept a list.
            var have = array.OfType<JsonValue>().Select(v => v.TryGetValue<string>(out var s) ? s : null).Where(s => s != null).ToList();
            var add = NoProxyAdditions.Where(a => !have.Contains(a, StringComparer.OrdinalIgnoreCase)).ToList();
            if (add.Count == 0) return null;
            var before = string.Join(",", have);
            foreach (var a in add) array.Add(JsonValue.Create(a));
            return new CseConfigurationFieldChange(field.Name, Quote(before), Quote(string.Join(",", have.Concat(add))));
        }
        var current = entity.GetString(field);
        if (node != null && current == null)
            throw new VcdException(VcdErrorKind.InvalidConfiguration, field.Name, $"{field.Name} in CSE's configuration is neither text nor a list; fix it in CSE Management first.");
        var entries = SplitNoProxy(current).ToList();
        var missing = NoProxyAdditions.Where(a => !entries.Contains(a, StringComparer.OrdinalIgnoreCase)).ToList();
        if (missing.Count == 0) return null;
        var after = string.Join(",", entries.Concat(missing));
        entity.Set(field, JsonValue.Create(after));
        return new CseConfigurationFieldChange(field.Name, Quote(current), Quote(after));
    }

    private static string Quote(string? value) => value == null ? "(none)" : $"'{value}'";

    private static string DescribeList(int count) => count == 1 ? "1 certificate" : $"{count} certificates";
}
