using System.Collections.Concurrent;
using System.Net;
using System.Text;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Tkg;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry;

/// <summary>
/// Tag lists from a registry that never stops: huge pages, endless Links. Each case counts the bytes the client really
/// read and the pages it asked for, so the bound is on work done, not on time or on the collector.
/// </summary>
public sealed class PagingLimitTests
{
    private const string TagsPath = "/v2/lib/app/tags/list";

    /// <summary>Serves page after page (each linking to the next) from <paramref name="page"/>, counting what was read.</summary>
    private sealed class EndlessTags(Func<int, (byte[]? Whole, long Length, Func<long, int, byte[]>? Chunk)> page, bool declareLength = false)
    {
        public ConcurrentQueue<CountedBody> Bodies { get; } = new();
        public long BytesRead => Bodies.Sum(b => b.BytesRead);

        public ScriptedAnswers Registry() => new(request =>
        {
            var number = Bodies.Count;
            var (whole, length, chunk) = page(number);
            var body = new CountedBody(whole != null ? (at, n) => whole.AsSpan((int)at, n).ToArray() : chunk!, whole?.Length ?? length);
            Bodies.Enqueue(body);
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) };
            response.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            if (declareLength) response.Content.Headers.ContentLength = whole?.Length ?? length;
            response.Headers.TryAddWithoutValidation("Link", $"<{TagsPath}?n=1000&last=p{number}>; rel=\"next\"");
            return response;
        });
    }

    /// <summary>{"tags":[…]} of the given names.</summary>
    private static byte[] Page(IEnumerable<string> names) =>
        Encoding.UTF8.GetBytes("{\"tags\":[" + string.Join(",", names.Select(n => "\"" + n + "\"")) + "]}");

    /// <summary>A page of <paramref name="length"/> bytes holding one enormous name, made as it is read.</summary>
    private static (byte[]?, long, Func<long, int, byte[]>?) HugePage(long length)
    {
        var head = Encoding.ASCII.GetBytes("{\"tags\":[\"");
        var tail = Encoding.ASCII.GetBytes("\"]}");
        return (null, length, (at, n) =>
        {
            var chunk = new byte[n];
            for (var i = 0; i < n; i++)
            {
                var p = at + i;
                chunk[i] = p < head.Length ? head[p] : p >= length - tail.Length ? tail[p - (length - tail.Length)] : (byte)'a';
            }
            return chunk;
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AHugeTagPageIsRefusedAfterReadingAtMostThePageLimit(bool declareLength)
    {
        // 15 MiB: under the 16 MiB a page could be before, so an unbounded client reads it whole and goes on.
        var server = new EndlessTags(_ => HugePage(15L * 1024 * 1024), declareLength);
        var registry = server.Registry();
        var refusal = await Assert.ThrowsAsync<ContentTooLargeException>(() => registry.Client(o => o.MaxPages = 20).ListTagsAsync("lib/app", CancellationToken.None));
        Assert.Equal("ContentTooLarge", refusal.ErrorId);
        Assert.Single(registry.Seen);
        // The page limit, plus at most one read buffer past it; nothing at all when the length was declared.
        Assert.InRange(server.BytesRead, 0, declareLength ? 0 : ListLimits.PageBytes + 81920);
    }

    [Fact]
    public async Task EndlessPagesUnderThePageLimitStopAtTheListByteCap()
    {
        // 900 KB pages of 200-character names (long enough that the byte cap comes before the names cap), each page
        // linking to another, for ever.
        var names = Enumerable.Range(0, 4450).Select(i => i.ToString("D6") + new string('x', 194)).ToArray();
        var page = Page(names);
        Assert.InRange(page.Length, 800_000, ListLimits.PageBytes);
        var server = new EndlessTags(_ => (page, 0, null));
        var registry = server.Registry();
        var refusal = await Assert.ThrowsAsync<RegistryException>(() => registry.Client(o => o.MaxPages = 100).ListTagsAsync("lib/app", CancellationToken.None));
        Assert.Equal("RegistryPagingLimit", refusal.ErrorId);
        Assert.Contains("MiB of pages", refusal.Message);
        // Stopped at the first page past 16 MiB in all, long before the page cap (100 here, 1,000 by default).
        Assert.InRange(server.BytesRead, ListLimits.ListBytes, ListLimits.ListBytes + page.Length);
        Assert.InRange(registry.Seen.Count, 1, (int)(ListLimits.ListBytes / page.Length) + 1);
    }

    [Fact]
    public async Task AListOfMoreNamesThanTheCapIsRefused()
    {
        var server = new EndlessTags(n => (Page(Enumerable.Range(0, 10_000).Select(i => $"t{n}-{i}")), 0, null));
        var registry = server.Registry();
        var refusal = await Assert.ThrowsAsync<RegistryException>(() => registry.Client(o => o.MaxPages = 100).ListTagsAsync("lib/app", CancellationToken.None));
        Assert.Equal("RegistryPagingLimit", refusal.ErrorId);
        Assert.Contains($"more than {ListLimits.Names} names", refusal.Message);
        Assert.Equal(ListLimits.Names / 10_000 + 1, registry.Seen.Count);
    }

    [Fact]
    public async Task TheNewestVersionTagIsFoundAmongMoreTagsThanAListMayHold()
    {
        // 15 pages of 10,000 tags (150,000 in all, above the names cap): version tags scattered, the highest on page 7,
        // followed by lower ones and by tags that only look like versions.
        const int pages = 15;
        ScriptedAnswers Registry() => new(request =>
        {
            var query = request.RequestUri!.Query;
            var number = query.Contains("last=p") ? int.Parse(query.Substring(query.IndexOf("last=p", StringComparison.Ordinal) + 6)) + 1 : 0;
            var tags = Enumerable.Range(0, 10_000).Select(i => i % 100 == 0 ? $"v{number * 10 + i / 1000}" : $"build-{number}-{i}").ToList();
            if (number == 7) tags.Add("v70001");
            tags.AddRange(new[] { "v", "v1.2.3", "v-5", "v+9", "v 99999999", "V999999", "v99999999999999999999999" });
            var response = ScriptedAnswers.Json("{\"tags\":[" + string.Join(",", tags.Select(t => "\"" + t + "\"")) + "]}");
            if (number < pages - 1) response.Headers.TryAddWithoutValidation("Link", $"<{TagsPath}?n=1000&last=p{number}>; rel=\"next\"");
            return response;
        });

        var walked = Registry();
        Assert.Equal("v70001", await NewestVersionTag.FindAsync(new Images.RegistryImageSource(walked.Client(), ImageReference.Parse("registry.test/lib/app:latest")), CancellationToken.None));
        Assert.Equal(pages, walked.Seen.Count);
        // The same tags as a list to keep are over the names cap: only the streaming walk can read them.
        var listed = await Assert.ThrowsAsync<RegistryException>(() => Registry().Client().ListTagsAsync("lib/app", CancellationToken.None));
        Assert.Equal("RegistryPagingLimit", listed.ErrorId);
    }
}
