using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry;

public class BlobRangeTests
{
    private static HttpResponseMessage Answer(HttpStatusCode status, ContentRangeHeaderValue? range, long? length)
    {
        var response = new HttpResponseMessage(status) { Content = new ByteArrayContent(new byte[0]) };
        response.Content.Headers.ContentRange = range;
        response.Content.Headers.ContentLength = length;
        return response;
    }

    [Fact]
    public void A_206_naming_exactly_the_bytes_asked_for_is_accepted()
    {
        using var answer = Answer(HttpStatusCode.PartialContent, new ContentRangeHeaderValue(100, 199, 1000), 100);
        Assert.True(BlobRange.IsExactly(answer, 100, 199, 1000));
    }

    [Fact]
    public void A_206_without_a_total_is_accepted_when_its_range_is_exact()
    {
        using var answer = Answer(HttpStatusCode.PartialContent, new ContentRangeHeaderValue(100, 199), null);
        Assert.True(BlobRange.IsExactly(answer, 100, 199, 1000));
    }

    [Theory]
    [InlineData(101, 199, 1000, 99L)]   // another start
    [InlineData(100, 198, 1000, 99L)]   // another end
    [InlineData(100, 199, 1001, 100L)]  // another blob's size
    [InlineData(100, 199, 1000, 99L)]   // a length one byte short
    public void A_206_for_other_bytes_is_refused(long from, long to, long total, long length)
    {
        using var answer = Answer(HttpStatusCode.PartialContent, new ContentRangeHeaderValue(from, to, total), length);
        Assert.False(BlobRange.IsExactly(answer, 100, 199, 1000));
    }

    [Fact]
    public void A_206_without_Content_Range_and_a_200_are_refused_as_ranges()
    {
        using var bare = Answer(HttpStatusCode.PartialContent, null, 100);
        using var whole = Answer(HttpStatusCode.OK, new ContentRangeHeaderValue(100, 199, 1000), 100);
        Assert.False(BlobRange.IsExactly(bare, 100, 199, 1000));
        Assert.False(BlobRange.IsExactly(whole, 100, 199, 1000));
    }
}
