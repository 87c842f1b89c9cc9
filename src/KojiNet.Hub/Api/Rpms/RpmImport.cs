using System.Globalization;
using System.Security.Cryptography;
using KojiNet.Hub.Api.Builds;
using KojiNet.Rpm;
using KojiNet.Rpm.Versions;

namespace KojiNet.Hub.Api.Rpms;

/// <summary>
/// <c>importRPM</c> (what <c>koji import</c> calls): records an uploaded RPM, its signature and its
/// header data, and moves the file into the build's directory.
/// </summary>
internal static class RpmImport
{
    /// <summary>rpm's dependency kinds as Koji's DEP_* numbers.</summary>
    private static readonly (RpmDependencyKind Kind, int Type)[] DepTypes =
    [
        (RpmDependencyKind.Requires, 0), (RpmDependencyKind.Provides, 1), (RpmDependencyKind.Obsoletes, 2),
        (RpmDependencyKind.Conflicts, 3), (RpmDependencyKind.Suggests, 4), (RpmDependencyKind.Enhances, 5),
        (RpmDependencyKind.Supplements, 6), (RpmDependencyKind.Recommends, 7),
    ];

    [KojiMethod("importRPM")]
    internal static async Task<Dictionary<string, object?>> ImportRpm(CallContext ctx, string path, string basename)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        string file;
        try
        {
            file = ctx.Hub.Storage.ResolveWorkPath(path, basename);
        }
        catch (ArgumentException e)
        {
            throw KojiErrors.Generic(e.Message);
        }
        if (!File.Exists(file))
        {
            throw KojiErrors.Generic($"No such file: {Path.Combine(path, basename)}");
        }
        var rpm = Read(file);
        var pkg = rpm.Package;

        // The build: the SRPM's own NVR, or the NVR of the binary's source rpm.
        string bname, bversion, brelease;
        if (pkg.IsSource)
        {
            (bname, bversion, brelease) = (pkg.Name, pkg.Version, pkg.Release);
        }
        else
        {
            var src = pkg.SourceRpm ?? throw KojiErrors.Generic($"No sourcerpm header in {basename}");
            if (!Nvra.TryParse(src.EndsWith(".rpm", StringComparison.Ordinal) ? src[..^4] : src, out var s))
            {
                throw KojiErrors.Generic($"Invalid sourcerpm: {src}");
            }
            (bname, bversion, brelease) = (s.Name, s.Version, s.Release);
        }
        var build = await BuildQueries.ByNvrAsync(ctx, bname, bversion, brelease).ConfigureAwait(false);
        if (build is null || build.Draft)
        {
            if (!pkg.IsSource)
            {
                throw KojiErrors.Generic($"No such build: {bname}-{bversion}-{brelease}");
            }
            var now = ctx.Hub.Now();
            var id = await BuildQueries.NewBuildAsync(ctx, bname, bversion, brelease, (int?)pkg.Epoch, ctx.AssertLogin().UserId,
                draft: false, BuildStates.Complete, now, now).ConfigureAwait(false);
            build = (await BuildQueries.ByIdAsync(ctx, id).ConfigureAwait(false))!;
        }
        var rpmId = await RecordAsync(ctx, rpm, build, buildrootId: null).ConfigureAwait(false);

        var tagIds = await ctx.QueryAsync<int>("SELECT tag_id FROM tag_listing WHERE build_id = @id AND revoke_event IS NULL", new { id = build.Id }).ConfigureAwait(false);
        var eventId = await ctx.GetEventAsync().ConfigureAwait(false);
        foreach (var tagId in tagIds)
        {
            await ctx.ExecuteAsync("INSERT INTO tag_updates (tag_id, update_event, updater_id, update_type) VALUES (@tagId, @eventId, @user, 1)",
                new { tagId, eventId, user = ctx.AssertLogin().UserId }).ConfigureAwait(false);
        }

        // Files last: the database work above is what can still fail.
        var storage = ctx.Hub.Storage;
        var dest = storage.RpmPath(build.Package_Name, build.Version, build.Release, pkg.Name, rpm.Arch);
        Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
        File.Move(file, dest, overwrite: true);
        var sigPath = SigCachePath(storage, build, rpm);
        Directory.CreateDirectory(Path.GetDirectoryName(sigPath)!);
        await File.WriteAllBytesAsync(sigPath, rpm.SignatureHeader).ConfigureAwait(false);

