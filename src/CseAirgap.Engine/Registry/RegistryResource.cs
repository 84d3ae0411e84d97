namespace CseAirgap.Engine.Registry;

/// <summary>What a registry request asked for: it names the error when the registry answers 404.</summary>
public enum RegistryResource
{
    Manifest,
    Blob,
    /// <summary>An upload (or mount) of a blob into a repository: a 404 means the repository or the upload session is not there.</summary>
    BlobUpload,
    TagList,
}
