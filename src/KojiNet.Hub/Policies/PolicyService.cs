using System.Globalization;
using KojiNet.Hub.Api;
using KojiNet.Hub.Api.Hosts;
using KojiNet.Hub.Api.Tags;
using KojiNet.Hub.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KojiNet.Hub.Policies;

/// <summary>
/// How the rest of the hub consults policies (policy.md §3): allow/deny checks with upstream's
/// verdicts, reasons and <c>ActionNotAllowed</c> text, the raw action of a policy, and the
/// policies whose actions mean something else (<c>channel</c>, <c>priority</c>, <c>volume</c>).
/// </summary>
internal sealed partial class PolicyService(PolicySet policies, OperationOptions options, ILogger? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    /// <summary>The compiled policies.</summary>
    public PolicySet Policies { get; } = policies;

    /// <summary>Evaluates a policy; null when it is not defined.</summary>
    public async Task<PolicyOutcome?> ApplyAsync(CallContext? ctx, string name, IDictionary<string, object?> data)
    {
        var ruleset = Policies.Get(name);
        return ruleset is null ? null : await ruleset.ApplyAsync(new PolicyContext(data, Policies, ctx)).ConfigureAwait(false);
    }

    /// <summary>The raw action of a policy (null when no rule matched); GenericError <c>no such policy: &lt;name&gt;</c> when undefined.</summary>
    public async Task<string?> EvalAsync(CallContext ctx, string name, IDictionary<string, object?> data) =>
        (await ApplyAsync(ctx, name, data).ConfigureAwait(false) ?? throw KojiErrors.Generic($"no such policy: {name}")).Action;

    /// <summary>
    /// Checks an allow/deny policy (<c>check_policy</c>). An undefined policy allows when
    /// <c>MissingPolicyOk</c> (reason <c>missing policy</c>); no matching rule gives
    /// <paramref name="default"/> (reason <c>not covered by policy</c>); otherwise the action's
    /// first word is the verdict and the rest, lower-cased, the reason; a verdict other than
    /// <c>allow</c> or <c>deny</c> refuses with reason <c>error in policy</c>. With
    /// <paramref name="force"/> an admin policy user overrides a refusal (reason
    /// <c>overriden by force</c>). With <paramref name="strict"/> a refusal throws
    /// ActionNotAllowed <c>policy violation (&lt;name&gt;): &lt;reason&gt;</c>, plus
    /// <c> [rule: &lt;last rule&gt;]</c> when <c>KojiDebug</c> or <c>VerbosePolicy</c> is set.
    /// </summary>
    public async Task<(bool Allowed, string Reason)> CheckAsync(CallContext ctx, string name, IDictionary<string, object?> data,
        string @default = "deny", bool strict = false, bool force = false)
    {
        var context = new PolicyContext(data, Policies, ctx);
        string result;
        string reason;
        string lastRule;
        if (Policies.Get(name) is not { } ruleset)
        {
            result = options.MissingPolicyOk ? "allow" : "deny";
            reason = "missing policy";
            lastRule = "";
        }
        else
        {
            var outcome = await ruleset.ApplyAsync(context).ConfigureAwait(false);
            lastRule = outcome.LastRule;
            if (outcome.Action is null)
            {
                result = @default;
                reason = "not covered by policy";
            }
            else
            {
                (result, reason) = SplitVerdict(outcome.Action);
                reason = reason.ToLowerInvariant();
            }
        }
        if (options.KojiDebug)
        {
            LogPolicyResult(name, result, reason, lastRule);
        }
        if (result == "allow")
        {
            return (true, reason);
        }
        if (result != "deny")
        {
            reason = "error in policy";
            LogInvalidAction(name, lastRule);
        }
        if (force && await context.GetUserAsync().ConfigureAwait(false) is { } user
            && (await context.GetPermsAsync(user).ConfigureAwait(false)).Contains("admin"))
        {
            LogForced(name, user.Name, reason);
            return (true, "overriden by force");
        }
        if (!strict)
        {
            return (false, reason);
        }
        var message = $"policy violation ({name})";
        if (reason.Length > 0)
        {
            message += $": {reason}";
        }
        if (options.KojiDebug || options.VerbosePolicy)
        {
            message += $" [rule: {lastRule}]";
        }
        throw KojiErrors.NotAllowed(message);
    }

    /// <summary>Enforces an allow/deny policy (<c>assert_policy</c>): as <see cref="CheckAsync"/> with <c>strict</c>.</summary>
    public Task AssertAsync(CallContext ctx, string name, IDictionary<string, object?> data, string @default = "deny", bool force = false) =>
        CheckAsync(ctx, name, data, @default, strict: true, force: force);

    /// <summary>
    /// Enforces the <c>tag</c> policy for a tag operation (policy.md §5): <paramref name="operation"/>
    /// is <c>tag</c>, <c>untag</c> or <c>move</c>; <paramref name="tagId"/> is the destination
    /// (null for an untag), <paramref name="fromTagId"/> the source (null for a tag);
    /// <paramref name="userId"/>, when given, is the user the policy is about (the task owner in
    /// <c>host.tagBuild</c>) instead of the logged-in user.
    /// </summary>
    public Task AssertTagPolicyAsync(CallContext ctx, string operation, int? tagId, int? fromTagId, int buildId, bool force = false, int? userId = null)
    {
        var data = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["tag"] = tagId,
            ["fromtag"] = fromTagId,
            ["build"] = buildId,
            ["operation"] = operation,
        };
        if (userId is not null)
        {
            data["user_id"] = userId;
        }
        return AssertAsync(ctx, "tag", data, force: force);
    }

    /// <summary>
    /// The channel for a new task from the <c>channel</c> policy: <c>use &lt;channel&gt;</c> (it must
    /// exist and be enabled), <c>req</c> (<paramref name="requestedChannelId"/>), <c>parent</c>
    /// (<paramref name="parentChannelId"/>); no match gives the <c>default</c> channel. Anything
    /// else, or <c>req</c>/<c>parent</c> without a requested channel or a parent, is GenericError
    /// <c>invalid channel policy</c>.
    /// </summary>
    public async Task<ChannelRow> ChannelAsync(CallContext ctx, IDictionary<string, object?> data, int? requestedChannelId, int? parentChannelId)
    {
        var outcome = await ApplyAsync(ctx, "channel", data).ConfigureAwait(false);
        if (outcome?.Action is not { } action)
        {
            return (await ChannelApi.FindAsync(ctx, "default", strict: true).ConfigureAwait(false))!;
        }
        var parts = PolicyValues.SplitWords(action);
        int? channelId;
        switch (parts.Count > 0 ? parts[0] : "")
        {
            case "use" when parts.Count > 1:
                var channel = (await ChannelApi.FindAsync(ctx, parts[1], strict: true).ConfigureAwait(false))!;
                return channel.Enabled ? channel : throw KojiErrors.Generic($"Channel {channel.Name} is disabled.");
            case "req":
                channelId = requestedChannelId;
                break;
            case "parent":
                channelId = parentChannelId;
                break;
            default:
                throw InvalidSpecialAction("channel", outcome.LastRule);
        }
        if (channelId is null)
        {
            throw InvalidSpecialAction("channel", outcome.LastRule);
        }
        return (await ChannelApi.FindAsync(ctx, channelId.Value, strict: true).ConfigureAwait(false))!;
    }

    /// <summary>
    /// A new task's priority from the <c>priority</c> policy: <c>stay</c> keeps
    /// <paramref name="priority"/>, <c>set N</c> replaces it, <c>adjust +N</c>/<c>adjust -N</c>
    /// adds to it; no match keeps it; anything else is GenericError <c>invalid priority policy</c>.
    /// </summary>
    public async Task<int> PriorityAsync(CallContext ctx, IDictionary<string, object?> data, int priority)
    {
        var outcome = await ApplyAsync(ctx, "priority", data).ConfigureAwait(false);
        if (outcome?.Action is not { } action)
        {
            return priority;
        }
        var parts = PolicyValues.SplitWords(action);
        var verb = parts.Count > 0 ? parts[0] : "";
        if (verb == "stay")
        {
            return priority;
        }
        if (verb == "set" && parts.Count > 1 && int.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }
        if (verb == "adjust" && parts.Count > 1 && parts[1].Length > 1 && parts[1][0] is '+' or '-'
            && int.TryParse(parts[1].AsSpan(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var delta))
        {
            return parts[1][0] == '+' ? priority + delta : priority - delta;
        }
        throw InvalidSpecialAction("priority", outcome.LastRule);
    }

    /// <summary>
    /// The volume from the <c>volume</c> policy (<c>check_volume_policy</c>): the action names a
    /// volume. Without <paramref name="strict"/>, a failing policy or an unknown volume is logged
    /// and <paramref name="default"/> (when given) is used, else null; with it, they are errors
    /// (<c>Policy returned invalid volume: &lt;v&gt;</c>, <c>No volume policy match</c>).
    /// </summary>
    public async Task<NameRow?> VolumeAsync(CallContext ctx, IDictionary<string, object?> data, bool strict = false, string? @default = null)
    {
        string? result = null;
        try
        {
            result = (await ApplyAsync(ctx, "volume", data).ConfigureAwait(false))?.Action;
        }
        catch (Exception e) when (!strict && e is KojiNet.XmlRpc.XmlRpcFaultException or InvalidOperationException)
        {
            LogVolumePolicyError(e);
        }
        if (result is not null)
        {
            if (await Lookup.NameAsync(ctx, "volume", result).ConfigureAwait(false) is { } volume)
            {
                return volume;
            }
            if (strict)
            {
                throw KojiErrors.Generic($"Policy returned invalid volume: {result}");
            }
            LogUnknownVolume(result);
        }
        if (strict)
        {
            throw KojiErrors.Generic("No volume policy match");
        }
        if (@default is not null)
        {
            return await Lookup.NameAsync(ctx, "volume", @default, strict: true).ConfigureAwait(false);
        }
        LogNoVolumeMatch();
        return null;
    }

    /// <summary>Splits an action into its first word and the rest.</summary>
    internal static (string Verdict, string Reason) SplitVerdict(string action)
    {
        var text = action.Trim();
        var space = text.AsSpan().IndexOfAny(" \t\n\r\f\v");
        return space < 0 ? (text, "") : (text[..space], text[(space + 1)..].TrimStart());
    }

    private Exception InvalidSpecialAction(string policy, string lastRule)
    {
        LogInvalidAction(policy, lastRule);
        return KojiErrors.Generic($"invalid {policy} policy");
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "policy {Name} gave {Result}, reason: {Reason}, last rule: {LastRule}")]
    private partial void LogPolicyResult(string name, string result, string reason, string lastRule);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "Invalid action in policy {Name}, rule: {LastRule}")]
    private partial void LogInvalidAction(string name, string lastRule);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Policy {Name} overriden by force: {User}: {Reason}")]
    private partial void LogForced(string name, string user, string reason);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Error, Message = "Volume policy error")]
    private partial void LogVolumePolicyError(Exception e);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "Volume policy returned unknown volume {Volume}")]
    private partial void LogUnknownVolume(string volume);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Error, Message = "No volume policy match")]
    private partial void LogNoVolumeMatch();
}
