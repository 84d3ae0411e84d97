using System;
using System.Net.Http;

namespace CseAirgap.Engine.Registry.Transport;

/// <summary>
/// New messages made from a request, for another attempt or a redirect hop. The Authorization header is never copied:
/// the authorization handler decides it again for the new message's origin.
/// </summary>
internal static class RequestCopy
{
    /// <summary>The same request once more, its body included (only a replayable body is ever sent twice).</summary>
    public static HttpRequestMessage Again(HttpRequestMessage request)
    {
        var copy = Copy(request, request.Method, request.RequestUri!);
        copy.Content = request.Content;
        return copy;
    }

    /// <summary>The request a redirect leads to: same method (GET or HEAD) and headers, the new URL, no body.</summary>
    public static HttpRequestMessage Hop(HttpRequestMessage request, Uri next) => Copy(request, request.Method, next);

    private static HttpRequestMessage Copy(HttpRequestMessage request, HttpMethod method, Uri uri)
    {
        var copy = new HttpRequestMessage(method, uri) { Version = request.Version };
        foreach (var header in request.Headers)
        {
            if (string.Equals(header.Key, "Authorization", StringComparison.OrdinalIgnoreCase)) continue;
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
        foreach (var property in request.Properties) copy.Properties[property.Key] = property.Value;
        return copy;
    }
}
