using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KojiNet.Lookaside;

/// <summary>
/// The lookaside's HTTP endpoints, mappable into any ASP.NET Core application (the standalone
/// <see cref="LookasideHost"/>, or the hub's process under <c>kojinet up</c>):
/// <list type="bullet">
/// <item><c>POST {prefix}/repo/pkgs/upload.cgi</c>: dist-git's upload and check requests;</item>
/// <item><c>GET|HEAD {prefix}/repo/pkgs/&lt;name&gt;/&lt;filename&gt;/&lt;hashtype&gt;/&lt;hash&gt;/&lt;filename&gt;</c>
/// and the old md5 form <c>{prefix}/repo/pkgs/&lt;name&gt;/&lt;filename&gt;/&lt;md5&gt;/&lt;filename&gt;</c>: downloads.</item>
/// </list>
/// Client certificates, when <see cref="LookasideOptions.RequireClientCertificate"/> is set, are
/// taken from the connection: the hosting server must request them and check them against its CA.
/// </summary>
public static class LookasideEndpoints
{
    /// <summary>The path of the upload script below the prefix, as fedpkg's <c>lookaside_cgi</c> names it.</summary>
    public const string UploadPath = "/repo/pkgs/upload.cgi";

    /// <summary>The download root below the prefix, as fedpkg's <c>lookaside</c> URL names it.</summary>
    public const string DownloadPath = "/repo/pkgs";

    /// <summary>Maps the upload and download endpoints under <paramref name="prefix"/> (e.g. <c>""</c> or <c>"/lookaside"</c>).</summary>
    /// <returns>The group of the lookaside's endpoints, for further conventions.</returns>
    /// <exception cref="InvalidOperationException">The options have no storage directory.</exception>
    public static RouteGroupBuilder Map(IEndpointRouteBuilder app, LookasideOptions options, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(options);
        var store = new LookasideStore(options.StorageRoot);
        var logger = app.ServiceProvider.GetService<ILoggerFactory>()?.CreateLogger("KojiNet.Lookaside") ?? NullLogger.Instance;
        var upload = new UploadHandler(options, store, logger);
        var group = app.MapGroup(prefix.TrimEnd('/'));
        group.MapPost(UploadPath, upload.HandleAsync);
        group.MapMethods(DownloadPath + "/{**path}", [HttpMethods.Get, HttpMethods.Head],
            (HttpContext context, string? path) => Download(context, store, path ?? ""));
        return group;
    }

    private static Task Download(HttpContext context, LookasideStore store, string path)
    {
        if (Resolve(store, path) is not { } file)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = "text/plain; charset=utf-8";
            return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync("Not Found\n", context.RequestAborted);
        }
        return Results.File(file.FullName, "application/octet-stream", lastModified: file.LastWriteTimeUtc, enableRangeProcessing: true)
            .ExecuteAsync(context);
    }

    /// <summary>The stored file a download path names, or null when the path is not one or the file is absent.</summary>
    internal static FileInfo? Resolve(LookasideStore store, string path)
    {
        var segments = path.Split('/');
        if (segments.Length < 4)
        {
            return null;
        }
        var fileName = segments[^1];
        var hash = segments[^2];
        string module;
        LookasideHashType type;
        if (segments.Length >= 5 && LookasideHashType.FromName(segments[^3]) is { } named && segments[^4] == fileName)
        {
            module = string.Join('/', segments[..^4]);
            type = named;
        }
        else if (segments[^3] == fileName)
        {
            module = string.Join('/', segments[..^3]);
            type = LookasideHashType.Md5;
        }
        else
        {
            return null;
        }
        return LookasideNames.IsValidModule(module) && LookasideNames.IsValidFileName(fileName) && type.IsWellFormed(hash)
            ? store.Find(module, fileName, type, hash)
            : null;
    }
}