        var row = (await RpmQueries.FindAllAsync(ctx, rpmId).ConfigureAwait(false))[0];
        var result = RpmQueries.ToStruct(row);
        result["build"] = BuildQueries.ToStruct((await BuildQueries.ByIdAsync(ctx, build.Id).ConfigureAwait(false))!);
        result["brootid"] = null;
        return result;
    }

    /// <summary>
    /// Reads an RPM to import: its header must parse and its file name must be Koji's
    /// <c>N-V-R.A.rpm</c> (arch <c>src</c> for source packages); GenericError otherwise.
    /// </summary>
    public static RpmToImport Read(string file)
    {
        var basename = Path.GetFileName(file);
        RpmPackage pkg;
        try
        {
            pkg = RpmPackage.Open(file);
        }
        catch (RpmFormatException e)
        {
            throw KojiErrors.Generic($"Invalid rpm {basename}: {e.Message}");
        }
        var arch = pkg.IsSource ? "src" : pkg.Arch;
        var expected = $"{pkg.Name}-{pkg.Version}-{pkg.Release}.{arch}.rpm";
        if (basename != expected)
        {
            throw KojiErrors.Generic($"bad filename: {basename} (expected {expected})");
        }
        return new RpmToImport(file, pkg, arch);
    }

    /// <summary>
    /// Checks that an RPM belongs to <paramref name="build"/>: a binary's <c>sourcerpm</c>, or the
    /// SRPM's own file name, must be the build's <c>N-V-R.src.rpm</c> (a draft's target release).
    /// </summary>
    public static void CheckBelongsTo(RpmToImport rpm, BuildRow build)
    {
        var release = build.Draft && build.Release.LastIndexOf(",draft_", StringComparison.Ordinal) is var i and >= 0
            ? build.Release[..i]
            : build.Release;
        var srpmName = $"{build.Package_Name}-{build.Version}-{release}.src.rpm";
        var actual = rpm.Package.IsSource ? Path.GetFileName(rpm.File) : rpm.Package.SourceRpm;
        if (actual != srpmName)
        {
            throw KojiErrors.Generic($"srpm mismatch for {rpm.File}: {actual} (expected {srpmName})");
        }
    }

    /// <summary>
    /// Records one RPM of <paramref name="build"/> in the database: the <c>rpminfo</c> row (with its
    /// buildroot), the header data the RPM queries answer from, and the signature header
    /// (<c>rpmsigs</c>). The file itself is not touched. Returns the new rpm id.
    /// </summary>
    public static async Task<int> RecordAsync(CallContext ctx, RpmToImport rpm, BuildRow build, int? buildrootId)
    {
        var pkg = rpm.Package;
        var basename = Path.GetFileName(rpm.File);
        if (build.State is not (BuildStates.Complete or BuildStates.Building))
        {
            throw KojiErrors.Generic($"Build is {BuildStates.Name(build.State)}: {build.Nvr}");
        }
        await BuildQueries.AddTypeAsync(ctx, build.Id, "rpm").ConfigureAwait(false);

        var dup = build.Draft ? null : await ctx.ScalarAsync<int?>("""
            SELECT id FROM rpminfo WHERE name = @Name AND version = @Version AND release = @Release AND arch = @arch
                AND external_repo_id = 0 AND draft = FALSE
            """, new { pkg.Name, pkg.Version, pkg.Release, arch = rpm.Arch }).ConfigureAwait(false);
        if (dup is not null)
        {
            throw KojiErrors.Generic($"Duplicate rpm: {pkg.Name}-{pkg.Version}-{pkg.Release}.{rpm.Arch}");
        }

        var fileInfo = new FileInfo(rpm.File);
        var fileSize = fileInfo.Length;
        var fileMtime = new DateTimeOffset(fileInfo.LastWriteTimeUtc).ToUnixTimeSeconds();
        string sha256;
        await using (var fs = File.OpenRead(rpm.File))
        {
            sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(fs).ConfigureAwait(false));
        }
        var rpmId = await ctx.ExecuteScalarAsync<int>("""
            INSERT INTO rpminfo (build_id, buildroot_id, name, version, release, epoch, arch, draft, external_repo_id,
                                 payloadhash, size, buildtime, metadata_only)
            VALUES (@buildId, @buildrootId, @name, @version, @release, @epoch, @arch, @draft, 0, @payloadhash, @size, @buildtime, FALSE)
            RETURNING id
            """, new
        {
            buildId = build.Id,
            buildrootId,
            name = pkg.Name,
            version = pkg.Version,
            release = pkg.Release,
            epoch = (int?)pkg.Epoch,
            arch = rpm.Arch,
            draft = build.Draft,
            payloadhash = pkg.SigMd5 ?? throw KojiErrors.Generic($"No sigmd5 in {basename}"),
            size = fileSize,
            buildtime = pkg.BuildTime ?? 0,
        }).ConfigureAwait(false);

        await StoreHeaderDataAsync(ctx, rpmId, pkg, fileSize, fileMtime, sha256).ConfigureAwait(false);

        var sighash = Convert.ToHexStringLower(MD5.HashData(rpm.SignatureHeader));
        await ctx.ExecuteAsync("INSERT INTO rpmsigs (rpm_id, sigkey, sighash) VALUES (@rpmId, @sigkey, @sighash)",
            new { rpmId, sigkey = rpm.Sigkey, sighash }).ConfigureAwait(false);
        return rpmId;
    }

    /// <summary>Where the signature header of an imported RPM is cached: <c>data/sigcache/&lt;key&gt;/&lt;arch&gt;/&lt;file&gt;.sig</c>.</summary>
    public static string SigCachePath(Storage.StorageLayout storage, BuildRow build, RpmToImport rpm) =>
        Path.Combine(storage.BuildDir(build.Package_Name, build.Version, build.Release), "data", "sigcache", rpm.Sigkey, rpm.Arch,
            Path.GetFileName(rpm.File) + ".sig");

    private static async Task StoreHeaderDataAsync(CallContext ctx, int rpmId, RpmPackage pkg, long fileSize, long fileMtime, string sha256)
    {
        await ctx.ExecuteAsync("""
            INSERT INTO rpm_header_data (rpm_id, header_start, header_end, file_size, file_sha256, sourcerpm, summary, description,
                license, url, vendor, packager, rpm_group, buildhost, installed_size, archive_size, file_digest_algo, header, file_mtime)
            VALUES (@rpmId, @headerStart, @headerEnd, @fileSize, @sha256, @sourcerpm, @summary, @description, @license, @url,
                @vendor, @packager, @group, @buildhost, @installedSize, @archiveSize, @algo, @header, @fileMtime)
            """, new
        {
            rpmId,
            headerStart = pkg.HeaderStart,
            headerEnd = pkg.HeaderEnd,
            fileSize,
            sha256,
            sourcerpm = pkg.SourceRpm,
            summary = pkg.Summary,
            description = pkg.Description,
            license = pkg.License,
            url = pkg.Url,
            vendor = pkg.Vendor,
            packager = pkg.Packager,
            group = pkg.Group,
            buildhost = pkg.BuildHost,
            installedSize = (long?)pkg.Size,
            archiveSize = (long?)pkg.ArchiveSize,
            algo = (int)pkg.FileDigestAlgorithm,
            header = Convert.ToBase64String(pkg.Header.Bytes),
            fileMtime,
        }).ConfigureAwait(false);

        var files = pkg.GetFiles();
        if (files.Count > 0)
        {
            await ctx.ExecuteAsync("""
                INSERT INTO rpm_files (rpm_id, idx, name, digest, size, flags, username, groupname, mtime, mode, linkto)
                VALUES (@rpmId, @idx, @name, @digest, @size, @flags, @user, @group, @mtime, @mode, @linkto)
                """, files.Select((f, i) => new
            {
                rpmId,
                idx = i,
                name = f.Path,
                digest = f.Digest,
                size = (long)f.Size,
                flags = (int)f.Flags,
                user = f.User,
                group = f.Group,
                mtime = (long)f.MTime,
                mode = (int)f.Mode,
                linkto = f.LinkTarget,
            }).ToList()).ConfigureAwait(false);
        }
        var deps = DepTypes.SelectMany(d => pkg.GetDependencies(d.Kind).Select((dep, i) => new
        {
            rpmId,
            depType = d.Type,
            idx = i,
            name = dep.Name,
            version = dep.Version,
            flags = (int)dep.Flags,
        })).ToList();
        if (deps.Count > 0)
        {
            await ctx.ExecuteAsync("""
                INSERT INTO rpm_deps (rpm_id, dep_type, idx, name, version, flags) VALUES (@rpmId, @depType, @idx, @name, @version, @flags)
                """, deps).ConfigureAwait(false);
        }
        var log = pkg.GetChangelog();
        if (log.Count > 0)
        {
            await ctx.ExecuteAsync("INSERT INTO rpm_changelog (rpm_id, idx, time, author, text) VALUES (@rpmId, @idx, @time, @author, @text)",
                log.Select((c, i) => new { rpmId, idx = i, time = c.Time, author = c.Name, text = c.Text }).ToList()).ConfigureAwait(false);
        }
    }
}

/// <summary>An RPM file read for import, with the arch Koji records (<c>src</c> for source packages).</summary>
internal sealed record RpmToImport(string File, RpmPackage Package, string Arch)
{
    /// <summary>The signature key as imported: <c>''</c> when unsigned, else the short key id.</summary>
    public string Sigkey => Package.PgpSignature?.ShortKeyId ?? "";

    /// <summary>The signature header bytes (what <c>data/sigcache</c> holds).</summary>
    public byte[] SignatureHeader => Package.Signature.ToArray();
}
