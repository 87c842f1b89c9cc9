using System.Globalization;
using KojiNet.Hub.Api;
using KojiNet.Hub.Auth;
using KojiNet.Hub.Storage;
using Microsoft.AspNetCore.Http;

namespace KojiNet.Hub.Http;

/// <summary>
/// The raw upload (protocol.md §9.1): an <c>application/octet-stream</c> POST to the RPC URL
/// whose body is one chunk and whose query string names the destination.
/// </summary>
internal static class FastUpload
{
    // A chunk is normally 1 MiB; refuse absurd ones.
    private const long MaxChunk = 64L * 1024 * 1024;

    public static Task<object?> HandleAsync(HubServices hub, CallDispatcher dispatcher, HttpContext http, RequestInfo request)
    {
        var q = http.Request.Query;
        var name = q["filename"].FirstOrDefault();
        var path = q["filepath"].FirstOrDefault();
        var verify = q["fileverify"].FirstOrDefault() ?? "";
        var overwrite = q["overwrite"].FirstOrDefault() is { Length: > 0 } o && o != "0";
        if (!long.TryParse(q["offset"].FirstOrDefault() ?? "0", NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var offset) || offset < -1)
        {
            throw KojiErrors.Generic($"Invalid upload offset: {q["offset"]}");
        }
        var volume = q["volume"].FirstOrDefault();
        if (volume is not null && volume != "DEFAULT")
        {
            throw KojiErrors.Generic($"No such volume: {volume}");
        }
        return dispatcher.RunAsync("rawUpload", readOnly: false, request, async ctx =>
        {
            if (!ctx.IsLoggedIn)
            {
                throw KojiErrors.NotAllowed("you must be logged-in to upload a file");
            }
            var file = await UploadStore.ResolveAsync(ctx, path, name, create: true).ConfigureAwait(false);
            return await UploadStore.WriteChunkAsync(file, http.Request.Body, offset, overwrite, verify, MaxChunk, http.RequestAborted).ConfigureAwait(false);
        }, http.RequestAborted);
    }
}
