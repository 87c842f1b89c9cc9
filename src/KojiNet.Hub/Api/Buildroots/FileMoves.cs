namespace KojiNet.Hub.Api.Buildroots;

/// <summary>
/// The file side of an import (spec/builder.md §10.5, §20): uploaded files moved from
/// <c>work/</c> to their final place with a relative symlink left behind, and new files written
/// (signature headers). Everything is planned and checked first, then applied; when applying
/// fails midway, or when the call's transaction is not committed afterwards, what was done is
/// undone, so a failed import leaves the files where they were.
/// </summary>
internal sealed class FileMoves
{
    private abstract record Step(string Destination);

    private sealed record MoveStep(string Source, string Destination, string ExistsMessage) : Step(Destination);

    private sealed record WriteStep(string Destination, byte[] Content) : Step(Destination);

    private readonly List<Step> _steps = [];
    private readonly List<Action> _undo = [];
    private readonly List<string> _createdDirs = [];

    /// <summary>Plans moving <paramref name="source"/> to <paramref name="destination"/>, leaving a relative symlink at the source.</summary>
    /// <param name="existsMessage">The fault text when the destination exists (<c>{0}</c> = the destination).</param>
    public void MoveAndLink(string source, string destination, string existsMessage) =>
        _steps.Add(new MoveStep(source, destination, existsMessage));

    /// <summary>Plans writing a new file (an existing one is replaced, and restored on undo).</summary>
    public void Write(string destination, byte[] content) => _steps.Add(new WriteStep(destination, content));

    /// <summary>
    /// Checks the plan without touching anything: every source is a regular file (not a symlink
    /// left by an earlier import), no destination exists and no two moves share a destination.
    /// GenericError otherwise.
    /// </summary>
    public void Check()
    {
        var destinations = new HashSet<string>(StringComparer.Ordinal);
        foreach (var step in _steps)
        {
            if (step is MoveStep move)
            {
                var info = new FileInfo(move.Source);
                if (info.LinkTarget is not null || !info.Exists)
                {
                    throw KojiErrors.Generic($"Error importing file, {move.Source} is not a regular file");
                }
                if (File.Exists(move.Destination) || Directory.Exists(move.Destination) || new FileInfo(move.Destination).LinkTarget is not null
                    || !destinations.Add(move.Destination))
                {
                    throw KojiErrors.Generic(string.Format(System.Globalization.CultureInfo.InvariantCulture, move.ExistsMessage, move.Destination));
                }
            }
        }
    }

    /// <summary>
    /// Applies the plan. On failure everything already done is undone and GenericError is
    /// raised; on success the undo is registered with <paramref name="ctx"/> for the case the
    /// call's transaction is not committed.
    /// </summary>
    public void Apply(CallContext ctx)
    {
        try
        {
            foreach (var step in _steps)
            {
                switch (step)
                {
                    case MoveStep move:
                        ApplyMove(move);
                        break;
                    case WriteStep write:
                        ApplyWrite(write);
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or XmlRpc.XmlRpcFaultException)
        {
            Undo();
            throw e is XmlRpc.XmlRpcFaultException f ? f : KojiErrors.Generic($"Unable to move files into place: {e.Message}");
        }
        ctx.OnRollback(() =>
        {
            Undo();
            return Task.CompletedTask;
        });
    }

    private void ApplyMove(MoveStep move)
    {
        var info = new FileInfo(move.Source);
        if (info.LinkTarget is not null || !info.Exists)
        {
            throw KojiErrors.Generic($"Error importing file, {move.Source} is not a regular file");
        }
        if (File.Exists(move.Destination) || Directory.Exists(move.Destination))
        {
            throw KojiErrors.Generic(string.Format(System.Globalization.CultureInfo.InvariantCulture, move.ExistsMessage, move.Destination));
        }
        EnsureDirectory(Path.GetDirectoryName(move.Destination)!);
        File.Move(move.Source, move.Destination);
        _undo.Add(() => File.Move(move.Destination, move.Source));
        var target = Path.GetRelativePath(Path.GetDirectoryName(move.Source)!, move.Destination);
        File.CreateSymbolicLink(move.Source, target);
        _undo.Add(() => File.Delete(move.Source));
    }

    private void ApplyWrite(WriteStep write)
    {
        EnsureDirectory(Path.GetDirectoryName(write.Destination)!);
        var old = File.Exists(write.Destination) ? File.ReadAllBytes(write.Destination) : null;
        File.WriteAllBytes(write.Destination, write.Content);
        _undo.Add(old is null ? () => File.Delete(write.Destination) : () => File.WriteAllBytes(write.Destination, old));
    }

    /// <summary>Creates a directory and its missing parents, remembering which ones were new.</summary>
    private void EnsureDirectory(string dir)
    {
        var missing = new List<string>();
        for (var d = dir; !Directory.Exists(d); d = Path.GetDirectoryName(d)!)
        {
            missing.Add(d);
        }
        Directory.CreateDirectory(dir);
        _createdDirs.AddRange(missing);
    }

    /// <summary>Undoes what was applied, newest first; best effort (a failure of one step does not stop the others).</summary>
    private void Undo()
    {
        for (var i = _undo.Count - 1; i >= 0; i--)
        {
            try
            {
                _undo[i]();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Nothing more can be done for this file; the others are still put back.
            }
        }
        _undo.Clear();
        // Deepest first, so a parent is empty by the time it is tried.
        foreach (var dir in _createdDirs.OrderByDescending(d => d.Length))
        {
            try
            {
                if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any())
                {
                    Directory.Delete(dir);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A directory that cannot be removed is left empty.
            }
        }
        _createdDirs.Clear();
    }
}
