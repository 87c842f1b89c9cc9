using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace KojiNet.Lookaside;

/// <summary>
/// <c>upload.cgi</c> as dist-git answers it. The form (multipart, as rpkg and <c>curl -F</c> send
/// it, or url-encoded for checks) carries <c>name</c>, a checksum field (<c>sha512sum</c>,
/// <c>sha256sum</c>, <c>sha1sum</c> or <c>md5sum</c>) and either <c>filename</c> (a check:
/// the answer is <c>Available</c> or <c>Missing</c>) or <c>file</c> (an upload, with an optional
/// <c>mtime</c>). The file is streamed to a temporary file while it is hashed; it is renamed into
/// place only when the hash matches. Answers are <c>text/plain</c> lines with dist-git's texts
/// and status codes.
/// </summary>
internal sealed partial class UploadHandler(LookasideOptions options, LookasideStore store, ILogger logger)
{
    /// <summary>The longest value of a form field other than the file.</summary>
    private const int FieldLimit = 64 * 1024;

    /// <summary>Room for the form fields and multipart framing around the file.</summary>
    private const long FormOverhead = 1024 * 1024;

    public async Task HandleAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var form = new Form();
        try
        {
            var user = await AuthenticateAsync(context, cancellationToken).ConfigureAwait(false);
            LimitBody(context);
            await ReadFormAsync(context.Request, form, cancellationToken).ConfigureAwait(false);
            var (status, text) = await ProcessAsync(form, user, cancellationToken).ConfigureAwait(false);
            await WriteAsync(context, status, text, cancellationToken).ConfigureAwait(false);
        }
        catch (UploadRefusedException e)
        {
            LogRefused(logger, e.StatusCode, e.Message);
            await WriteAsync(context, e.StatusCode, e.Message, cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own limits (request body size, data rate) and malformed requests.
            LogRefused(logger, e.StatusCode, e.Message);
            await WriteAsync(context, e.StatusCode, e.Message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            LogAborted(logger, e.Message);
        }
        finally
        {
            if (form.File is { TempPath.Length: > 0 } file)
            {
                File.Delete(file.TempPath);
            }
        }
    }

    private async Task<string> AuthenticateAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var cert = await context.Connection.GetClientCertificateAsync(cancellationToken).ConfigureAwait(false);
        if (cert is not null)
        {
            return cert.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        }
        if (options.RequireClientCertificate)
        {
            throw new UploadRefusedException(StatusCodes.Status403Forbidden, "You must connect with a valid certificate to upload.");
        }
        return "anonymous";
    }

    /// <summary>Sets this request's body limit from max_upload_size, whatever the host's default is.</summary>
    private void LimitBody(HttpContext context)
    {
        long? limit = options.MaxUploadSize == 0 ? null : options.MaxUploadSize + FormOverhead;
        if (limit is not null && context.Request.ContentLength > limit)
        {
            throw TooLarge();
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }
    }

    private UploadRefusedException TooLarge() => new(StatusCodes.Status413PayloadTooLarge,
        string.Create(CultureInfo.InvariantCulture, $"File is too large: the limit is {options.MaxUploadSize} bytes."));

