using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Checks;

/// <summary>
/// The sources a run will read, checked as the copy will read them: for one known image per source, every place it is
/// asked (a mirror, a moved host's new name, then the old one) until one has it: DNS, TCP and TLS, the API, and a pull
/// of the image's manifest, anonymously or with the credential that place gets. A moved host and a missing login get
/// rows of their own, because each has its own fix.
/// </summary>
public sealed class SourceInspector
{
    private readonly SourceRoutes _routes;
    private readonly Func<SourceRoute, (RegistryClient Client, bool HasCredential)> _open;
    private readonly RegistryTrust _trust;

    /// <param name="open">The client for a place, as the copy would make it, and whether it carries a credential.</param>
    public SourceInspector(SourceRoutes routes, Func<SourceRoute, (RegistryClient, bool)> open, RegistryTrust trust)
    {
        _routes = routes;
        _open = open;
        _trust = trust;
    }

    public async Task<IReadOnlyList<CheckResult>> InspectAsync(IEnumerable<ImageReference> images, CancellationToken ct)
    {
        var results = new List<CheckResult>();
        var endpoints = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        foreach (var image in images)
        {
            var routes = _routes.For(image);
            SourceRoute? served = null;
            foreach (var route in routes)
            {
                var outcome = await CheckPlaceAsync(results, endpoints, image, route, ct).ConfigureAwait(false);
                if (outcome == Place.Has) served = route;
                if (outcome != Place.NotThere) break;
            }
            if (routes[0].Relocated) results.Add(Relocation(image, routes[0], served));
        }
        return results;
    }

    private enum Place { Has, NotThere, Failed }

    private async Task<Place> CheckPlaceAsync(List<CheckResult> results, Dictionary<string, bool> endpoints, ImageReference image, SourceRoute route, CancellationToken ct)
    {
        var address = route.Address;
        if (!endpoints.TryGetValue(address.Host, out var reachable))
        {
            var (host, port) = PrerequisiteInspector.SplitHost(address.Host, address.UseHttps ? 443 : 80);
            reachable = await PrerequisiteInspector.CheckEndpointAsync(results, "Source", host, port, address.UseHttps, _trust, ct).ConfigureAwait(false);
            endpoints[address.Host] = reachable;
            if (reachable) reachable = await CheckApiAsync(results, address, ct).ConfigureAwait(false);
            endpoints[address.Host] = reachable;
        }
        if (!reachable) return Place.Failed;

        var (client, hasCredential) = _open(route);
        var fetch = route.Fetch;
        try
        {
            await client.GetManifestAsync(fetch.Repository, fetch.ManifestReference, ct).ConfigureAwait(false);
            results.Add(new CheckResult("SourcePull", fetch.ToString(), CheckStatus.Passed,
                $"{RemoteText.Escape(fetch.ToString())} can be pulled {(hasCredential ? $"with the credential for {address.Host}" : "anonymously")}."));
            return Place.Has;
        }
        catch (RegistryException e) when (e.Kind is RegistryErrorKind.AuthenticationRequired or RegistryErrorKind.AuthenticationFailed && !hasCredential)
        {
            results.Add(new CheckResult("SourceLogin", address.Host, CheckStatus.Failed,
                $"{address.Host} asks for a login to pull {RemoteText.Escape(fetch.Repository)} and no credential is given for it. " +
                $"Give -SourceCredential (an account of {address.Host}; for Broadcom's registry, a support-portal token), or run `docker login {address.Host}` first."));
            return Place.Failed;
        }
        catch (RegistryException e) when (e.Kind is RegistryErrorKind.NotFound or RegistryErrorKind.TagListNotFound)
        {
            results.Add(new CheckResult("SourcePull", fetch.ToString(), route.Relocated ? CheckStatus.Warning : CheckStatus.Failed, e.Message));
            return Place.NotThere;
        }
        catch (RegistryException e)
        {
            results.Add(new CheckResult("SourcePull", fetch.ToString(), CheckStatus.Failed, e.Message));
            return Place.Failed;
        }
    }

    private async Task<bool> CheckApiAsync(List<CheckResult> results, RegistryAddress address, CancellationToken ct)
    {
        var api = address.BaseUri + "v2/";
        try
        {
            var (client, _) = _open(new SourceRoute(address, ImageReference.Parse(address.Host + "/library/ping:latest"), false));
            var status = await client.PingAsync(ct).ConfigureAwait(false);
            var ok = (int)status == 200 || (int)status == 401;
            results.Add(new CheckResult("SourceApi", api, ok ? CheckStatus.Passed : CheckStatus.Failed,
                ok ? $"The registry API answers (HTTP {(int)status})." : $"{api} answered HTTP {(int)status}: not a registry API endpoint. Check -SourceMirror."));
            return ok;
        }
        catch (RegistryException e)
        {
            results.Add(new CheckResult("SourceApi", api, CheckStatus.Failed, e.Message));
            return false;
        }
    }

    private CheckResult Relocation(ImageReference image, SourceRoute moved, SourceRoute? served)
    {
        var oldHost = image.Registry;
        var newHost = _routes.Relocations.Relocate(image)!.Registry;
        var what = $"{oldHost} moved to {newHost}: references naming {oldHost} (dependencies.txt, TKG BOMs, bundle locks) are asked at {moved.Address} first.";
        if (served == moved)
            return new CheckResult("SourceRelocation", oldHost, CheckStatus.Passed,
                what + $" {newHost} has {RemoteText.Escape(image.Repository)}; nothing to do. Mirror {newHost}, not {oldHost}, with -SourceMirror; -NoRelocation turns the move off.");
        if (served != null)
            return new CheckResult("SourceRelocation", oldHost, CheckStatus.Warning,
                what + $" {RemoteText.Escape(image.Repository)} is not there and is read from {served.Address} instead, which may stop answering.");
        return new CheckResult("SourceRelocation", oldHost, CheckStatus.Failed,
            what + $" Neither place served {RemoteText.Escape(image.ToString())}: see the rows above; give -SourceMirror where this content is mirrored.");
    }
}
