using System;
using System.Collections.Generic;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// Follows a paginated list (<c>_catalog</c>, <c>tags/list</c>) by its <c>Link: &lt;…&gt;; rel="next"</c> headers,
/// bounded: a page already read (a registry whose Link points back), more than <see cref="MaxPages"/> pages, more
/// than <see cref="MaxBytes"/> bytes of pages or, for a list that is kept, more than <see cref="MaxNames"/> names
/// stop the walk with an error instead of reading for ever.
/// </summary>
internal sealed class PageWalk
{
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly string _host;
    private readonly string _what;

    public PageWalk(Uri first, int maxPages, string host, string what, long maxBytes = ListLimits.ListBytes, int? maxNames = ListLimits.Names)
    {
        Next = first;
        MaxPages = maxPages;
        MaxBytes = maxBytes;
        MaxNames = maxNames;
        _host = host;
        _what = what;
    }

    public int MaxPages { get; }
    public long MaxBytes { get; }

    /// <summary>The most names the walk takes; null for a walk that keeps none of them (bounded by bytes alone).</summary>
    public int? MaxNames { get; }

    public int Pages { get; private set; }
    public long Bytes { get; private set; }
    public long Names { get; private set; }

    /// <summary>Counts a page body as read; past <see cref="MaxBytes"/> in all, the list is refused.</summary>
    public void CountBytes(long bytes)
    {
        Bytes += bytes;
        if (Bytes > MaxBytes)
            throw new RegistryException(RegistryErrorKind.PagingLimit, _host,
                $"{_host} listed {_what} in more than {MaxBytes / (1024 * 1024)} MiB of pages, the most this module reads for one list (no real list is that long); " +
                $"the list was stopped after {Pages + 1} page(s). The registry is damaged or hostile: report it to its operator.");
    }

    /// <summary>Counts one name taken; past <see cref="MaxNames"/>, the list is refused.</summary>
    public void CountName()
    {
        Names++;
        if (MaxNames is int most && Names > most)
            throw new RegistryException(RegistryErrorKind.PagingLimit, _host,
                $"{_host} listed more than {most} names in {_what}, the most this module keeps for one list (no real list is that long); " +
                $"the list was stopped after {Pages + 1} page(s). The registry is damaged or hostile: report it to its operator.");
    }

    /// <summary>The page to read now, or null when the list is complete.</summary>
    public Uri? Next { get; private set; }

    /// <summary>Records that <see cref="Next"/> was read and moves to the page its Link names (relative to it).</summary>
    public void Advance(IEnumerable<string>? linkHeaders)
    {
        var current = Next ?? throw new InvalidOperationException("The walk is complete.");
        _seen.Add(current.AbsoluteUri);
        Pages++;
        var link = NextLink(linkHeaders);
        if (link == null)
        {
            Next = null;
            return;
        }
        var next = new Uri(current, link);
        if (_seen.Contains(next.AbsoluteUri))
            throw new RegistryException(RegistryErrorKind.PagingLoop, _host,
                $"{_host} listed {_what} with a Link back to a page already read ({next.PathAndQuery}); the list was stopped after {Pages} page(s). The registry's pagination is broken: report it to its operator.");
        if (Pages >= MaxPages)
            throw new RegistryException(RegistryErrorKind.PagingLimit, _host,
                $"{_host} listed {_what} over more than {MaxPages} pages, the most this module follows; the list was stopped.");
        Next = next;
    }

    /// <summary>The target of the first <c>rel="next"</c> link among the headers (RFC 8288), or null.</summary>
    public static string? NextLink(IEnumerable<string>? linkHeaders)
    {
        if (linkHeaders == null) return null;
        foreach (var header in linkHeaders)
        {
            // One header may hold several links separated by commas; a target is always inside <...>.
            var at = 0;
            while (at < header.Length)
            {
                var start = header.IndexOf('<', at);
                if (start < 0) break;
                var end = header.IndexOf('>', start + 1);
                if (end < 0) break;
                var comma = CommaOutsideQuotes(header, end + 1);
                var parameters = comma < 0 ? header.Substring(end + 1) : header.Substring(end + 1, comma - end - 1);
                if (IsNext(parameters)) return header.Substring(start + 1, end - start - 1).Trim();
                at = comma < 0 ? header.Length : comma + 1;
            }
        }
        return null;
    }

    private static int CommaOutsideQuotes(string text, int from)
    {
        var quoted = false;
        for (var i = from; i < text.Length; i++)
        {
            if (text[i] == '"') quoted = !quoted;
            else if (text[i] == ',' && !quoted) return i;
        }
        return -1;
    }

    private static bool IsNext(string parameters)
    {
        foreach (var part in parameters.Split(';'))
        {
            var pair = part.Split(new[] { '=' }, 2);
            if (pair.Length != 2 || !pair[0].Trim().Equals("rel", StringComparison.OrdinalIgnoreCase)) continue;
            foreach (var rel in pair[1].Trim().Trim('"').Split(' '))
                if (rel.Equals("next", StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }
}
