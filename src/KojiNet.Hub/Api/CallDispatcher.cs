using System.Data;
using System.Data.Common;
using KojiNet.Hub.Auth;
using KojiNet.Hub.Data;
using KojiNet.XmlRpc;
using Microsoft.Data.Sqlite;

namespace KojiNet.Hub.Api;

/// <summary>
/// Runs one XML-RPC request (protocol.md §4): finds the method, validates the session, checks
/// maintenance switches, binds arguments, and runs the call in one database transaction that is
/// committed on success and rolled back on a fault. A multicall runs each inner call in a
/// savepoint with an event of its own.
/// </summary>
internal sealed class CallDispatcher(HubServices hub)
{
    private static readonly HashSet<string> LockOutExempt = new(StringComparer.Ordinal) { "login", "sslLogin", "logout" };

    /// <summary>Runs a call; returns the result value or throws <see cref="XmlRpcFaultException"/>.</summary>
    public Task<object?> DispatchAsync(XmlRpcMethodCall call, RequestInfo request, CancellationToken cancellationToken)
    {
        var isMulticall = XmlRpcMulticall.IsMulticall(call.MethodName);
        var method = isMulticall ? null : hub.Methods.Find(call.MethodName)
            ?? throw KojiErrors.Generic($"Invalid method: {call.MethodName}");
        var readOnly = method?.ReadOnly ?? MulticallIsReadOnly(call);
        return RunAsync(call.MethodName, readOnly, request, ctx => isMulticall
            ? RunMulticallAsync(ctx, call)
            : InvokeAsync(ctx, method!, call), cancellationToken, singleCall: !isMulticall);
    }

    /// <summary>
    /// Runs <paramref name="body"/> as the call <paramref name="methodName"/>: session validation,
    /// maintenance checks and one transaction around it. The fast upload uses this directly.
    /// A <paramref name="singleCall"/> (not a multicall, whose inner calls run in savepoints) may
    /// send its COMMIT with the statement its method declares its last.
    /// </summary>
    public async Task<object?> RunAsync(string methodName, bool readOnly, RequestInfo request, Func<CallContext, Task<object?>> body, CancellationToken cancellationToken,
        bool singleCall = false)
    {
        if (hub.Config.Operation.ServerOffline)
        {
            throw KojiErrors.Offline(hub.Config.Operation.OfflineMessage ?? "server is offline");
        }
        var sqlite = hub.Database.Engine == DatabaseEngine.Sqlite;
        var locked = false;
        if (sqlite && !readOnly)
        {
            await hub.SqliteWriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            locked = true;
        }
        try
        {
            var ctx = new CallContext(hub, request, !readOnly, cancellationToken) { MethodName = methodName };
            try
            {
                ctx.Session = await SessionManager.ValidateAsync(ctx, methodName).ConfigureAwait(false);
                if (hub.Config.Operation.LockOut && !LockOutExempt.Contains(methodName) && !await ctx.IsAdminAsync().ConfigureAwait(false))
                {
                    throw KojiErrors.Offline("Server disabled for maintenance");
                }
                ctx.ReadOnlyCall = readOnly;
                // Nothing may follow the body then: no callnum left to store (SessionManager.StoreCallNumAsync).
                ctx.MayCommitWithLastStatement = singleCall
                    && ctx.Session is not { ReceivedCallNum: not null, CreatedByThisCall: false, CallNumStored: false };
                var result = await body(ctx).ConfigureAwait(false);
                ctx.ReadOnlyCall = false;
                await SessionManager.StoreCallNumAsync(ctx).ConfigureAwait(false);
                await ctx.CommitAsync().ConfigureAwait(false);
                return result;
            }
            finally
            {
                await ctx.DisposeAsync().ConfigureAwait(false);
                if (ctx.SessionUpkeep is { } upkeep)
                {
                    await StoreUpkeepAsync(upkeep, locked, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            if (locked)
            {
                hub.SqliteWriteLock.Release();
            }
        }
    }

    private async Task StoreUpkeepAsync(SessionUpkeep upkeep, bool haveLock, CancellationToken cancellationToken)
    {
        var sqlite = hub.Database.Engine == DatabaseEngine.Sqlite;
        if (sqlite && !haveLock)
        {
            await hub.SqliteWriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        try
        {
            await using var connection = await hub.Database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var tx = await hub.Database.BeginAsync(connection, write: true, cancellationToken).ConfigureAwait(false);
            await SessionManager.ApplyUpkeepAsync(connection, tx, upkeep).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (sqlite && !haveLock)
            {
                hub.SqliteWriteLock.Release();
            }
        }
    }

    private static async Task<object?> InvokeAsync(CallContext ctx, KojiMethod method, XmlRpcMethodCall call)
    {
        var args = ArgumentBinder.Bind(method, call.Args, call.Kwargs, ctx);
        return await method.InvokeAsync(args).ConfigureAwait(false);
    }

    private bool MulticallIsReadOnly(XmlRpcMethodCall call)
    {
        try
        {
            foreach (var entry in XmlRpcMulticall.GetCalls(call))
            {
                var inner = XmlRpcMulticall.ToMethodCall(entry);
                if (hub.Methods.Find(inner.MethodName) is not { ReadOnly: true })
                {
                    return false;
                }
            }
            return true;
        }
        catch (XmlRpcFaultException)
        {
            return false;
        }
    }

    private async Task<object?> RunMulticallAsync(CallContext ctx, XmlRpcMethodCall call)
    {
        var entries = XmlRpcMulticall.GetCalls(call);
        var results = new List<object?>(entries.Count);
        var n = 0;
        foreach (var entry in entries)
        {
            var savepoint = "mc" + n++.ToString(System.Globalization.CultureInfo.InvariantCulture);
            ctx.ResetEvent();
            var tx = await ctx.GetTransactionAsync().ConfigureAwait(false);
            await tx.SaveAsync(savepoint).ConfigureAwait(false);
            try
            {
                var inner = XmlRpcMulticall.ToMethodCall(entry);
                ctx.MethodName = inner.MethodName;
                object? value;
                if (XmlRpcMulticall.IsMulticall(inner.MethodName))
                {
                    value = await RunMulticallAsync(ctx, inner).ConfigureAwait(false);
                }
                else
                {
                    var method = hub.Methods.Find(inner.MethodName) ?? throw KojiErrors.Generic($"Invalid method: {inner.MethodName}");
                    value = await InvokeAsync(ctx, method, inner).ConfigureAwait(false);
                }
                await tx.ReleaseAsync(savepoint).ConfigureAwait(false);
                results.Add(XmlRpcMulticall.Success(value));
            }
            catch (Exception e) when (e is XmlRpcFaultException || !IsFatal(e))
            {
                await tx.RollbackAsync(savepoint).ConfigureAwait(false);
                var fault = FaultMapper.ToFault(e, hub.Config.Operation.KojiDebug);
                results.Add(XmlRpcMulticall.Fault(fault.FaultCode, fault.FaultString, traceback: [fault.FaultString]));
            }
        }
        return results;
    }

    private static bool IsFatal(Exception e) => e is OutOfMemoryException or OperationCanceledException;
}