    private async Task<(int Status, string Text)> ProcessAsync(Form form, string user, CancellationToken cancellationToken)
    {
        var name = form.Single("name").Trim('/');
        var type = LookasideHashType.All.FirstOrDefault(t => form.Fields.ContainsKey(t.FieldName))
            ?? throw new UploadRefusedException(StatusCodes.Status400BadRequest, "Required checksum is not present");
        var hash = form.Single(type.FieldName);

        // A form with a file name is a check; one without is an upload and names its file itself.
        var isCheck = form.Fields.ContainsKey("filename");
        string fileName;
        if (isCheck)
        {
            fileName = LookasideNames.BaseName(form.Single("filename"));
        }
        else if (form.FileCount > 1)
        {
            throw new UploadRefusedException(StatusCodes.Status400BadRequest, "Multiple values given for \"file\". Aborting.");
        }
        else if (form.File is { } upload)
        {
            fileName = LookasideNames.BaseName(upload.FileName);
        }
        else if (form.Fields.ContainsKey("file"))
        {
            throw new UploadRefusedException(StatusCodes.Status400BadRequest, "No file given for upload. Aborting.");
        }
        else
        {
            throw new UploadRefusedException(StatusCodes.Status400BadRequest, "Required field \"file\" is not present.");
        }

        if (options.DefaultNamespace is { Length: > 0 } ns && !name.Contains('/', StringComparison.Ordinal))
        {
            name = $"{ns}/{name}";
        }
        if (!LookasideNames.IsValidModule(name))
        {
            throw new UploadRefusedException(StatusCodes.Status400BadRequest, $"Invalid module name \"{name}\".");
        }
        if (!LookasideNames.IsValidFileName(fileName))
        {
            throw new UploadRefusedException(StatusCodes.Status400BadRequest, $"Invalid file name \"{fileName}\".");
        }
        if (options.GitRootDir is { Length: > 0 } gitRoot && !Directory.Exists(Path.Combine(gitRoot, name + ".git")))
        {
            throw new UploadRefusedException(StatusCodes.Status404NotFound, $"Module \"{name}\" does not exist!");
        }

        var wellFormed = type.IsWellFormed(hash);
        var existing = wellFormed ? store.Find(name, fileName, type, hash) : null;
        if (isCheck)
        {
            LogChecked(logger, user, name, fileName, type.Name, hash, existing is not null);
            return (StatusCodes.Status200OK, existing is null ? "Missing" : "Available");
        }

        var file = form.File!;
        var actual = file.HashedAs == type ? file.Hash! : await type.HashFileAsync(file.TempPath, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(actual, hash, StringComparison.Ordinal))
        {
            throw new UploadRefusedException(StatusCodes.Status400BadRequest,
                $"{type.Name.ToUpperInvariant()} check failed. Received {actual} instead of {hash}.");
        }
        var relative = LookasideStore.RelativePath(name, fileName, type, hash);
        if (existing is not null)
        {
            LogAlreadyPresent(logger, user, relative);
            return (StatusCodes.Status200OK, AlreadyExists(fileName, relative, existing.Length));
        }
        if (type == LookasideHashType.Md5 && options.NoMd5)
        {
            throw new UploadRefusedException(StatusCodes.Status406NotAcceptable, "Uploads with md5 are no longer allowed.");
        }
        DateTime? mtime = null;
        if (form.Fields.ContainsKey("mtime"))
        {
            var text = form.Single("mtime");
            mtime = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds)
                && seconds is >= 0 and < 253402300800
                ? DateTime.UnixEpoch.AddSeconds(seconds)
                : throw new UploadRefusedException(StatusCodes.Status400BadRequest, $"Invalid value sent for mtime \"{text}\". Aborting.");
        }

