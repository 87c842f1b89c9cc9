using System.Text.RegularExpressions;

namespace KojiNet.Hub.Api.Common;

/// <summary>Checks of tag, target, channel, host, group, permission and package names (<c>RegexNameInternal</c>, <c>MaxNameLengthInternal</c>) and user names (<c>RegexUserName</c>).</summary>
internal static class NameValidation
{
    public static void InternalName(CallContext ctx, string? name)
    {
        var limits = ctx.Hub.Config.Limits;
        if (string.IsNullOrEmpty(name))
        {
            throw KojiErrors.Generic("Name should not be empty");
        }
        if (limits.MaxNameLengthInternal > 0 && name.Length > limits.MaxNameLengthInternal)
        {
            throw KojiErrors.Generic($"Name {name} is too long. Max length is {limits.MaxNameLengthInternal} characters");
        }
        if (limits.RegexNameInternal.Length > 0 && !Regex.IsMatch(name, limits.RegexNameInternal, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
        {
            throw KojiErrors.Generic($"Name {name} does not match RegexNameInternal value");
        }
    }

    public static void UserName(CallContext ctx, string? name)
    {
        var limits = ctx.Hub.Config.Limits;
        if (string.IsNullOrEmpty(name))
        {
            throw KojiErrors.Generic("Name should not be empty");
        }
        if (limits.MaxNameLengthInternal > 0 && name.Length > limits.MaxNameLengthInternal)
        {
            throw KojiErrors.Generic($"Name {name} is too long. Max length is {limits.MaxNameLengthInternal} characters");
        }
        var regex = ctx.Hub.Config.Auth.RegexUserName;
        if (regex.Length > 0 && !Regex.IsMatch(name, regex, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
        {
            throw KojiErrors.Generic($"Name {name} does not match RegexUserName value");
        }
    }
}
