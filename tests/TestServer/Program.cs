// Usage:
//   TestServer token  --port P --issuer I --service S --key key.pem --cert cert.pem
//                     users from CSEAIRGAP_TOKEN_USERS ("user:password;user2:password2"; "user:password:pull" = pull only)
//                     [--tls-cert server.crt --tls-key server.key]: served over TLS
//   TestServer proxy  --port P --upstream http://127.0.0.1:Q --fault drop|corrupt|503|429|slow|413 --count N
//   TestServer shape  --port P --upstream https://127.0.0.1:Q [--delay-ms 40 --flow-mbit 40 --link-mbit 200 --burst-kib 64]:
//                     a WAN link in front of a registry, for the benchmark (see ShapingProxy)
//   TestServer hostile --port P --other-port Q --upstream http://127.0.0.1:R --mode M [--seed N ...] (see HostileRegistry)
//   TestServer vcd    --port P --cert server.crt --key server.key: a VMware Cloud Director's cloudapi for CSE's
//                     configuration (see VcdServer); users from CSEAIRGAP_VCD_USERS, API tokens from CSEAIRGAP_VCD_TOKENS
using CseAirgap.TestServer;

var options = Options.Parse(args.Skip(1).ToArray());
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();

switch (args.FirstOrDefault())
{
    case "token":
        await new TokenService(options).RunAsync(stop.Token);
        break;
    case "proxy":
        await new FaultProxy(options).RunAsync(stop.Token);
        break;
    case "shape":
        await new ShapingProxy(options).RunAsync(stop.Token);
        break;
    case "hostile":
        await new HostileRegistry(options).RunAsync(stop.Token);
        break;
    case "static": await new StaticRegistry(options).RunAsync(stop.Token); break;
    case "vcd":
        await new VcdServer(options).RunAsync(stop.Token);
        break;
    default:
        Console.Error.WriteLine("usage: TestServer token|proxy|shape|hostile|static|vcd --port P ...");
        return 2;
}
return 0;

namespace CseAirgap.TestServer
{
    internal sealed class Options
    {
        private readonly Dictionary<string, string> _values = new();

        public static Options Parse(string[] args)
        {
            var o = new Options();
            for (var i = 0; i + 1 < args.Length; i += 2) o._values[args[i].TrimStart('-')] = args[i + 1];
            return o;
        }

        public string this[string name] => _values.TryGetValue(name, out var v) ? v : throw new ArgumentException($"--{name} is required");
        public string? Get(string name) => _values.TryGetValue(name, out var v) ? v : null;
    }
}
