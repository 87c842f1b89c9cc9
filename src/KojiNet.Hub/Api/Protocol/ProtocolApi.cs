using KojiNet.Hub.Api.Users;
using KojiNet.Hub.Storage;

namespace KojiNet.Hub.Api.Protocol;

/// <summary>Introspection, trivial methods and uploads (protocol.md §7, §9).</summary>
internal static class ProtocolApi
{
    [KojiMethod("getAPIVersion", ReadOnly = true)]
    public static int GetApiVersion() => HubServices.ApiVersion;

    [KojiMethod("getKojiVersion", ReadOnly = true)]
    public static string GetKojiVersion() => HubServices.KojiVersion;

    [KojiMethod("hello", ReadOnly = true)]
    public static string Hello(VarArgs args) => "Hello World";

    [KojiMethod("echo", ReadOnly = true)]
    public static IReadOnlyList<object?> Echo(VarArgs args) => args.Values;

    [KojiMethod("fault", ReadOnly = true)]
    public static object Fault() => throw new XmlRpc.XmlRpcFaultException(XmlRpc.KojiFaultCode.Unexpected, "<class 'Exception'>: test exception");

    [KojiMethod("error", ReadOnly = true)]
    public static object Error() => throw KojiErrors.Generic("test error");

    [KojiMethod("mavenEnabled", ReadOnly = true)]
    public static bool MavenEnabled(CallContext ctx) => ctx.Hub.Config.Operation.EnableMaven;

    [KojiMethod("winEnabled", ReadOnly = true)]
    public static bool WinEnabled(CallContext ctx) => ctx.Hub.Config.Operation.EnableWin;

    [KojiMethod("system.listMethods", ReadOnly = true)]
    public static IReadOnlyList<string> ListMethods(CallContext ctx) => ctx.Hub.Methods.All.Select(m => m.Name).ToList();

    [KojiMethod("system.methodSignature", ReadOnly = true)]
    public static string MethodSignature(string method) => "signatures not supported";

    [KojiMethod("system.methodHelp", ReadOnly = true)]
    public static string MethodHelp(CallContext ctx, string method) => ctx.Hub.Methods.Find(method)?.Help() ?? "";

    [KojiMethod("_listapi", ReadOnly = true)]
    public static IReadOnlyList<Dictionary<string, object?>> ListApi(CallContext ctx) =>
        ctx.Hub.Methods.All.Select(m => m.ToListApiEntry()).ToList();

    [KojiMethod("showSession", ReadOnly = true)]
    public static string ShowSession(CallContext ctx) => ctx.Session is { } s
        ? $"session {s.Id}: {{'user_id': {s.UserId}, 'authtype': {s.AuthType}, 'exclusive': {(s.Exclusive ? "True" : "False")}, 'master': {UserQueries.Repr(s.Master)}}}"
        : ctx.Hub.Config.Auth.DisableURLSessions
            ? "session: not logged in (no Koji-Session-* headers)"
            : "session: not logged in (no session header or session args)";

    [KojiMethod("getLoggedInUser", ReadOnly = true)]
    public static async Task<Dictionary<string, object?>?> GetLoggedInUser(CallContext ctx)
    {
        if (ctx.Session is not { } s || await UserQueries.ByIdAsync(ctx, s.UserId).ConfigureAwait(false) is not { } user)
        {
            return null;
        }
        var result = await UserQueries.ToStructAsync(ctx, user).ConfigureAwait(false);
        result["authtype"] = s.AuthType;
        result["krb_principal"] = ((IReadOnlyList<string>)result["krb_principals"]!).FirstOrDefault();
        return result;
    }

    [KojiMethod("checkUpload", ReadOnly = true)]
    public static async Task<Dictionary<string, object?>?> CheckUpload(CallContext ctx, string path, string name, string? verify = null, long? tail = null, string? volume = null)
    {
        ctx.AssertLogin();
        CheckVolume(volume);
        var file = await UploadStore.ResolveAsync(ctx, path, name, create: false).ConfigureAwait(false);
        return await UploadStore.CheckAsync(file, verify, tail).ConfigureAwait(false);
    }

    [KojiMethod("uploadFile")]
    public static async Task<bool> UploadFile(CallContext ctx, string path, string name, object? size, object? md5sum, object? offset, string data, string? volume = null, object? checksum = null)
    {
        if (!ctx.IsLoggedIn)
        {
            throw KojiErrors.NotAllowed("you must be logged-in to upload a file");
        }
        CheckVolume(volume);
        var file = await UploadStore.ResolveAsync(ctx, path, name, create: true).ConfigureAwait(false);
        var total = ToLong(size, "size");
        var at = ToLong(offset, "offset");
        var (algo, expected) = (checksum ?? md5sum) switch
        {
            null => ((string?)null, (string?)null),
            string s => ("md5", s),
            IReadOnlyList<object?> { Count: 2 } l when l[0] is string a && l[1] is string h => (a, h),
            var other => throw KojiErrors.Generic($"Invalid checksum: {UserQueries.Repr(other)}"),
        };
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(data);
        }
        catch (FormatException)
        {
            throw KojiErrors.Generic("Invalid base64 upload data");
        }
        if (at == 0 && File.Exists(file) && !file.EndsWith(".log", StringComparison.Ordinal))
        {
            throw KojiErrors.Generic("file already exists");
        }
        var hasher = algo is null ? null : UploadStore.Hasher.Create(algo);
        await using (var fs = new FileStream(file, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            if (at == -1)
            {
                // Final call: trim to the announced size and verify the whole file.
                if (fs.Length < total)
                {
                    return false;
                }
                fs.SetLength(total);
                if (hasher is not null)
                {
                    fs.Seek(0, SeekOrigin.Begin);
                    var buffer = new byte[1 << 16];
                    int n;
                    while ((n = await fs.ReadAsync(buffer).ConfigureAwait(false)) > 0)
                    {
                        hasher.Append(buffer.AsSpan(0, n));
                    }
                    return string.Equals(hasher.HexDigest(), expected, StringComparison.OrdinalIgnoreCase);
                }
                return true;
            }
            if (bytes.Length != total)
            {
                return false;
            }
            if (hasher is not null)
            {
                hasher.Append(bytes);
                if (!string.Equals(hasher.HexDigest(), expected, StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }
            }
            fs.Seek(at, SeekOrigin.Begin);
            await fs.WriteAsync(bytes).ConfigureAwait(false);
        }
        return true;
    }

    private static void CheckVolume(string? volume)
    {
        if (volume is not null && volume != "DEFAULT")
        {
            throw KojiErrors.Generic($"No such volume: {volume}");
        }
    }

    private static long ToLong(object? value, string name) => value switch
    {
        int i => i,
        long l => l,
        string s when long.TryParse(s, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var l) => l,
        _ => throw KojiErrors.Generic($"Invalid {name}: {UserQueries.Repr(value)}"),
    };
}
