using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Artifact;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace CseAirgap.Engine.Docker;

/// <summary>
/// The documented route through the Docker engine API: pull, create a container that never runs, stream its
/// export into the destination, and remove the container whatever happens (failure or Ctrl+C included).
/// </summary>
public sealed class DockerImageExporter
{
    private readonly Uri _endpoint;
    private readonly Action<string>? _log;
    private readonly ExpansionLimits _limits;

    public DockerImageExporter(Uri endpoint, Action<string>? log, ExpansionLimits? limits = null)
    {
        _limits = limits ?? ExpansionLimits.Default;
        _endpoint = endpoint;
        _log = log;
    }

    /// <param name="platform">os/architecture to pull and create (linux/amd64 by default): without it an engine picks its
    /// own platform, which on Windows containers is windows/amd64, and on an arm64 host arm64.</param>
    /// <param name="onPull">Pull progress lines ("layer: Downloading 3 MB/10 MB"), from the engine.</param>
    public async Task<ExpandedImage> ExpandAsync(ImageReference image, string? platform, System.Net.NetworkCredential? credential, string destination, Action<string>? onPull, CancellationToken ct)
    {
        using var configuration = new DockerClientConfiguration(_endpoint);
        using var client = configuration.CreateClient();
        var name = image.Registry + "/" + image.Repository;
        platform = string.IsNullOrWhiteSpace(platform) ? PlatformSelector.Default : platform!.ToLowerInvariant();
        try
        {
            await RequireLinuxEngineAsync(client, ct).ConfigureAwait(false);
            var auth = credential == null ? new AuthConfig() : new AuthConfig { Username = credential.UserName, Password = credential.Password, ServerAddress = image.Registry };
            await client.Images.CreateImageAsync(
                new ImagesCreateParameters { FromImage = name, Tag = image.Digest ?? image.Tag, Platform = platform },
                auth,
                new Progress<JSONMessage>(m =>
                {
                    if (m.Error != null) _log?.Invoke("Docker: " + m.Error.Message);
                    else onPull?.Invoke($"{m.ID} {m.Status} {m.ProgressMessage}".Trim());
                }),
                ct).ConfigureAwait(false);
            var pulled = image.Digest != null ? $"{name}@{image.Digest}" : $"{name}:{image.Tag}";
            var inspect = await client.Images.InspectImageAsync(pulled, ct).ConfigureAwait(false);
            var digest = inspect.RepoDigests?.Select(d => d.Split('@')).Where(p => p.Length == 2 && p[0] == name).Select(p => p[1]).FirstOrDefault();

            var created = await client.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Image = pulled,
                Platform = platform,
                Name = "cseairgap-export-" + Guid.NewGuid().ToString("N").Substring(0, 12),
                // Images built FROM scratch may have no command, and docker create wants one; it never runs.
                Cmd = new List<string> { "/cseairgap-never-runs" },
            }, ct).ConfigureAwait(false);
            try
            {
                using var staging = new StagingFolder(destination, _log);
                var applier = new LayerApplier(staging.Folder, _log, new ExpansionBudget(_limits, image.ToString()));
                using (var export = await client.Containers.ExportContainerAsync(created.ID, ct).ConfigureAwait(false))
                using (ct.Register(() => export.Dispose()))
                {
                    applier.Apply(export, honourWhiteouts: false);
                }
                ct.ThrowIfCancellationRequested();
                applier.Finish();
                staging.Commit();
                return new ExpandedImage(destination, digest, applier);
            }
            finally
            {
                // Not the caller's token: the container must go even when the user pressed Ctrl+C.
                using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try
                {
                    await client.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true }, cleanup.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is DockerApiException || e is HttpRequestException || e is IOException || e is OperationCanceledException)
                {
                    _log?.Invoke($"The temporary container {created.ID} could not be removed ({e.Message}); remove it with 'docker rm -f {created.ID}'.");
                }
            }
        }
        catch (DockerImageNotFoundException e)
        {
            throw new RegistryException(RegistryErrorKind.NotFound, image.ToString(), $"The Docker engine could not find {image}: {e.Message}", e);
        }
        catch (DockerApiException e)
        {
            var kind = e.StatusCode == System.Net.HttpStatusCode.NotFound ? RegistryErrorKind.NotFound
                : e.StatusCode == System.Net.HttpStatusCode.Unauthorized || e.StatusCode == System.Net.HttpStatusCode.Forbidden ? RegistryErrorKind.AuthenticationFailed
                : RegistryErrorKind.ProtocolError;
            throw new RegistryException(kind, image.ToString(), $"The Docker engine refused to give {image}: {Trim(e.ResponseBody)}", e);
        }
        catch (Exception e) when (!(e is CseAirgapException) && !(e is UnsafeEntryException) && !(e is OperationCanceledException) && (e is HttpRequestException || e is IOException || e is TimeoutException || e is System.Net.Sockets.SocketException))
        {
            throw new RegistryException(RegistryErrorKind.Unreachable, _endpoint.ToString(),
                $"The Docker engine at {_endpoint} did not answer ({e.Message}). Start Docker, pass -DockerHost, or use -Engine Registry, which needs no Docker.", e);
        }
    }

    /// <summary>
    /// A Windows-containers engine is refused before anything is pulled: it can hold no Linux image, and its own
    /// error ("no matching manifest for windows/amd64") does not say that the fix is a switch in Docker Desktop.
    /// </summary>
    private async Task RequireLinuxEngineAsync(DockerClient client, CancellationToken ct)
    {
        var info = await client.System.GetSystemInfoAsync(ct).ConfigureAwait(false);
        var osType = info?.OSType;
        if (!string.IsNullOrEmpty(osType) && !string.Equals(osType, "linux", StringComparison.OrdinalIgnoreCase))
            throw new DockerEngineNotLinuxException(_endpoint.ToString(), osType!);
    }

    private static string Trim(string? text)
    {
        var t = (text ?? string.Empty).Trim();
        return t.Length > 300 ? t.Substring(0, 300) + "…" : t;
    }
}
