using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry;

/// <summary>
/// The registry transport against a scripted HTTP handler: how many requests each failure costs, where credentials
/// go, and when a silent or oversized answer is refused. The same cases run against real servers in Transport.Tests.ps1.
/// </summary>
public sealed class TransportTests
{
    private const string Blob = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static readonly NetworkCredential Login = new("alice", "s3cret");

    /// <summary>A handler that asks for Basic credentials on its own origin, then answers as the test says.</summary>
    private sealed class ScriptedRegistry : HttpMessageHandler
    {
        private readonly Func<HttpRequestMessage, HttpResponseMessage> _answer;
        private readonly string _origin;

        public ScriptedRegistry(string origin, Func<HttpRequestMessage, HttpResponseMessage> answer, bool askForCredentials = true)
        {
            _origin = origin;
            _answer = answer;
            AskForCredentials = askForCredentials;
        }

        public bool AskForCredentials { get; }
        public ConcurrentQueue<(Uri Uri, bool Authorized)> Seen { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Seen.Enqueue((request.RequestUri!, request.Headers.Authorization != null));
            if (AskForCredentials && request.RequestUri!.GetLeftPart(UriPartial.Authority) == _origin && request.Headers.Authorization == null)
            {
                var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized) { RequestMessage = request };
                challenge.Headers.WwwAuthenticate.ParseAdd("Basic realm=\"test\"");
                return Task.FromResult(challenge);
            }
            var response = _answer(request);
            response.RequestMessage = request;
            return Task.FromResult(response);
        }
    }

    private static RegistryClient Client(HttpMessageHandler handler, string registry = "http://registry.test:5000", NetworkCredential? credential = null,
        Action<RegistrySessionOptions>? configure = null)
    {
        var options = new RegistrySessionOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) } };
        configure?.Invoke(options);
        return new RegistryClient(new HttpClient(handler), RegistryAddress.Parse(registry), credential ?? Login, options);
    }

    private static HttpResponseMessage Status(int status, string? retryAfter = null)
    {
        var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new ByteArrayContent(Array.Empty<byte>()) };
        if (retryAfter != null) response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
        return response;
    }

    private static async Task<RegistryException> FailsAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (RegistryException e)
        {
            return e;
        }
        throw new Xunit.Sdk.XunitException("expected a RegistryException");
    }

    [Fact]
    public async Task ABlobAgainstA503ForEverCostsExactlyTheConfiguredAttempts()
    {
        var registry = new ScriptedRegistry("http://registry.test:5000", _ => Status(503));
        var client = Client(registry);
        var error = await FailsAsync(() => client.OpenBlobAsync("lib/app", Digest.Parse(Blob, "t"), CancellationToken.None));
        Assert.Equal("RegistryProtocolError", error.ErrorId);
        Assert.False(error.TransferMayRestart);
        Assert.False(RetryPolicy.IsWorthRetryingTransfer(error));
        Assert.Equal(new RetryPolicy().MaxAttempts, registry.Seen.Count(s => s.Authorized && s.Uri.AbsolutePath.EndsWith(Blob)));
    }

    [Fact]
    public async Task A429StormIsWaitedOutByTimeNotByCount()
    {
        var answered = 0;
        var registry = new ScriptedRegistry("http://registry.test:5000", _ => Interlocked.Increment(ref answered) <= 12 ? Status(429, "0") : Status(200));
        var client = Client(registry);
        using var response = await client.OpenBlobAsync("lib/app", Digest.Parse(Blob, "t"), CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(13, answered);
    }

    [Fact]
    public async Task ARetryAfterLongerThanTheBudgetFailsAtOnceAsRateLimited()
    {
        var registry = new ScriptedRegistry("http://registry.test:5000", _ => Status(429, "600"));
        var client = Client(registry, configure: o => o.Retry.Budget = TimeSpan.FromSeconds(5));
        var clock = Stopwatch.StartNew();
        var error = await FailsAsync(() => client.OpenBlobAsync("lib/app", Digest.Parse(Blob, "t"), CancellationToken.None));
        Assert.Equal("RegistryRateLimited", error.ErrorId);
        Assert.Equal(FailureCategory.ResourceUnavailable, error.Category);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Single(registry.Seen, s => s.Authorized);
    }

    [Fact]
    public async Task AConnectionThatKeepsFailingCostsTheConfiguredAttempts()
    {
        var attempts = 0;
        var handler = new ThrowingHandler(() => Interlocked.Increment(ref attempts));
        var client = Client(handler);
        var error = await FailsAsync(() => client.PingAsync(CancellationToken.None));
        Assert.Equal("RegistryUnreachable", error.ErrorId);
        Assert.Equal(new RetryPolicy().MaxAttempts, attempts);
    }

    [Fact]
    public async Task ANameThatDoesNotResolveFailsAtOnce()
    {
        var attempts = 0;
        var handler = new ThrowingHandler(() => Interlocked.Increment(ref attempts),
            new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound));
        var error = await FailsAsync(() => Client(handler).PingAsync(CancellationToken.None));
        Assert.Equal("RegistryUnreachable", error.ErrorId);
        Assert.False(RetryPolicy.IsWorthRetryingTransfer(error));
        Assert.Equal(1, attempts);
    }

    private sealed class ThrowingHandler(Action onSend, Exception? cause = null) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            onSend();
            throw new HttpRequestException("Connection refused", cause ?? new IOException("refused"));
        }
    }

    [Fact]
    public async Task ARedirectToAnotherOriginCarriesNoCredentials()
    {
        var registry = new ScriptedRegistry("http://registry.test:5000", request =>
        {
            if (request.RequestUri!.Host == "storage.test") return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[] { 1, 2, 3 }) };
            var redirect = Status(307);
            redirect.Headers.Location = new Uri("http://storage.test/bucket/blob?X-Amz-Signature=abc");
            return redirect;
        });
        var client = Client(registry);
        using var response = await client.OpenBlobAsync("lib/app", Digest.Parse(Blob, "t"), CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var storage = registry.Seen.Where(s => s.Uri.Host == "storage.test").ToList();
        Assert.Single(storage);
        Assert.False(storage[0].Authorized);
        Assert.Contains(registry.Seen, s => s.Uri.Host == "registry.test" && s.Authorized);
    }

    [Fact]
    public async Task ARedirectOnTheSameOriginKeepsTheCredentials()
    {
        var registry = new ScriptedRegistry("http://registry.test:5000", request =>
        {
            if (request.RequestUri!.AbsolutePath.StartsWith("/moved")) return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[] { 1 }) };
            var redirect = Status(302);
            redirect.Headers.Location = new Uri("/moved/blob", UriKind.Relative);
            return redirect;
        });
        using var response = await Client(registry).OpenBlobAsync("lib/app", Digest.Parse(Blob, "t"), CancellationToken.None);
        Assert.Contains(registry.Seen, s => s.Uri.AbsolutePath == "/moved/blob" && s.Authorized);
    }

    [Fact]
    public async Task ALinkToAnotherOriginCarriesNoCredentials()
    {
        var registry = new ScriptedRegistry("http://registry.test:5000", request =>
        {
            if (request.RequestUri!.Host == "attacker.test")
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"tags\":[\"evil\"]}") };
            var page = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"tags\":[\"v1\"]}") };
            page.Headers.TryAddWithoutValidation("Link", "<http://attacker.test/v2/lib/app/tags/list?last=v1>; rel=\"next\"");
            return page;
        });
        var tags = await Client(registry).ListTagsAsync("lib/app", CancellationToken.None);
        Assert.Equal(new[] { "v1", "evil" }, tags);
        Assert.All(registry.Seen.Where(s => s.Uri.Host == "attacker.test"), s => Assert.False(s.Authorized));
    }

    [Fact]
    public async Task AnUploadLocationOnAnotherOriginCarriesNoCredentials()
    {
        var registry = new ScriptedRegistry("http://registry.test:5000", request =>
        {
            var accepted = Status(202);
            accepted.Headers.Location = new Uri("http://elsewhere.test/upload/1");
            return request.Method == HttpMethod.Post ? accepted : Status(201);
        });
        var client = Client(registry);
        var location = await client.StartUploadAsync("lib/app", CancellationToken.None);
        await client.CancelUploadAsync(location, "lib/app", CancellationToken.None);
        var elsewhere = registry.Seen.Where(s => s.Uri.Host == "elsewhere.test").ToList();
        Assert.Single(elsewhere);
        Assert.False(elsewhere[0].Authorized);
    }

    [Fact]
    public async Task AnHttpsRegistryWithAPlainHttpTokenRealmGetsNoCredentials()
    {
        var registry = new ScriptedRegistry("https://registry.test", request =>
        {
            var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
            challenge.Headers.WwwAuthenticate.ParseAdd("Bearer realm=\"http://tokens.test/token\",service=\"registry\"");
            return challenge;
        }, askForCredentials: false);
        var client = Client(registry, "registry.test");
        var error = await FailsAsync(() => client.GetManifestAsync("lib/app", "v1", CancellationToken.None));
        Assert.Equal("RegistryInsecureTokenRealm", error.ErrorId);
        Assert.Equal(FailureCategory.SecurityError, error.Category);
        Assert.DoesNotContain(registry.Seen, s => s.Uri.Host == "tokens.test");
    }

    [Fact]
    public async Task APlainHttpRealmIsUsedWhenTheAdminNamedTheRegistryWithHttp()
    {
        var registry = new ScriptedRegistry("http://registry.test:5000", request =>
        {
            if (request.RequestUri!.Host == "tokens.test") return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"token\":\"t\"}") };
            if (request.Headers.Authorization?.Scheme == "Bearer") return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") };
            var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
            challenge.Headers.WwwAuthenticate.ParseAdd("Bearer realm=\"http://tokens.test/token\",service=\"registry\"");
            return challenge;
        }, askForCredentials: false);
        var status = await Client(registry).PingAsync(CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(registry.Seen, s => s.Uri.Host == "tokens.test" && s.Authorized);
    }

    [Fact]
    public async Task ABodyThatStallsFailsAfterTheStallTimeoutNamingTheHost()
    {
        var registry = new ScriptedRegistry("http://registry.test:5000",
            _ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new SilentStream()) });
        var client = Client(registry, configure: o => o.StallTimeout = TimeSpan.FromMilliseconds(300));
        using var response = await client.OpenBlobAsync("lib/app", Digest.Parse(Blob, "t"), CancellationToken.None);
        var body = await response.Content.ReadAsStreamAsync();
        var clock = Stopwatch.StartNew();
        var error = await FailsAsync(() => body.ReadAsync(new byte[10], 0, 10));
        Assert.Equal("RegistryTimeout", error.ErrorId);
        Assert.Equal(FailureCategory.OperationTimeout, error.Category);
        Assert.Contains("registry.test:5000", error.Message);
        Assert.True(error.TransferMayRestart);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.25, 10);
    }

    /// <summary>A body that never sends a byte (until cancelled).</summary>
    private sealed class SilentStream : ReadOnlyStream
    {
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
    }

    [Fact]
    public async Task AnUploadTheRegistryStopsTakingFailsAfterTheStallTimeoutAndMayRestart()
    {
        var handler = new StalledReceiver();
        var client = Client(handler, configure: o => o.StallTimeout = TimeSpan.FromMilliseconds(300));
        var body = new MemoryStream(new byte[1024 * 1024]);
        var clock = Stopwatch.StartNew();
        var error = await FailsAsync(() => client.UploadBlobAsync(new Uri("http://registry.test:5000/v2/lib/app/blobs/uploads/1"), "lib/app", Blob, body.Length, body, CancellationToken.None));
        Assert.Equal("RegistryTimeout", error.ErrorId);
        Assert.Contains("take the next bytes of the upload", error.Message);
        Assert.True(error.TransferMayRestart);
        Assert.True(RetryPolicy.IsWorthRetryingTransfer(error));
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.25, 10);
    }

    /// <summary>A registry that takes the first bytes of an upload and then stops reading.</summary>
    private sealed class StalledReceiver : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await request.Content!.CopyToAsync(new StallingStream());
            return new HttpResponseMessage(HttpStatusCode.Created);
        }

        private sealed class StallingStream : MemoryStream
        {
            public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                if (Length > 0) await Task.Delay(Timeout.Infinite, cancellationToken);
                await base.WriteAsync(buffer, offset, count, cancellationToken);
            }
        }
    }

    [Fact]
    public async Task AManifestDeclaredLargerThan4MiBIsRefusedBeforeItIsRead()
    {
        var endless = new EndlessStream();
        var registry = new ScriptedRegistry("http://registry.test:5000", _ =>
        {
            var content = new StreamContent(endless);
            content.Headers.ContentLength = 6L * 1024 * 1024;
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        });
        var error = await Assert.ThrowsAsync<ContentTooLargeException>(() => Client(registry).GetManifestAsync("lib/app", "v1", CancellationToken.None));
        Assert.Equal("ContentTooLarge", error.ErrorId);
        Assert.Equal(ContentLimits.Manifest, error.Limit);
        Assert.Equal(0, endless.Served);
    }

    [Fact]
    public async Task AManifestWithoutALengthIsCutAt4MiB()
    {
        var endless = new EndlessStream();
        var registry = new ScriptedRegistry("http://registry.test:5000", _ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(endless) });
        var error = await Assert.ThrowsAsync<ContentTooLargeException>(() => Client(registry).GetManifestAsync("lib/app", "v1", CancellationToken.None));
        Assert.Contains("4 MiB", error.Message);
        Assert.InRange(endless.Served, ContentLimits.Manifest, ContentLimits.Manifest + 1024 * 1024);
    }

    [Fact]
    public async Task ATokenAnswerLargerThan1MiBIsRefused()
    {
        var endless = new EndlessStream();
        var registry = new ScriptedRegistry("http://registry.test:5000", request =>
        {
            if (request.RequestUri!.Host == "tokens.test") return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(endless) };
            var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
            challenge.Headers.WwwAuthenticate.ParseAdd("Bearer realm=\"http://tokens.test/token\"");
            return challenge;
        }, askForCredentials: false);
        var error = await Assert.ThrowsAsync<ContentTooLargeException>(() => Client(registry).GetManifestAsync("lib/app", "v1", CancellationToken.None));
        Assert.Equal(ContentLimits.TokenAnswer, error.Limit);
    }

    /// <summary>Bytes for ever, counting how many were read.</summary>
    private sealed class EndlessStream : ReadOnlyStream
    {
        public long Served;

        public override int Read(byte[] buffer, int offset, int count)
        {
            for (var i = 0; i < count; i++) buffer[offset + i] = (byte)'a';
            Served += count;
            return count;
        }
    }

    [Fact]
    public void EachCredentialGetsItsOwnClientEvenOnOneHost()
    {
        using var session = new RegistrySession(new RegistrySessionOptions());
        var address = RegistryAddress.Parse("harbor.corp.local");
        var source = session.For(address, new NetworkCredential("reader", "a"));
        var destination = session.For(address, new NetworkCredential("admin", "b"));
        Assert.NotSame(source, destination);
        Assert.Same(destination, session.For(address, new NetworkCredential("admin", "b")));
        Assert.NotSame(session.For(address, null), source);
    }

    [Fact]
    public void SkippingTheCertificateCheckOfTheDestinationLeavesSourcesChecked()
    {
        var trust = new RegistryTrust(null, "harbor.corp.local", skipDestination: true, skipSources: false);
        Assert.True(trust.SkipsCertificateCheck("harbor.corp.local"));
        Assert.True(trust.SkipsCertificateCheck("harbor.corp.local:443"));
        Assert.False(trust.SkipsCertificateCheck("projects.registry.vmware.com"));
        Assert.False(trust.SkipsCertificateCheck("harbor.corp.local:8443"));
        var sources = new RegistryTrust(null, "harbor.corp.local", skipDestination: false, skipSources: true);
        Assert.False(sources.SkipsCertificateCheck("harbor.corp.local"));
        Assert.True(sources.SkipsCertificateCheck("mirror.corp.local"));
    }
}
