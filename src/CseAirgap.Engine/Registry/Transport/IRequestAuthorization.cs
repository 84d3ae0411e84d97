using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry.Transport;

/// <summary>The credentials of one request: decided for each hop by its origin, renewed at most once after a 401.</summary>
internal interface IRequestAuthorization
{
    /// <summary>Sets the Authorization header of <paramref name="request"/> if, and only if, its origin may receive it.</summary>
    Task AuthorizeAsync(HttpRequestMessage request, CancellationToken ct);

    /// <summary>
    /// After <paramref name="request"/> was answered 401: learns what the origin asks for and drops stale credentials.
    /// True when one more try may now succeed; false when the answer stands (another origin, nothing to renew).
    /// </summary>
    bool Renew(HttpRequestMessage request, HttpResponseMessage unauthorized);
}
