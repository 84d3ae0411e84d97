using System.Net;
using System.Text;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry;

/// <summary>Text from a registry or an archive reaches no message with a control character the terminal would act on.</summary>
public sealed class RemoteTextTests
{
    private const char Esc = '\u001b';

    /// <summary>What a hostile registry put in an error body: retitle the window, erase the line, fake a success, conceal the rest.</summary>
    private const string HostileBody =
        "\u001b]0;CseAirgap: done\u0007\u001b[2K\r\u001b[32mAll 42 images published and verified.\u001b[0m\u001b[8m blob unknown to registry \u009b31m\u007f";

    [Fact]
    public async Task AnErrorBodyWithTerminalEscapesReachesTheMessageEscaped()
    {
        var registry = new ScriptedAnswers(_ => new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(HostileBody)) });
        var refusal = await Assert.ThrowsAsync<RegistryException>(() =>
            registry.Client(o => o.Retry = new RetryPolicy { MaxAttempts = 1 }).GetManifestAsync("lib/app", "v1", CancellationToken.None));
        Assert.DoesNotContain(Esc, refusal.Message);
        Assert.DoesNotContain('\u0007', refusal.Message);
        Assert.DoesNotContain('\r', refusal.Message);
        Assert.DoesNotContain('\u009b', refusal.Message);
        Assert.DoesNotContain(Esc, refusal.ToString());
        // Still readable: the text is there, its escapes shown rather than acted on.
        Assert.Contains("\\x1b]0;CseAirgap: done\\x07\\x1b[2K\\x0d\\x1b[32mAll 42 images published", refusal.Message);
    }

    [Fact]
    public void AFailureBuiltFromRemoteTextIsEscapedWhateverBuiltIt()
    {
        // A "digest" from a manifest, quoted back in the message and kept as the target.
        var refusal = Assert.Throws<InvalidDigestException>(() => Digest.Parse("sha256:\u001b[8mhidden", "a\u001b]0;title\u0007b"));
        Assert.DoesNotContain(Esc, refusal.Message);
        Assert.DoesNotContain(Esc, refusal.Target);
        Assert.Equal("a\\x1b]0;title\\x07b", refusal.Target);
    }

    [Fact]
    public void AReferenceFromABomIsQuotedBackEscaped()
    {
        Assert.False(ImageReference.TryParse("registry.test/lib/app:\u001b[2Kv1", out _, out var error));
        Assert.DoesNotContain(Esc, error!);
        Assert.Contains("\\x1b[2K", error);
    }

    [Theory]
    [InlineData("plain text, a path C:\\tmp\\x and ünïcödé", "plain text, a path C:\\tmp\\x and ünïcödé")]
    [InlineData("\u0000\u0008\t\n\u001f", "\\x00\\x08\\x09\\x0a\\x1f")]
    [InlineData("del\u007f c1\u0080\u009f", "del\\x7f c1\\x80\\x9f")]
    [InlineData("abc\u202Egnp.exe", "abc\\u202egnp.exe")]
    [InlineData("line\u2028break", "line\\u2028break")]
    public void ControlCharactersAreShownAsVisibleEscapes(string text, string shown)
    {
        Assert.Equal(shown, RemoteText.Escape(text));
        Assert.True(RemoteText.IsSafe(RemoteText.Escape(text)));
    }
}
