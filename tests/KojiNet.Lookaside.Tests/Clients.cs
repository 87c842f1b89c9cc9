using System.Globalization;
using System.Text.Json;
using KojiNet.TestSupport;

namespace KojiNet.Lookaside.Tests;

/// <summary>An HTTP answer as a client saw it (status 0: no complete HTTP answer; the body is then the client's error).</summary>
public sealed record HttpAnswer(int Status, string Body);

/// <summary>
/// curl, as rpkg's pycurl drives libcurl: <c>-F</c> builds the same multipart/form-data
/// (<c>name</c>, <c>sha512sum</c>, <c>file=@path</c>, <c>mtime</c>).
/// </summary>
public static class Curl
{
    public static HttpAnswer Run(params string[] args)
    {
        var result = ExternalTool.Run("curl", ["-sS", "--max-time", "120", "-w", "\n%{http_code}", .. args], timeout: TimeSpan.FromMinutes(3));
        if (result.ExitCode != 0)
        {
            // No complete answer (TLS refused, timed out...): curl's own error instead of a body.
            return new HttpAnswer(0, result.StdErr);
        }
        var cut = result.StdOut.LastIndexOf('\n');
        return new HttpAnswer(int.Parse(result.StdOut[(cut + 1)..], CultureInfo.InvariantCulture), result.StdOut[..cut]);
    }

    /// <summary>rpkg's upload request: name, the checksum field, the file and its mtime.</summary>
    public static HttpAnswer Upload(string url, string name, string path, string hashType = "sha512", string? hash = null, params string[] extra) =>
        Run(["-F", $"name={name}", "-F", $"{hashType}sum={hash ?? Hashes.Of(path, hashType)}", "-F", $"file=@{path}", .. extra, url]);

    /// <summary>rpkg's check request: name, the checksum field and the file name, no file.</summary>
    public static HttpAnswer Check(string url, string name, string fileName, string hash, string hashType = "sha512", params string[] extra) =>
        Run(["-F", $"name={name}", "-F", $"{hashType}sum={hash}", "--form-string", $"filename={fileName}", .. extra, url]);
}

/// <summary>Python's standard library (urllib) as a second, independent HTTP client.</summary>
public static class PythonClient
{
    private const string Prelude = """
        import hashlib, json, ssl, sys, urllib.error, urllib.parse, urllib.request, uuid

        def context(ca=None, cert=None):
            if ca is None:
                return None
            ctx = ssl.create_default_context(cafile=ca)
            if cert:
                ctx.load_cert_chain(cert)
            return ctx

        def send(request, ctx=None):
            try:
                with urllib.request.urlopen(request, context=ctx, timeout=120) as r:
                    return r.status, r.read(), dict(r.headers)
            except urllib.error.HTTPError as e:
                return e.code, e.read(), dict(e.headers)

        def multipart(fields, file=None):
            # fields: list of (name, value); file: (field position, filename, bytes) or None.
            boundary = uuid.uuid4().hex
            parts = []
            items = [(n, v, None) for n, v in fields]
            if file is not None:
                position, filename, data = file
                items.insert(position, ('file', data, filename))
            for name, value, filename in items:
                head = 'Content-Disposition: form-data; name="%s"' % name
                if filename is not None:
                    head += '; filename="%s"\r\nContent-Type: application/octet-stream' % filename
                    body = value
                else:
                    body = value.encode()
                parts.append(b'--' + boundary.encode() + b'\r\n' + head.encode() + b'\r\n\r\n' + body + b'\r\n')
            data = b''.join(parts) + b'--' + boundary.encode() + b'--\r\n'
            return data, 'multipart/form-data; boundary=' + boundary

        def post_multipart(url, fields, file=None, ctx=None):
            data, ctype = multipart(fields, file)
            request = urllib.request.Request(url, data=data, headers={'Content-Type': ctype}, method='POST')
            status, body, _ = send(request, ctx)
            return {'status': status, 'body': body.decode()}

        def post_urlencoded(url, fields, ctx=None):
            data = urllib.parse.urlencode(fields).encode()
            request = urllib.request.Request(url, data=data, method='POST')
            status, body, _ = send(request, ctx)
            return {'status': status, 'body': body.decode()}

        def get(url, method='GET', ctx=None):
            status, body, headers = send(urllib.request.Request(url, method=method), ctx)
            return {'status': status, 'sha512': hashlib.sha512(body).hexdigest(), 'length': len(body),
                    'last_modified': headers.get('Last-Modified'), 'content_length': headers.get('Content-Length')}

        def emit(value):
            json.dump(value, sys.stdout)

        """;

    /// <summary>Runs a snippet after the helpers above; returns what it passed to <c>emit()</c>.</summary>
    public static JsonElement Run(string body)
    {
        var output = ExternalTool.RunChecked(ExternalTool.SystemPython, ["-c", Prelude + body]);
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    /// <summary>A string as a Python literal.</summary>
    public static string Py(string s) => JsonSerializer.Serialize(s);
}

public static class Hashes
{
    public static string Of(string path, string hashType = "sha512")
    {
        using var stream = File.OpenRead(path);
        var digest = hashType switch
        {
            "md5" => System.Security.Cryptography.MD5.HashData(stream),
            "sha1" => System.Security.Cryptography.SHA1.HashData(stream),
            "sha256" => System.Security.Cryptography.SHA256.HashData(stream),
            "sha512" => System.Security.Cryptography.SHA512.HashData(stream),
            _ => throw new ArgumentException($"hash type {hashType}", nameof(hashType)),
        };
        return Convert.ToHexStringLower(digest);
    }

    /// <summary>The digest as the coreutils tool prints it, to check ours against an independent implementation.</summary>
    public static string ByCoreutils(string path, string hashType = "sha512") =>
        ExternalTool.RunChecked($"{hashType}sum", [path]).Split(' ')[0];
}
