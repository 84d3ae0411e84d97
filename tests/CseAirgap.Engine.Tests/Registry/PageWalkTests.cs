using System;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry;

public sealed class PageWalkTests
{
    private static readonly Uri First = new("https://registry.example/v2/_catalog?n=1000");

    [Theory]
    [InlineData("</v2/_catalog?last=b&n=1000>; rel=\"next\"", "/v2/_catalog?last=b&n=1000")]
    [InlineData("<https://other.example/v2/_catalog?last=b>; rel=next", "https://other.example/v2/_catalog?last=b")]
    [InlineData("<https://x/prev>; rel=\"prev\", </v2/next>; rel=\"next\"", "/v2/next")]
    [InlineData("</v2/next>; title=\"a,b\"; rel=\"previous next\"", "/v2/next")]
    public void TheNextLinkIsFound(string header, string expected) => Assert.Equal(expected, PageWalk.NextLink(new[] { header }));

    [Theory]
    [InlineData("</v2/prev>; rel=\"prev\"")]
    [InlineData("/v2/next; rel=\"next\"")]
    [InlineData("")]
    public void NoNextLinkEndsTheList(string header) => Assert.Null(PageWalk.NextLink(new[] { header }));

    [Fact]
    public void ARelativeLinkIsResolvedAgainstThePageThatGaveIt()
    {
        var walk = new PageWalk(First, 10, "registry.example", "its catalog");
        walk.Advance(new[] { "</v2/_catalog?last=b&n=1000>; rel=\"next\"" });
        Assert.Equal("https://registry.example/v2/_catalog?last=b&n=1000", walk.Next!.AbsoluteUri);
        walk.Advance(null);
        Assert.Null(walk.Next);
        Assert.Equal(2, walk.Pages);
    }

    [Fact]
    public void ALinkBackToAPageAlreadyReadStopsTheWalk()
    {
        var walk = new PageWalk(First, 1000, "registry.example", "its catalog");
        walk.Advance(new[] { "</v2/_catalog?n=1000&last=a>; rel=\"next\"" });
        var error = Assert.Throws<RegistryException>(() => walk.Advance(new[] { "</v2/_catalog?n=1000>; rel=\"next\"" }));
        Assert.Equal("RegistryPagingLoop", error.ErrorId);
        Assert.Equal(2, walk.Pages);
    }

    [Fact]
    public void ALinkToItselfStopsAfterOnePage()
    {
        var walk = new PageWalk(First, 1000, "registry.example", "its catalog");
        var error = Assert.Throws<RegistryException>(() => walk.Advance(new[] { "</v2/_catalog?n=1000>; rel=\"next\"" }));
        Assert.Equal("RegistryPagingLoop", error.ErrorId);
    }

    [Fact]
    public void MoreThanTheMostPagesStopsTheWalk()
    {
        var walk = new PageWalk(First, 3, "registry.example", "its catalog");
        walk.Advance(new[] { "</v2/_catalog?last=1>; rel=\"next\"" });
        walk.Advance(new[] { "</v2/_catalog?last=2>; rel=\"next\"" });
        var error = Assert.Throws<RegistryException>(() => walk.Advance(new[] { "</v2/_catalog?last=3>; rel=\"next\"" }));
        Assert.Equal("RegistryPagingLimit", error.ErrorId);
        Assert.Equal(3, walk.Pages);
    }
}
