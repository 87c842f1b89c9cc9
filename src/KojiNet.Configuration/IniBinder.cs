using System.Globalization;
using System.Reflection;

namespace KojiNet.Configuration;

/// <summary>
/// Names the INI option a property is read from when it differs from the property name
/// (kojid.conf and koji.conf use lower-case names such as <c>allowed_scms</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class IniOptionAttribute(string name) : Attribute
{
    /// <summary>The option name as written in the file (matched case-insensitively).</summary>
    public string Name { get; } = name;

    /// <summary>Other names accepted for the same option.</summary>
    public string[] Aliases { get; init; } = [];
}

/// <summary>
/// Fills a small options class from one INI section. Each public settable property is an
/// option named like the property (or by <see cref="IniOptionAttribute"/>); supported types are
/// string, bool, int, long, double and their nullable forms. An option the class does not know,
/// or a value of the wrong type, is an <see cref="IniFormatException"/> naming it.
/// </summary>
public static class IniBinder
{
    /// <summary>Binds <paramref name="section"/> onto a new <typeparamref name="T"/>.</summary>
    /// <param name="section">The section to read; null leaves every default.</param>
    /// <param name="source">The file name used in error messages.</param>
    /// <param name="ignore">Options that belong to another consumer of the same section.</param>
    public static T Bind<T>(IniSection? section, string source, IEnumerable<string>? ignore = null) where T : new()
    {
        var target = new T();
        if (section is null)
        {
            return target;
        }
        var byName = OptionMap(typeof(T));
        var skip = new HashSet<string>((ignore ?? []).Select(n => n.ToLowerInvariant()), StringComparer.Ordinal);
        foreach (var key in section.Keys)
        {
            if (skip.Contains(key))
            {
                continue;
            }
            if (!byName.TryGetValue(key, out var option))
            {
                throw new IniFormatException($"{source} [{section.Name}]: unknown option '{key}'");
            }
            var text = section[key]!;
            option.Property.SetValue(target, Convert(text, option, section.Name, source));
        }
        return target;
    }

    /// <summary>The option names <typeparamref name="T"/> accepts, as written in files.</summary>
    public static IReadOnlyList<string> OptionNames<T>() =>
        OptionMap(typeof(T)).Values.Select(o => o.Name).Distinct(StringComparer.Ordinal).ToList();

    private sealed record Option(string Name, PropertyInfo Property);

    private static Dictionary<string, Option> OptionMap(Type type)
    {
        var map = new Dictionary<string, Option>(StringComparer.Ordinal);
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.SetMethod is not { IsPublic: true })
            {
                continue;
            }
            var attr = p.GetCustomAttribute<IniOptionAttribute>();
            var name = attr?.Name ?? p.Name;
            var option = new Option(name, p);
            map[name.ToLowerInvariant()] = option;
            foreach (var alias in attr?.Aliases ?? [])
            {
                map[alias.ToLowerInvariant()] = option;
            }
        }
        return map;
    }

    private static object? Convert(string text, Option option, string section, string source)
    {
        var type = Nullable.GetUnderlyingType(option.Property.PropertyType) ?? option.Property.PropertyType;
        string Fail(string what) => $"{source} [{section}]: option '{option.Name}' must be {what}, got '{text}'";
        if (type == typeof(string))
        {
            return text;
        }
        if (type == typeof(bool))
        {
            return IniFile.TryParseBool(text, out var b) ? b : throw new IniFormatException(Fail("a boolean (yes/no, true/false, on/off, 1/0)"));
        }
        if (type == typeof(int))
        {
            return IniFile.TryParseInt(text, out var l) && l is >= int.MinValue and <= int.MaxValue
                ? (int)l
                : throw new IniFormatException(Fail("an integer"));
        }
        if (type == typeof(long))
        {
            return IniFile.TryParseInt(text, out var l) ? l : throw new IniFormatException(Fail("an integer"));
        }
        if (type == typeof(double))
        {
            return double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
                ? d
                : throw new IniFormatException(Fail("a number"));
        }
        throw new InvalidOperationException($"option {option.Name}: unsupported property type {type}");
    }
}
