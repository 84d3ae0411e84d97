using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace CseAirgap.TestServer;

/// <summary>
/// A VMware Cloud Director of our own, as much of it as CSE's configuration needs, built from VCD's documented API and
/// the way vmware/go-vcloud-director calls it (govcd/cse_util.go, govcd/defined_entity.go), with the entity shaped as
/// terraform-provider-vcd's examples/container-service-extension/v4.2/entities/vcdkeconfig.json.template and
/// schemas/vcdkeconfig-type-schema-v1.1.0.json describe it:
///   GET    /api/versions                                   SupportedVersions XML (VersionInfo/Version)
///   POST   /cloudapi/1.0.0/sessions/provider               Basic user@System; token in X-VMWARE-VCLOUD-ACCESS-TOKEN; a tenant user gets 401
///   POST   /cloudapi/1.0.0/sessions                        Basic user@org (tenant login): a session in that org
///   POST   /oauth/provider/token                           form grant_type=refresh_token&amp;refresh_token=T -> access_token
///   GET    /cloudapi/1.0.0/sessions/current                the session (Bearer)
///   DELETE /cloudapi/1.0.0/sessions/current                logout; the token is dead afterwards
///   GET    /cloudapi/1.0.0/entities/types/vmware/VCDKEConfig/1.1.0?filter=name==vcdKeConfig&amp;page=&amp;pageSize=
///                                                          a page: resultTotal, pageCount, page, pageSize, values
///   GET    /cloudapi/1.0.0/entities/{id}                   the entity with an ETag
///   PUT    /cloudapi/1.0.0/entities/{id}                   If-Match must equal the current ETag (412 otherwise)
/// Every cloudapi call needs Accept: application/json;version=V with V listed and not refused (406 otherwise), and a
/// live Bearer token (401); a user named viewer@System has no rights on the entity type (403).
/// Users come from CSEAIRGAP_VCD_USERS ("user@org:password;..."), API tokens from CSEAIRGAP_VCD_TOKENS ("token=user@org;...").
/// Test controls (plain JSON, same port): GET /__log (every request: method, path, query, auth scheme, If-Match,
/// Accept, status, and a PUT's body), GET /__entity, GET /__sessions (live count, issued tokens), POST /__reset, POST /__control
/// {"versions":[...],"refuse":[...],"maxPageSize":n,"ignoreFilter":b,"decoys":n}, POST /__edit
/// {"path":[...],"value":...,"beforeNextPut":b} (an edit now, or the "someone else" edit that lands just before the next PUT).
/// </summary>
internal sealed class VcdServer(Options options)
{
    private const string EntityId = "urn:vcloud:entity:vmware:VCDKEConfig:5c7a1e52-0b4e-4d0e-9d3f-2f4a1b6c8e01";
    private const string TypePath = "/cloudapi/1.0.0/entities/types/vmware/VCDKEConfig/1.1.0";

    private readonly object _gate = new();
    private readonly ConcurrentQueue<JsonObject> _log = new();
    private readonly Dictionary<string, string> _users = Parse(Environment.GetEnvironmentVariable("CSEAIRGAP_VCD_USERS"), ':');
    private readonly Dictionary<string, string> _apiTokens = Parse(Environment.GetEnvironmentVariable("CSEAIRGAP_VCD_TOKENS"), '=');
    private readonly ConcurrentDictionary<string, string> _sessions = new();
    private readonly ConcurrentQueue<string> _issued = new();
    private State _state = State.Initial();

    public Task RunAsync(CancellationToken stop)
    {
        var tls = KestrelHost.LoadCertificate(options["cert"], options["key"]);
        return KestrelHost.RunAsync([new KestrelHost.Port(int.Parse(options["port"]), tls)], HandleAsync, stop);
    }

    private sealed class State
    {
        public List<string> Versions = ["31.0", "33.0", "35.0", "36.0", "37.0", "38.0"];
        public List<string> Refused = [];
        public int MaxPageSize = 128;
        public bool IgnoreFilter;
        public int Decoys;
        public JsonObject Entity = Fixture();
        public int Generation = 1;
        public JsonObject? EditBeforeNextPut;

