using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace CseAirgap.TestServer;

/// <summary>
/// Issues the JWTs a distribution registry with `auth: token` verifies, the way Harbor and the VMware public
/// registry behave: anyone may pull; a known user with the right password may also push (unless pull-only);
/// a wrong password is refused outright. Tokens carry the signing certificate in `x5c`. Served over TLS when given the
/// run's server certificate (`--tls-cert`, `--tls-key`), as Harbor's token service is: clients send credentials to a
/// token realm only over HTTPS.
/// </summary>
internal sealed class TokenService(Options options)
{
    public Task RunAsync(CancellationToken stop)
    {
        var key = RSA.Create();
        key.ImportFromPem(File.ReadAllText(options["key"]));
        var cert = X509Certificate2.CreateFromPem(File.ReadAllText(options["cert"]));
        var users = ParseUsers(Environment.GetEnvironmentVariable("CSEAIRGAP_TOKEN_USERS") ?? "");
        var tls = options.Get("tls-cert") is { } tlsCert ? KestrelHost.LoadCertificate(tlsCert, options["tls-key"]) : null;
        return KestrelHost.RunAsync([new KestrelHost.Port(int.Parse(options["port"]), tls)], context => AnswerAsync(context, key, cert, users), stop);
    }

    private async Task AnswerAsync(HttpContext context, RSA key, X509Certificate2 cert, Dictionary<string, (string Password, bool CanPush)> users)
    {
        var response = context.Response;
        if (context.Request.Path == "/health")
        {
            response.StatusCode = 200;
            return;
        }
        string subject = "";
        var canPush = false;
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header.Substring(6))).Split(':', 2);
            if (pair.Length != 2 || !users.TryGetValue(pair[0], out var user) || user.Password != pair[1])
            {
                response.StatusCode = 401;
                return;
            }
            subject = pair[0];
            canPush = user.CanPush;
        }

        var access = new List<object>();
        var first = true;
        foreach (var scope in context.Request.Query["scope"])
        {
            foreach (var one in (scope ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var secondary = !first;
                first = false;
                var parts = one.Split(':');
                if (parts.Length < 3) continue;
                var type = parts[0];
                var name = string.Join(":", parts.Skip(1).Take(parts.Length - 2));
                var asked = parts[^1].Split(',');
                // Like a Harbor project that does not exist: nobody may push under "locked/".
                // Like a project the account cannot read from elsewhere: a repository under "sealed/" is never
                // granted as the second scope of a request, which is how a client asks to mount from it.
                var granted = asked.Where(a => type == "repository" && !(secondary && name.StartsWith("sealed/"))
                                               && (a == "pull" || ((a == "push" || a == "delete") && canPush && !name.StartsWith("locked/")))
                                            || type == "registry" && subject.Length > 0).ToArray();
                access.Add(new { type, name, actions = granted });
            }
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var lifetime = int.TryParse(options.Get("lifetime"), out var l) ? l : 300;
        var jwtHeader = new Dictionary<string, object> { ["typ"] = "JWT", ["alg"] = "RS256", ["x5c"] = new[] { Convert.ToBase64String(cert.RawData) } };
        var service = context.Request.Query["service"].ToString();
        var claims = new Dictionary<string, object>
        {
            ["iss"] = options["issuer"],
            ["sub"] = subject,
            ["aud"] = service.Length > 0 ? service : options["service"],
            ["exp"] = now + lifetime,
            ["nbf"] = now - 10,
            ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        };
        var signingInput = Base64Url(JsonSerializer.SerializeToUtf8Bytes(jwtHeader)) + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var token = signingInput + "." + Base64Url(signature);
        var body = JsonSerializer.SerializeToUtf8Bytes(new { token, access_token = token, expires_in = lifetime, issued_at = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'") });
        response.StatusCode = 200;
        response.ContentType = "application/json";
        await response.Body.WriteAsync(body);
    }

    private static Dictionary<string, (string, bool)> ParseUsers(string spec)
    {
        var users = new Dictionary<string, (string, bool)>();
        foreach (var entry in spec.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = entry.Split(':');
            users[parts[0]] = (parts[1], parts.Length < 3 || parts[2] != "pull");
        }
        return users;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
