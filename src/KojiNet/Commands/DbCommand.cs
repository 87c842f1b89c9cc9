using System.CommandLine;
using KojiNet.Hub.Data;

namespace KojiNet.Commands;

/// <summary><c>kojinet db</c>: schema management.</summary>
internal static class DbCommand
{
    public static Command Create()
    {
        var config = new HubConfigOptions();
        var db = new Command("db", "Database schema management");
        var migrate = new Command("migrate", "Create the schema or upgrade it to this version");
        config.AddTo(migrate);
        migrate.SetAction(async (parse, cancellationToken) =>
        {
            var cfg = config.Load(parse, "kojinet db migrate");
            if (cfg is null)
            {
                return 2;
            }
            await using var database = KojiDatabase.FromOptions(cfg.Database);
            var applied = await SchemaMigrator.MigrateAsync(database, cancellationToken).ConfigureAwait(false);
            Console.WriteLine(applied.Count == 0
                ? $"schema is up to date (version {SchemaMigrator.LatestVersion})"
                : $"applied migrations {string.Join(", ", applied)}; schema version {SchemaMigrator.LatestVersion}");
            return 0;
        });
        db.Subcommands.Add(migrate);
        return db;
    }
}
