using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace KojiNet.Lookaside.Tests;

/// <summary>The endpoints mapped into another application, as <c>kojinet up</c> hosts them beside the hub.</summary>
public sealed class EmbeddingTests
{
    [Fact]
    public async Task Endpoints_work_under_a_prefix_inside_another_app_with_a_smaller_body_limit()
    {
        var dir = Directory.CreateTempSubdirectory("kojinet-lookaside-embed-").FullName;
        try
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.Listen(System.Net.IPAddress.Loopback, 0);
                // The host's own limit is far below the file; the lookaside raises it for its uploads.
                k.Limits.MaxRequestBodySize = 64 * 1024;
            });
            await using var app = builder.Build();
            app.MapGet("/hello", () => "host app");
            app.MapPost("/echo", async (HttpRequest r) => (await new StreamReader(r.Body).ReadToEndAsync()).Length);
            LookasideEndpoints.Map(app, new LookasideOptions { LookasideDir = Path.Combine(dir, "store") }, "/lookaside/");
            await app.StartAsync();
            var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
            var file = Path.Combine(dir, "big.bin");
            await File.WriteAllBytesAsync(file, new byte[1024 * 1024]);
            var sha512 = Hashes.Of(file);

            var upload = Curl.Upload(url + "/lookaside/repo/pkgs/upload.cgi", "embedded", file);

            Assert.Equal(200, upload.Status);
            Assert.True(File.Exists(Path.Combine(dir, "store", "embedded", "big.bin", "sha512", sha512, "big.bin")));
            Assert.Equal(200, Curl.Run("-o", "/dev/null", $"{url}/lookaside/repo/pkgs/embedded/big.bin/sha512/{sha512}/big.bin").Status);
            Assert.Equal(404, Curl.Run("-o", "/dev/null", $"{url}/repo/pkgs/embedded/big.bin/sha512/{sha512}/big.bin").Status);
            Assert.Equal(new HttpAnswer(200, "host app"), Curl.Run(url + "/hello"));
            // The host's limit still holds for its own endpoints.
            Assert.Equal(413, Curl.Run("-H", "Content-Type: application/octet-stream", "--data-binary", $"@{file}", url + "/echo").Status);
            await app.StopAsync();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
