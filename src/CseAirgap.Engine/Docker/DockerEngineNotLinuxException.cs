using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Docker;

/// <summary>
/// The engine runs Windows containers (Docker Desktop's other mode, or Docker on Windows Server): it cannot pull or
/// create the Linux image the artifact lives in, and would say only "no matching manifest for windows/amd64".
/// </summary>
public sealed class DockerEngineNotLinuxException : CseAirgapException
{
    public DockerEngineNotLinuxException(string endpoint, string osType)
        : base("DockerEngineNotLinux", FailureCategory.ResourceUnavailable, endpoint,
            $"The Docker engine at {endpoint} runs {osType} containers, and the CSE image is a Linux image. Switch Docker Desktop to Linux containers (its tray menu: 'Switch to Linux containers...'), or use -Engine Registry, which needs no Docker.")
    {
        OSType = osType;
    }

    public string OSType { get; }
}