        public string ETag => $"\"{Generation}-{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Entity.ToJsonString()))).Substring(0, 12)}\"";

        public static State Initial() => new();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        if (path.StartsWith("/__")) { await ControlAsync(context, path); return; }

        var body = "";
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
            body = await new StreamReader(request.Body).ReadToEndAsync();
        var entry = new JsonObject
        {
            ["method"] = request.Method,
            ["path"] = path,
            ["query"] = request.QueryString.Value ?? "",
            ["auth"] = request.Headers.Authorization.ToString().Split(' ')[0],
            ["ifMatch"] = request.Headers.IfMatch.ToString(),
            ["accept"] = request.Headers.Accept.ToString(),
            ["body"] = request.Method == "PUT" ? body : null,
        };
        int status;
        lock (_gate) status = Answer(context, path, body);
        entry["status"] = status;
        _log.Enqueue(entry);
    }

    private int Answer(HttpContext context, string path, string body)
    {
        var request = context.Request;
        var response = context.Response;
        var state = _state;
        int Send(int status, string? text = null, string type = "application/json")
        {
            response.StatusCode = status;
            if (text != null)
            {
                response.ContentType = type;
                response.WriteAsync(text).GetAwaiter().GetResult();
            }
            return status;
        }
        string Error(int code, string message) => new JsonObject { ["minorErrorCode"] = code.ToString(), ["message"] = message, ["stackTrace"] = null }.ToJsonString();

        if (path == "/api/versions" && request.Method == "GET")
        {
            var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SupportedVersions xmlns=\"http://www.vmware.com/vcloud/versions\">\n");
            foreach (var v in state.Versions)
                xml.Append($"  <VersionInfo deprecated=\"false\"><Version>{v}</Version><LoginUrl>https://{request.Host}/api/sessions</LoginUrl></VersionInfo>\n");
            xml.Append("</SupportedVersions>\n");
            return Send(200, xml.ToString(), "application/vnd.vmware.vcloud.versions+xml;version=1.5");
        }

        if (path == "/oauth/provider/token" && request.Method == "POST")
        {
            var form = request.ContentType?.StartsWith("application/x-www-form-urlencoded") == true
                ? Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery("?" + body) : new();
            if (form.GetValueOrDefault("grant_type").ToString() != "refresh_token"
                || !_apiTokens.TryGetValue(form.GetValueOrDefault("refresh_token").ToString(), out var owner)
                || !owner.EndsWith("@System", StringComparison.OrdinalIgnoreCase))
                return Send(400, new JsonObject { ["error"] = "invalid_grant", ["error_description"] = "The refresh token is not valid." }.ToJsonString());
            var access = NewToken(owner);
            return Send(200, new JsonObject { ["access_token"] = access, ["token_type"] = "Bearer", ["expires_in"] = 2592000, ["refresh_token"] = null }.ToJsonString());
        }

        // Everything below is cloudapi: versioned.
        var accept = request.Headers.Accept.ToString();
        var version = accept.Split(';').Select(p => p.Trim()).FirstOrDefault(p => p.StartsWith("version="))?.Substring(8);
        if (version == null || !state.Versions.Contains(version) || state.Refused.Contains(version))
            return Send(406, Error(406, $"The requested version {version} is not supported."));

