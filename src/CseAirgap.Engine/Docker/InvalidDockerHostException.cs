using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Docker;

/// <summary>-DockerHost or DOCKER_HOST names no engine address this module (or Docker) understands.</summary>
public sealed class InvalidDockerHostException : CseAirgapException
{
    public InvalidDockerHostException(string value, string message)
        : base("InvalidDockerHost", FailureCategory.InvalidArgument, value, message)
    {
    }
}
