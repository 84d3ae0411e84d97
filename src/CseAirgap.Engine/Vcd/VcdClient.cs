using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Vcd;

/// <summary>
/// A provider session on VMware Cloud Director's cloudapi, for CSE's configuration entity. The calls follow VCD's
/// documented API as vmware/go-vcloud-director uses it (govcd/cse_util.go, govcd/defined_entity.go):
/// GET /api/versions; POST /cloudapi/1.0.0/sessions/provider with Basic user@System, the token in
/// X-VMWARE-VCLOUD-ACCESS-TOKEN, sent back as Authorization: Bearer; or POST /oauth/provider/token with an API token
/// (grant_type=refresh_token); the entity query by type with a FIQL filter and paging; GET and PUT of one entity with
/// ETag / If-Match; DELETE /cloudapi/1.0.0/sessions/current at the end. Credentials go only to this server's origin
/// (no redirect is followed), and neither they nor the access token reach a log line or a message.
/// </summary>
public sealed class VcdClient : IDisposable
{
    public const string EntityTypePath = "cloudapi/1.0.0/entities/types/vmware/VCDKEConfig/1.1.0";
    public const string EntityName = "vcdKeConfig";
    private const string AccessTokenHeader = "X-VMWARE-VCLOUD-ACCESS-TOKEN";

    /// <summary>The most pages of the entity query followed: far beyond one entity's query, short of a loop.</summary>
    public const int MaxPages = 50;

    /// <summary>The most read of one answer (a session, a page, the entity): the entity holds certificates, never megabytes.</summary>
    public const int MaxAnswerBytes = 4 * 1024 * 1024;

    private readonly HttpClient _http;
    private readonly Action<string> _log;
    private string? _accessToken;