        if ((path == "/cloudapi/1.0.0/sessions/provider" || path == "/cloudapi/1.0.0/sessions") && request.Method == "POST")
        {
            var header = request.Headers.Authorization.ToString();
            if (!header.StartsWith("Basic ")) return Send(401, Error(401, "Basic authentication required."));
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header.Substring(6))).Split(':', 2);
            if (pair.Length != 2 || !_users.TryGetValue(pair[0], out var password) || password != pair[1])
                return Send(401, Error(401, "Invalid credentials."));
            var provider = pair[0].EndsWith("@System", StringComparison.OrdinalIgnoreCase);
            if (path.EndsWith("/provider") != provider)
                return Send(401, Error(401, provider ? "Use the provider login." : "This user is not a provider."));
            response.Headers["X-VMWARE-VCLOUD-ACCESS-TOKEN"] = NewToken(pair[0]);
            response.Headers["X-VMWARE-VCLOUD-TOKEN-TYPE"] = "Bearer";
            return Send(200, Session(pair[0]));
        }

        var bearer = request.Headers.Authorization.ToString();
        if (!bearer.StartsWith("Bearer ") || !_sessions.TryGetValue(bearer.Substring(7), out var who))
            return Send(401, Error(401, "Not authenticated."));

        if (path == "/cloudapi/1.0.0/sessions/current")
        {
            if (request.Method == "GET") return Send(200, Session(who));
            if (request.Method == "DELETE") { _sessions.TryRemove(bearer.Substring(7), out _); return Send(204); }
        }

        if (path.StartsWith("/cloudapi/1.0.0/entities/") && who.StartsWith("viewer@", StringComparison.OrdinalIgnoreCase))
            return Send(403, Error(403, "Access denied: missing right View: VMWARE:VCDKECONFIG."));

        if (path == TypePath && request.Method == "GET")
        {
            var all = new List<JsonObject>();
            for (var i = 0; i < state.Decoys; i++)
                all.Add(new JsonObject { ["id"] = $"urn:vcloud:entity:vmware:VCDKEConfig:00000000-0000-0000-0000-00000000000{i}", ["entityType"] = "urn:vcloud:type:vmware:VCDKEConfig:1.1.0", ["name"] = $"vcdKeConfig-retired-{i}", ["entity"] = new JsonObject() });
            all.Add((JsonObject)state.Entity.DeepClone());
            var filter = request.Query["filter"].ToString();
            if (!state.IgnoreFilter && filter.StartsWith("name=="))
                all = all.Where(e => (string?)e["name"] == filter.Substring(6)).ToList();
            var pageSize = Math.Clamp(int.TryParse(request.Query["pageSize"], out var ps) ? ps : 25, 1, state.MaxPageSize);
            var page = Math.Max(1, int.TryParse(request.Query["page"], out var p) ? p : 1);
            var values = new JsonArray(all.Skip((page - 1) * pageSize).Take(pageSize).Select(e => (JsonNode)e).ToArray());
            return Send(200, new JsonObject
            {
                ["resultTotal"] = all.Count,
                ["pageCount"] = Math.Max(1, (all.Count + pageSize - 1) / pageSize),
                ["page"] = page,
                ["pageSize"] = pageSize,
                ["associations"] = null,
                ["values"] = values,
            }.ToJsonString());
        }

        if (path == "/cloudapi/1.0.0/entities/" + EntityId || Uri.UnescapeDataString(path) == "/cloudapi/1.0.0/entities/" + EntityId)
        {
            if (request.Method == "GET")
            {
                response.Headers.ETag = state.ETag;
                return Send(200, state.Entity.ToJsonString());
            }
            if (request.Method == "PUT")
            {
                if (state.EditBeforeNextPut is { } edit)
                {
                    state.EditBeforeNextPut = null;
                    ApplyEdit(state, edit);
                }
                var ifMatch = request.Headers.IfMatch.ToString();
                if (ifMatch.Length > 0 && ifMatch != state.ETag)
                    return Send(412, Error(412, "The entity was changed by someone else (ETag mismatch)."));
                JsonObject sent;
                try { sent = JsonNode.Parse(body) as JsonObject ?? throw new JsonException("not an object"); }
                catch (JsonException e) { return Send(400, Error(400, "Bad JSON: " + e.Message)); }
                if ((string?)sent["id"] != EntityId || sent["entity"] is not JsonObject newEntity)
                    return Send(400, Error(400, "The body must be the whole defined entity."));
                state.Entity["entity"] = newEntity.DeepClone();
                state.Generation++;
                response.Headers.ETag = state.ETag;
                return Send(200, state.Entity.ToJsonString());
            }
        }
        return Send(404, Error(404, $"No such resource: {path}"));
    }

    private async Task ControlAsync(HttpContext context, string path)
    {
        var response = context.Response;
        response.ContentType = "application/json";
        var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
        lock (_gate)
        {
            switch (path)
            {
                case "/__log":
                    response.WriteAsync(new JsonArray(_log.Select(e => (JsonNode)e.DeepClone()).ToArray()).ToJsonString()).GetAwaiter().GetResult();
                    return;
                case "/__entity":
                    response.Headers.ETag = _state.ETag;
                    response.WriteAsync(_state.Entity.ToJsonString()).GetAwaiter().GetResult();
                    return;
                case "/__reset":
                    _state = State.Initial();
                    _log.Clear();
                    _sessions.Clear();
                    _issued.Clear();
                    break;
                case "/__control":
                    var control = JsonNode.Parse(body)!.AsObject();
                    if (control["versions"] is JsonArray versions) _state.Versions = versions.Select(v => (string)v!).ToList();
                    if (control["refuse"] is JsonArray refuse) _state.Refused = refuse.Select(v => (string)v!).ToList();
                    if (control["maxPageSize"] is JsonValue max) _state.MaxPageSize = (int)max;
                    if (control["ignoreFilter"] is JsonValue ignore) _state.IgnoreFilter = (bool)ignore;
                    if (control["decoys"] is JsonValue decoys) _state.Decoys = (int)decoys;
                    break;
                case "/__edit":
                    var edit = JsonNode.Parse(body)!.AsObject();
                    if (edit["beforeNextPut"] is JsonValue later && (bool)later) _state.EditBeforeNextPut = edit;
                    else ApplyEdit(_state, edit);
                    break;
                case "/__sessions":
                    // Issued access tokens too: tests prove none of them reaches an output stream.
                    response.WriteAsync(new JsonObject { ["live"] = _sessions.Count, ["issued"] = new JsonArray(_issued.Select(t => (JsonNode)t!).ToArray()) }.ToJsonString()).GetAwaiter().GetResult();
                    return;
                default:
                    response.StatusCode = 404;
                    return;
            }
            response.WriteAsync("{}").GetAwaiter().GetResult();
        }
    }

    /// <summary>Sets entity.&lt;path&gt; (names and indexes) to value, as an admin's edit in the UI would, and bumps the ETag.</summary>
    private static void ApplyEdit(State state, JsonObject edit)
    {
        JsonNode node = state.Entity["entity"]!;
        var steps = edit["path"]!.AsArray().ToList();
        for (var i = 0; i < steps.Count - 1; i++)
            node = steps[i]!.GetValueKind() == JsonValueKind.Number ? node[(int)steps[i]!]! : node[(string)steps[i]!]!;
        var last = steps[^1]!;
        var value = edit["value"]?.DeepClone();
        if (last.GetValueKind() == JsonValueKind.Number) node[(int)last] = value; else node[(string)last!] = value;
        state.Generation++;
    }

    private string NewToken(string user)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        _sessions[token] = user;
        _issued.Enqueue(token);
        return token;
    }

    private static string Session(string user)
    {
        var at = user.LastIndexOf('@');
        var org = user.Substring(at + 1);
        return new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["site"] = new JsonObject { ["name"] = "test-site", ["id"] = "urn:vcloud:site:1" },
            ["user"] = new JsonObject { ["name"] = user.Substring(0, at), ["id"] = "urn:vcloud:user:" + Guid.NewGuid() },
            ["org"] = new JsonObject { ["name"] = org, ["id"] = "urn:vcloud:org:" + Guid.NewGuid() },
            ["operatingOrg"] = new JsonObject { ["name"] = org, ["id"] = "urn:vcloud:org:" + Guid.NewGuid() },
            ["roles"] = new JsonArray(org.Equals("System", StringComparison.OrdinalIgnoreCase) ? "System Administrator" : "Organization Administrator"),
            ["sessionIdleTimeoutMinutes"] = 30,
        }.ToJsonString();
    }

    private static Dictionary<string, string> Parse(string? list, char separator)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in (list ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var pair = item.Split(separator, 2);
            if (pair.Length == 2) map[pair[0]] = pair[1];
        }
        return map;
    }

    /// <summary>
    /// The vcdKeConfig entity a CSE 4.2 install leaves (the template's fields), plus what this module must carry
    /// through untouched: vcdKeInstances, number formats (1.10, 3600, 1e3, a 20-digit integer), a GitHub token field,
    /// and a field from a future CSE.
    /// </summary>
    private static JsonObject Fixture() => JsonNode.Parse("""
        {
          "id": "urn:vcloud:entity:vmware:VCDKEConfig:5c7a1e52-0b4e-4d0e-9d3f-2f4a1b6c8e01",
          "entityType": "urn:vcloud:type:vmware:VCDKEConfig:1.1.0",
          "name": "vcdKeConfig",
          "externalId": null,
          "entity": {
            "profiles": [
              {
                "name": "production",
                "active": true,
                "serverConfig": { "rdePollIntervalInMin": 1, "heartbeatWatcherTimeoutInMin": 10, "staleHeartbeatIntervalInMin": 30 },
                "vcdKeInstances": [ { "name": "vcd-container-service-extension", "version": "4.2.3", "vcdKeInstanceId": "4b6a0c56-0f4e-4c1f-8a43-b86fd1ea7f29" } ],
                "K8Config": {
                  "certificateAuthorities": [],
                  "cni": { "name": "antrea", "version": "" },
                  "cpi": { "name": "cpi for cloud director", "version": "1.6.1" },
                  "csi": [ { "name": "csi for cloud director", "version": "1.6.1" } ],
                  "mhc": { "maxUnhealthyNodes": 100.0, "nodeStartupTimeout": "900s", "nodeNotReadyTimeout": "300s", "nodeUnknownTimeout": "300s" },
                  "rdeProjectorVersion": "0.7.1"
                },
                "vcdConfig": { "sysLogger": { "host": "", "port": "" } },
                "githubConfig": { "githubPersonalAccessToken": "ghp_FixtureSecretNeverPrinted0123456789" },
                "bootstrapClusterConfig": {
                  "capiEcosystem": {
                    "infraProvider": { "name": "capvcd", "version": "v1.3.2", "capvcdRde": { "nss": "capvcdCluster", "vendor": "vmware", "version": "1.3.0" } },
                    "coreCapiVersion": "v1.5.4",
                    "bootstrapProvider": { "name": "CAPBK", "version": "v1.5.4" },
                    "controlPlaneProvider": { "name": "KCP", "version": "v1.5.4" },
                    "certManagerVersion": "v1.13.2"
                  },
                  "certificateAuthorities": [],
                  "clusterctl": { "version": "v1.5.4", "clusterctlyaml": "" },
                  "dockerVersion": "",
                  "kindVersion": "v0.20.0",
                  "kindestNodeVersion": "v1.27.3",
                  "kubectlVersion": "",
                  "proxyConfig": { "noProxy": "localhost,127.0.0.1,.svc.cluster.local", "httpProxy": "", "httpsProxy": "" },
                  "sizingPolicy": "TKG small"
                },
                "containerRegistryUrl": "projects.registry.vmware.com",
                "futureTuning": { "ratio": 1.10, "leaseSeconds": 3600, "scale": 1e3, "serial": 12345678901234567890, "flags": [true, false, null] }
              }
            ]
          },
          "state": "RESOLVED",
          "owner": { "name": "administrator", "id": "urn:vcloud:user:2b4d6f80-1a3c-4e5f-8a9b-0c1d2e3f4a5b" },
          "org": { "name": "System", "id": "urn:vcloud:org:a93c9db9-7471-3192-8d09-a8f7eeda85f9" }
        }
        """)!.AsObject();
}
