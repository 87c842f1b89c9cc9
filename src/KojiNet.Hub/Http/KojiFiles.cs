using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace KojiNet.Hub.Http;

/// <summary>
/// <c>/kojifiles</c>: the storage tree served read-only, as Apache serves <c>/mnt/koji</c> for
/// upstream. Koji's relative symlinks inside the tree are followed; a path or link that leaves
/// the tree is refused (404), and directories are listed.
/// </summary>
internal static class KojiFiles
{
    public static void UseKojiFiles(this WebApplication app, string topDir)
    {
        var top = Path.GetFullPath(topDir);
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".rpm"] = "application/x-rpm";
        types.Mappings[".log"] = "text/plain";
        types.Mappings[".spec"] = "text/plain";
        types.Mappings[".repo"] = "text/plain";
        types.Mappings[".xml"] = "text/xml";
        types.Mappings[".gz"] = "application/x-gzip";
        types.Mappings[".zst"] = "application/zstd";
        types.Mappings[".json"] = "application/json";
        app.Map("/kojifiles/{**path}", async (HttpContext http, string? path) =>
        {
            if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
            {
                http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                return;
            }
            var full = Path.GetFullPath(Path.Combine(top, path ?? ""));
            if (!Storage.StorageLayout.IsInside(full, top))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            var resolved = Resolve(full);
            if (resolved is null || !Storage.StorageLayout.IsInside(resolved, Resolve(top) ?? top))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            if (Directory.Exists(resolved))
            {
                if (!(path ?? "").EndsWith('/') && path is { Length: > 0 })
                {
                    http.Response.Redirect(http.Request.PathBase + http.Request.Path + "/");
                    return;
                }
                await WriteListingAsync(http, resolved, path ?? "").ConfigureAwait(false);
                return;
            }
            if (!File.Exists(resolved))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            http.Response.ContentType = types.TryGetContentType(resolved, out var ct) ? ct : "application/octet-stream";
            var info = new FileInfo(resolved);
            http.Response.ContentLength = info.Length;
            if (HttpMethods.IsGet(http.Request.Method))
            {
                await http.Response.SendFileAsync(resolved, http.RequestAborted).ConfigureAwait(false);
            }
        });
    }

    // Follows every symlink along the path; null when something is missing or a link loops.
    private static string? Resolve(string path)
    {
        try
        {
            var current = "/";
            foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                current = Path.Combine(current, part);
                var info = new FileInfo(current);
                if (info.LinkTarget is not null)
                {
                    current = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? current;
                }
            }
            return current;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task WriteListingAsync(HttpContext http, string dir, string relative)
    {
        http.Response.ContentType = "text/html; charset=utf-8";
        var sb = new System.Text.StringBuilder();
        var title = System.Net.WebUtility.HtmlEncode("/kojifiles/" + relative);
        sb.Append("<!DOCTYPE html><html><head><title>Index of ").Append(title).Append("</title></head><body><h1>Index of ")
          .Append(title).Append("</h1><ul>");
        foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            var name = entry.Name + (entry is DirectoryInfo ? "/" : "");
            sb.Append("<li><a href=\"").Append(Uri.EscapeDataString(entry.Name)).Append(entry is DirectoryInfo ? "/" : "").Append("\">")
              .Append(System.Net.WebUtility.HtmlEncode(name)).Append("</a></li>");
        }
        sb.Append("</ul></body></html>");
        await http.Response.WriteAsync(sb.ToString(), http.RequestAborted).ConfigureAwait(false);
    }
}