        var destination = store.PathOf(name, fileName, type, hash);
        if (!store.Commit(file.TempPath, destination))
        {
            LogAlreadyPresent(logger, user, relative);
            return (StatusCodes.Status200OK, AlreadyExists(fileName, relative, new FileInfo(destination).Length));
        }
        if (mtime is { } when)
        {
            File.SetLastWriteTimeUtc(destination, when);
        }
        LogStored(logger, user, relative, file.Size);
        return (StatusCodes.Status200OK, string.Create(CultureInfo.InvariantCulture,
            $"File {fileName} size {file.Size} {type.Name.ToUpperInvariant()} {hash} stored OK"));
    }

    private static string AlreadyExists(string fileName, string relative, long size) =>
        string.Create(CultureInfo.InvariantCulture, $"File {fileName} already exists\nFile: {relative} Size: {size}");

    private static async Task WriteAsync(HttpContext context, int status, string text, CancellationToken cancellationToken)
    {
        if (context.Response.HasStarted)
        {
            return;
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(text + "\n", cancellationToken).ConfigureAwait(false);
    }

    private async Task ReadFormAsync(HttpRequest request, Form form, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType))
        {
            return;
        }
        if (mediaType.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            var reader = new FormReader(request.Body)
            {
                ValueCountLimit = 64,
                KeyLengthLimit = 256,
                ValueLengthLimit = FieldLimit,
            };
            try
            {
                foreach (var (key, values) in await reader.ReadFormAsync(cancellationToken).ConfigureAwait(false))
                {
                    foreach (var value in values)
                    {
                        form.Add(key, value ?? "");
                    }
                }
            }
            catch (InvalidDataException e)
            {
                throw new UploadRefusedException(StatusCodes.Status400BadRequest, e.Message);
            }
            return;
        }
        if (!mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }
        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            throw new UploadRefusedException(StatusCodes.Status400BadRequest, "The multipart form has no boundary.");
        }
        var multipart = new MultipartReader(boundary, request.Body) { BodyLengthLimit = null };
        try
        {
            while (await multipart.ReadNextSectionAsync(cancellationToken).ConfigureAwait(false) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                var fieldName = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value
                    : disposition.FileName.HasValue ? HeaderUtilities.RemoveQuotes(disposition.FileName).Value
                    : null;
                if (fieldName == "file" && fileName is not null)
                {
                    form.FileCount++;
                    if (form.FileCount == 1)
                    {
                        form.File = new UploadedFile(fileName);
                        await ReceiveFileAsync(section.Body, form.File, form.PreferredHashType(), cancellationToken).ConfigureAwait(false);
                    }
                    continue;
                }
                form.Add(fieldName, await ReadFieldAsync(fieldName, section.Body, cancellationToken).ConfigureAwait(false));
            }
        }
        catch (InvalidDataException e)
        {
            throw new UploadRefusedException(StatusCodes.Status400BadRequest, $"Malformed multipart form: {e.Message}");
        }
    }

    private static async Task<string> ReadFieldAsync(string name, Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[FieldLimit + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
        {
            length += read;
        }
        if (length > FieldLimit)
        {
            throw new UploadRefusedException(StatusCodes.Status400BadRequest, $"Field \"{name}\" is too long.");
        }
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    /// <summary>Streams the file part to a temporary file, hashing it on the way when the checksum type is already known.</summary>
    private async Task ReceiveFileAsync(Stream body, UploadedFile file, LookasideHashType? type, CancellationToken cancellationToken)
    {
        using var hash = type?.CreateHash();
        var buffer = new byte[LookasideStore.BufferSize];
        await using (var output = store.CreateTemp(out var tempPath))
        {
            file.TempPath = tempPath;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                file.Size += read;
                if (options.MaxUploadSize != 0 && file.Size > options.MaxUploadSize)
                {
                    throw TooLarge();
                }
                hash?.AppendData(buffer, 0, read);
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
            // On disk before it is renamed into place, so a crash never leaves a short file under its hash.
            output.Flush(flushToDisk: true);
        }
        if (hash is not null)
        {
            file.HashedAs = type;
            file.Hash = Convert.ToHexStringLower(hash.GetHashAndReset());
        }
    }

    private sealed class Form
    {
        public Dictionary<string, List<string>> Fields { get; } = new(StringComparer.Ordinal);

        public UploadedFile? File { get; set; }

        public int FileCount { get; set; }

        public void Add(string name, string value)
        {
            if (!Fields.TryGetValue(name, out var values))
            {
                Fields[name] = values = [];
            }
            values.Add(value);
        }

        /// <summary>A field's only value; a missing or repeated field is refused with dist-git's messages.</summary>
        public string Single(string name) => Fields.GetValueOrDefault(name) switch
        {
            null => throw new UploadRefusedException(StatusCodes.Status400BadRequest, $"Required field \"{name}\" is not present."),
            [var one] => one,
            _ => throw new UploadRefusedException(StatusCodes.Status400BadRequest, $"Multiple values given for \"{name}\". Aborting."),
        };

        /// <summary>The checksum type the fields read so far ask for.</summary>
        public LookasideHashType? PreferredHashType() =>
            LookasideHashType.All.FirstOrDefault(t => Fields.ContainsKey(t.FieldName));
    }

    private sealed class UploadedFile(string fileName)
    {
        public string FileName { get; } = fileName;

        public string TempPath { get; set; } = "";

        public long Size { get; set; }

        public LookasideHashType? HashedAs { get; set; }

        public string? Hash { get; set; }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "[user={User}] stored {Path} ({Size} bytes)")]
    private static partial void LogStored(ILogger logger, string user, string path, long size);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "[user={User}] {Path} already present")]
    private static partial void LogAlreadyPresent(ILogger logger, string user, string path);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "[user={User}] check {Name} {FileName} {HashType} {Hash}: available={Available}")]
    private static partial void LogChecked(ILogger logger, string user, string name, string fileName, string hashType, string hash, bool available);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "upload refused ({Status}): {Reason}")]
    private static partial void LogRefused(ILogger logger, int status, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "upload aborted by the client: {Reason}")]
    private static partial void LogAborted(ILogger logger, string reason);
}

/// <summary>An upload.cgi request answered with an error status and a one-line text.</summary>
internal sealed class UploadRefusedException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
