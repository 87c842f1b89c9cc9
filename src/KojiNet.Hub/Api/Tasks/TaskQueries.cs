using System.Globalization;
using System.Text;
using KojiNet.Hub.Api.Users;
using KojiNet.XmlRpc;

namespace KojiNet.Hub.Api.Tasks;

/// <summary>A <c>task</c> row: the fields of the task struct, and on request the raw request/result documents.</summary>
internal sealed class TaskRow
{
    public int Id { get; init; }

    public int State { get; init; }

    public double Create_Time { get; init; }

    public double? Start_Time { get; init; }

    public double? Completion_Time { get; init; }

    public int Channel_Id { get; init; }

    public int? Host_Id { get; init; }

    public int? Parent { get; init; }

    public string? Label { get; init; }

    public bool? Waiting { get; init; }

    public bool? Awaited { get; init; }

    public int Owner { get; init; }

    public string Method { get; init; } = "";

    public string Arch { get; init; } = "";

    public int Priority { get; init; }

    public double Weight { get; init; }

    /// <summary>The raw request document (only when selected).</summary>
    public string? Request { get; init; }

    /// <summary>The raw result document (only when selected).</summary>
    public string? Result { get; init; }

    public string? Owner_Name { get; init; }

    public int? Owner_Type { get; init; }

    /// <summary>The task struct of <c>getTaskInfo</c>, keys in upstream's (alphabetical) order.</summary>
    public Dictionary<string, object?> ToStruct() => new(StringComparer.Ordinal)
    {
        ["arch"] = Arch,
        ["awaited"] = Awaited,
        ["channel_id"] = Channel_Id,
        ["completion_time"] = KojiTime.Format(Completion_Time),
        ["completion_ts"] = Completion_Time,
        ["create_time"] = KojiTime.Format(Create_Time),
        ["create_ts"] = Create_Time,
        ["host_id"] = Host_Id,
        ["id"] = Id,
        ["label"] = Label,
        ["method"] = Method,
        ["owner"] = Owner,
        ["parent"] = Parent,
        ["priority"] = Priority,
        ["start_time"] = KojiTime.Format(Start_Time),
        ["start_ts"] = Start_Time,
        ["state"] = State,
        ["waiting"] = Waiting,
        ["weight"] = Weight,
    };
}

/// <summary>Reading tasks, and the XML-RPC documents stored in <c>task.request</c> and <c>task.result</c>.</summary>
internal static class TaskQueries
{
    // Stored documents were checked when written; their size is not a request limit.
    private static readonly XmlRpcReaderOptions StoredDocument = new() { MaxRequestLength = 0 };

    /// <summary>The task struct's columns (alias <c>task</c>).</summary>
    public const string Columns = """
        task.id, task.state, task.create_time, task.start_time, task.completion_time, task.channel_id, task.host_id,
        task.parent, task.label, task.waiting, task.awaited, task.owner, task.method, task.arch, task.priority, task.weight
        """;

    /// <summary>The task with <paramref name="taskId"/>, with the raw request when asked; null when there is none.</summary>
    public static Task<TaskRow?> FindAsync(CallContext ctx, int taskId, bool withRequest = false) =>
        ctx.QuerySingleOrDefaultAsync<TaskRow>(
            $"SELECT {Columns}{(withRequest ? ", task.request" : "")} FROM task WHERE task.id = @taskId", new { taskId });

    /// <summary>The task, or GenericError <c>query returned no rows</c> (upstream's strict single-row read).</summary>
    public static async Task<TaskRow> GetAsync(CallContext ctx, int taskId, bool withRequest = false) =>
        await FindAsync(ctx, taskId, withRequest).ConfigureAwait(false) ?? throw KojiErrors.Generic("query returned no rows");

    /// <summary>The children of a task, by id.</summary>
    public static async Task<List<TaskRow>> ChildrenAsync(CallContext ctx, int taskId, bool withRequest = false) =>
        (await ctx.QueryAsync<TaskRow>(
            $"SELECT {Columns}{(withRequest ? ", task.request" : "")} FROM task WHERE task.parent = @taskId ORDER BY task.id", new { taskId })
            .ConfigureAwait(false)).ToList();

    /// <summary>The struct of a task, with its decoded request parameters when <paramref name="request"/> is set.</summary>
    public static Dictionary<string, object?> ToStruct(TaskRow row, bool request)
    {
        var s = row.ToStruct();
        if (request)
        {
            s["request"] = DecodeRequest(row.Request);
        }
        return s;
    }

    /// <summary>
    /// A task id argument as upstream's <c>Task(id)</c> takes it: an int, or a string holding one;
    /// anything else is ParameterError.
    /// </summary>
    public static int TaskId(object? value) => value switch
    {
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        bool b => b ? 1 : 0,
        double d when d == Math.Floor(d) && Math.Abs(d) < int.MaxValue => (int)d,
        string s when int.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) => i,
        _ => throw KojiErrors.Parameter($"Invalid type for value '{UserApi.Plain(value)}': {UserApi.PythonClass(value)}"),
    };

    /// <summary>The stored document as text, undoing the base64 of very old rows.</summary>
    private static byte[] DocumentBytes(string stored)
    {
        var head = stored.AsSpan(0, Math.Min(stored.Length, 10));
        if (head.Contains("<?xml", StringComparison.Ordinal))
        {
            return Encoding.UTF8.GetBytes(stored);
        }
        try
        {
            return Convert.FromBase64String(stored);
        }
        catch (FormatException)
        {
            return Encoding.UTF8.GetBytes(stored);
        }
    }

    /// <summary>Encodes a task's request: a <c>methodCall</c> of the task method with its parameters as given.</summary>
    public static string EncodeRequest(string method, IReadOnlyList<object?> parameters) =>
        Encoding.UTF8.GetString(XmlRpcWriter.ToBytes(new XmlRpcMethodCall(method, parameters)));

    /// <summary>The parameters of a stored request, exactly as stored (a keyword struct keeps its <c>__starstar</c> flag).</summary>
    public static IReadOnlyList<object?> DecodeRequest(string? stored)
    {
        if (stored is null)
        {
            return [];
        }
        try
        {
            return XmlRpcReader.ReadMethodCall(DocumentBytes(stored), StoredDocument).Params;
        }
        catch (XmlRpcFormatException e)
        {
            throw KojiErrors.Generic($"Invalid task request: {e.Message}");
        }
    }

    /// <summary>The decoded result document: its value, or its fault.</summary>
    public static XmlRpcResponse DecodeResult(string stored)
    {
        try
        {
            return XmlRpcReader.ReadResponse(DocumentBytes(stored), StoredDocument);
        }
        catch (XmlRpcFormatException e)
        {
            throw KojiErrors.Generic($"Invalid task result: {e.Message}");
        }
    }

    /// <summary>Checks that a builder's response is a complete <c>methodResponse</c> document.</summary>
    public static void ValidateResponse(string response)
    {
        try
        {
            XmlRpcReader.ReadResponse(Encoding.UTF8.GetBytes(response), StoredDocument);
        }
        catch (XmlRpcFormatException e)
        {
            throw KojiErrors.Generic($"Invalid task response (an XML-RPC methodResponse document is required): {e.Message}");
        }
    }

    /// <summary>A fault as the struct multicall and <c>raise_fault=False</c> return.</summary>
    public static Dictionary<string, object?> FaultStruct(XmlRpcFaultException fault) => new(StringComparer.Ordinal)
    {
        ["faultCode"] = fault.FaultCode,
        ["faultString"] = fault.FaultString,
    };
}