    public VcdClient(VcdServerAddress server, RegistryTrust trust, Action<string>? log = null, HttpMessageHandler? handler = null)
    {
        Server = server;
        _log = log ?? (_ => { });
        if (handler == null)
        {
            var own = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false };
            own.ServerCertificateCustomValidationCallback = (request, cert, chain, errors) => trust.Validate(server.Authority, cert, chain, errors);
            handler = own;
        }
        _http = new HttpClient(handler) { BaseAddress = server.BaseUri, Timeout = TimeSpan.FromSeconds(100) };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("CseAirgap/" + typeof(VcdClient).Assembly.GetName().Version);
    }

    public VcdServerAddress Server { get; }

    /// <summary>The API version picked at <see cref="ConnectAsync"/>.</summary>
    public string? ApiVersion { get; private set; }

    /// <summary>The session's user and organisation, as VCD reported them.</summary>
    public string? SessionUser { get; private set; }

    public bool IsLoggedIn => _accessToken != null;

    /// <summary>Picks the API version, logs in, and makes sure the session is a provider (System organisation) one.</summary>
    public async Task ConnectAsync(VcdLogin login, CancellationToken ct)
    {
        ApiVersion = await ChooseVersionAsync(ct).ConfigureAwait(false);
        _log($"VCD {Server}: API version {ApiVersion}.");
        JsonElement session;
        if (login.IsApiToken)
        {
            _accessToken = await TradeApiTokenAsync(login, ct).ConfigureAwait(false);
            session = await ReadJsonAsync(HttpMethod.Get, "cloudapi/1.0.0/sessions/current", "the session", ct).ConfigureAwait(false);
        }
        else
        {
            session = await LoginWithPasswordAsync(login, ct).ConfigureAwait(false);
        }
        var org = StringAt(session, "org", "name");
        SessionUser = $"{StringAt(session, "user", "name") ?? login.User}@{org}";
        if (!string.Equals(org, VcdLogin.ProviderOrg, StringComparison.OrdinalIgnoreCase))
        {
            await LogoutAsync(ct).ConfigureAwait(false);
            throw new VcdException(VcdErrorKind.NotProvider, Server.Authority,
                $"{login.Describe()} opened a session in the organisation '{org}' on {Server}: CSE's configuration belongs to the provider. " +
                "Log in as a System organisation administrator (user or user@System), or with a System administrator's API token.");
        }
        _log($"VCD {Server}: provider session for {SessionUser}.");
    }

    /// <summary>Ends the session (DELETE sessions/current). Never throws: the session expires on its own if this fails.</summary>
    public async Task LogoutAsync(CancellationToken ct)
    {
        if (_accessToken == null) return;
        try
        {
            using var request = NewRequest(HttpMethod.Delete, "cloudapi/1.0.0/sessions/current");
            using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
            _log($"VCD {Server}: logged out ({(int)response.StatusCode}).");
        }
        catch (Exception e) when (e is HttpRequestException || e is OperationCanceledException)
        {
            _log($"VCD {Server}: logout failed ({e.GetType().Name}); the session ends when it expires.");
        }
        finally
        {
            _accessToken = null;
        }
    }

    /// <summary>The vcdKeConfig entity: found by the type query (every page), then read by id with its ETag.</summary>
    public async Task<VcdKeConfigEntity> ReadConfigurationAsync(CancellationToken ct)
    {
        var ids = new List<string>();
        var pageCount = 1;
        for (var page = 1; page <= pageCount; page++)
        {
            if (page > MaxPages)
                throw new VcdException(VcdErrorKind.ProtocolError, Server.Authority, $"{Server} lists more than {MaxPages} pages of VCDKEConfig entities; a VCD has one. Check the server.");
            var answer = await ReadJsonAsync(HttpMethod.Get, $"{EntityTypePath}?filter=name=={EntityName}&page={page}&pageSize=25", "the entity query", ct).ConfigureAwait(false);
            if (answer.TryGetProperty("pageCount", out var count) && count.ValueKind == JsonValueKind.Number && count.TryGetInt32(out var c)) pageCount = c;
            if (!answer.TryGetProperty("values", out var values) || values.ValueKind != JsonValueKind.Array)
                throw new VcdException(VcdErrorKind.ProtocolError, Server.Authority, $"{Server} answered the entity query without a 'values' list.");
            // The filter is the server's; the name is checked here too.
            foreach (var value in values.EnumerateArray())
                if (StringAt(value, "name") == EntityName && StringAt(value, "id") is { } id) ids.Add(id);
        }
        if (ids.Count == 0)
            throw new VcdException(VcdErrorKind.ConfigurationNotFound, Server.Authority,
                $"{Server} has no {EntityName} entity of type vmware:VCDKEConfig:1.1.0: CSE 4.1 or 4.2 is not installed there, or its server configuration was never saved (CSE Management in the Kubernetes Container Clusters plug-in).");
        if (ids.Distinct().Count() > 1)
            throw new VcdException(VcdErrorKind.ProtocolError, Server.Authority, $"{Server} has {ids.Distinct().Count()} entities named {EntityName}; CSE reads one. Remove the extra ones first.");
        return await ReadEntityAsync(ids[0], ct).ConfigureAwait(false);
    }

    public async Task<VcdKeConfigEntity> ReadEntityAsync(string id, CancellationToken ct)
    {
        using var request = NewRequest(HttpMethod.Get, EntityPath(id));
        using var response = await SendAsync(request, "the entity", ct).ConfigureAwait(false);
        var body = await ReadBodyAsync(response, "entity", ct).ConfigureAwait(false);
        var etag = response.Headers.ETag?.ToString();
        return VcdKeConfigEntity.Parse(body, etag, Server.Authority);
    }

    /// <summary>
    /// PUT of the whole entity with If-Match; returns the new ETag (null when none is sent), or throws
    /// <see cref="VcdStaleEntityException"/> on 412.
    /// </summary>
    public async Task<string?> ReplaceEntityAsync(VcdKeConfigEntity entity, CancellationToken ct)
    {
        using var request = NewRequest(HttpMethod.Put, EntityPath(entity.Id));
        if (entity.ETag != null) request.Headers.TryAddWithoutValidation("If-Match", entity.ETag);
        request.Content = new ByteArrayContent(entity.ToJson());
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw Transport(e);
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.PreconditionFailed) throw new VcdStaleEntityException(Server.Authority);
            await EnsureSuccessAsync(response, "the entity update", ct).ConfigureAwait(false);
            return response.Headers.ETag?.ToString();
        }
    }

    public void Dispose() => _http.Dispose();

    private static string EntityPath(string id)
    {
        // An id from the server is used in a path: only the URN's own characters.
        if (id.Length == 0 || id.Length > 200 || id.Any(ch => !(char.IsLetterOrDigit(ch) || ch == ':' || ch == '-' || ch == '.' || ch == '_')))
            throw new VcdException(VcdErrorKind.ProtocolError, id, $"The entity id '{id}' is not a VCD URN.");
        return "cloudapi/1.0.0/entities/" + Uri.EscapeDataString(id);
    }

    private async Task<string> ChooseVersionAsync(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/versions");
        request.Headers.Accept.ParseAdd("application/*+xml");
        using var response = await SendAsync(request, "the API versions", ct).ConfigureAwait(false);
        var body = await ReadBodyAsync(response, "API version list", ct).ConfigureAwait(false);
        IReadOnlyList<string> listed;
        try
        {
            listed = VcdApiVersions.Parse(body, response.Content.Headers.ContentType?.MediaType);
        }
        catch (Exception e) when (e is System.Xml.XmlException || e is JsonException)
        {
            throw new VcdException(VcdErrorKind.ProtocolError, Server.Authority, $"{Server}/api/versions is not a VCD version list: {e.Message}", e);
        }
        return VcdApiVersions.Choose(listed) ?? throw new VcdException(VcdErrorKind.ApiVersionUnsupported, Server.Authority,
            $"{Server} lists API versions {(listed.Count == 0 ? "(none)" : string.Join(", ", listed))}; CSE's configuration entity needs {VcdApiVersions.Minimum:0.0} or later (VCD 10.2+; CSE 4.2 needs VCD 10.4 or later). Upgrade VCD.");
    }

    private async Task<JsonElement> LoginWithPasswordAsync(VcdLogin login, CancellationToken ct)
    {
        // A tenant user is sent to the tenant endpoint (the provider one refuses it without saying why); the session it
        // opens is then refused here, by name, as not a provider session.
        var path = login.IsProviderUser ? "cloudapi/1.0.0/sessions/provider" : "cloudapi/1.0.0/sessions";
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Accept.ParseAdd($"application/json;version={ApiVersion}");
        var pair = Encoding.UTF8.GetBytes($"{login.User}@{login.Org}:{login.Password}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(pair));
        using var response = await SendAsync(request, $"the login of {login.Describe()}", ct, login).ConfigureAwait(false);
        var token = response.Headers.TryGetValues(AccessTokenHeader, out var values) ? values.FirstOrDefault() : null;
        if (string.IsNullOrEmpty(token))
            throw new VcdException(VcdErrorKind.ProtocolError, Server.Authority, $"{Server} accepted the login but sent no {AccessTokenHeader} header: it is not VCD 10.x, or a proxy removed the header.");
        _accessToken = token;
        return ParseJson(await ReadBodyAsync(response, "session", ct).ConfigureAwait(false), "the session");
    }

    private async Task<string> TradeApiTokenAsync(VcdLogin login, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "oauth/provider/token");
        request.Headers.Accept.ParseAdd("application/json");
        request.Content = new FormUrlEncodedContent(new[]
        {
            new KeyValuePair<string, string>("grant_type", "refresh_token"),
            new KeyValuePair<string, string>("refresh_token", login.ApiToken!),
        });
        using var response = await SendAsync(request, "the API token login", ct, login).ConfigureAwait(false);
        var answer = ParseJson(await ReadBodyAsync(response, "token answer", ct).ConfigureAwait(false), "the token answer");
        return StringAt(answer, "access_token") is { Length: > 0 } token
            ? token
            : throw new VcdException(VcdErrorKind.ProtocolError, Server.Authority, $"{Server} answered the API token login without an access_token.");
    }

    private async Task<JsonElement> ReadJsonAsync(HttpMethod method, string path, string what, CancellationToken ct)
    {
        using var request = NewRequest(method, path);
        using var response = await SendAsync(request, what, ct).ConfigureAwait(false);
        return ParseJson(await ReadBodyAsync(response, what, ct).ConfigureAwait(false), what);
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Accept.ParseAdd($"application/json;version={ApiVersion}");
        if (_accessToken != null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _accessToken);
        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string what, CancellationToken ct, VcdLogin? login = null)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw Transport(e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new VcdException(VcdErrorKind.Unreachable, Server.Authority, $"{Server} did not answer {what} within {_http.Timeout.TotalSeconds:0} seconds.", e);
        }
        try
        {
            await EnsureSuccessAsync(response, what, ct, login).ConfigureAwait(false);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken ct, VcdLogin? login = null)
    {
        if (response.IsSuccessStatusCode) return;
        var status = (int)response.StatusCode;
        var (bytes, _) = await ContentLimits.ReadPrefixAsync(await response.Content.ReadAsStreamAsync().ConfigureAwait(false), 4096, ct).ConfigureAwait(false);
        var said = ServerMessage(bytes);
        var detail = said == null ? string.Empty : $" VCD said: {said}";
        throw status switch
        {
            401 when login != null => new VcdException(VcdErrorKind.AuthenticationFailed, Server.Authority,
                $"{Server} refused {login.Describe()} (401).{detail} Check the user name (user or user@System) and password, or the API token.") as Exception,
            400 when login != null && login.IsApiToken => new VcdException(VcdErrorKind.AuthenticationFailed, Server.Authority,
                $"{Server} refused the API token (400).{detail} It may be revoked, expired, or a tenant's: create one as a System administrator."),
            401 => new VcdException(VcdErrorKind.AuthenticationFailed, Server.Authority, $"{Server} ended the session during {what} (401).{detail} Run the command again."),
            403 => new VcdException(VcdErrorKind.AccessDenied, Server.Authority,
                $"{Server} refused {what} (403): the account lacks the rights on the VCDKEConfig entity type.{detail} Use a System administrator, or grant the CSE administrator role's rights."),
            404 when what == "the entity query" => new VcdException(VcdErrorKind.ConfigurationNotFound, Server.Authority,
                $"{Server} has no entity type vmware:VCDKEConfig:1.1.0 (404): CSE 4.1 or 4.2 is not installed there.{detail}"),
            406 => new VcdException(VcdErrorKind.ApiVersionUnsupported, Server.Authority,
                $"{Server} refused API version {ApiVersion} for {what} (406), though it lists it.{detail} Check the server, or a proxy in front of it."),
            _ => new VcdException(VcdErrorKind.ProtocolError, Server.Authority, $"{Server} answered {what} with HTTP {status}.{detail}"),
        };
    }

    /// <summary>VCD's error JSON carries "message"; a short, single-line excerpt of it, or null.</summary>
    private static string? ServerMessage(byte[] bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
            {
                var text = new string(m.GetString()!.Where(ch => !char.IsControl(ch)).ToArray());
                return text.Length > 300 ? text.Substring(0, 300) + "…" : text;
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }

    private VcdException Transport(HttpRequestException e)
    {
        for (Exception? inner = e; inner != null; inner = inner.InnerException)
            if (inner is AuthenticationException)
                return new VcdException(VcdErrorKind.CertificateUntrusted, Server.Authority,
                    $"The TLS certificate of {Server} is not trusted here. Give its CA with -CaCertificate <file.pem>, or (on a lab) -SkipCertificateCheck.", e);
        return new VcdException(VcdErrorKind.Unreachable, Server.Authority, $"{Server} could not be reached: {e.Message}", e);
    }

    private async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, string what, CancellationToken ct) =>
        await ContentLimits.ReadAllAsync(await response.Content.ReadAsStreamAsync().ConfigureAwait(false), MaxAnswerBytes, what, Server.Authority, ct).ConfigureAwait(false);

    private JsonElement ParseJson(byte[] body, string what)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new VcdException(VcdErrorKind.ProtocolError, Server.Authority, $"{Server} answered {what} with something that is not JSON.", e);
        }
    }

    private static string? StringAt(JsonElement element, params string[] path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element)) return null;
        }
        return element.ValueKind == JsonValueKind.String ? element.GetString() : null;
    }
}

/// <summary>412 on a PUT: the entity changed since it was read. The updater re-reads and merges; never shown to the admin as is.</summary>
public sealed class VcdStaleEntityException : VcdException
{
    public VcdStaleEntityException(string target)
        : base(VcdErrorKind.ConfigurationConflict, target, $"The vcdKeConfig entity on {target} changed since it was read (412).")
    {
    }
}
