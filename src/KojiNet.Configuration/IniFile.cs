using System.Globalization;

namespace KojiNet.Configuration;

/// <summary>
/// An INI document read the way Koji reads its files (Python's <c>RawConfigParser</c>):
/// <c>[section]</c> headers, <c>key = value</c> or <c>key: value</c>, option names
/// case-insensitive, <c>#</c> and <c>;</c> full-line comments, indented continuation lines,
/// no interpolation, a <c>[DEFAULT]</c> section whose options every section inherits, and a
/// duplicate section or option within one file is an error. Reading several files merges
/// them, later values winning.
/// </summary>
public sealed class IniFile
{
    /// <summary>The name of the section whose options every other section inherits.</summary>
    public const string DefaultSection = "DEFAULT";

    private readonly Dictionary<string, IniSection> _sections = new(StringComparer.Ordinal);
    private readonly IniSection _defaults = new(DefaultSection, null);

    /// <summary>The files read, in order.</summary>
    public IList<string> Sources { get; } = new List<string>();

    /// <summary>Section names in the order they first appeared (without <c>DEFAULT</c>).</summary>
    public IEnumerable<string> SectionNames => _sections.Keys;

    /// <summary>Whether the section exists.</summary>
    public bool HasSection(string name) => _sections.ContainsKey(name);

    /// <summary>The section, or null when absent.</summary>
    public IniSection? this[string name] => _sections.GetValueOrDefault(name);

    /// <summary>Returns the section, creating an empty one when absent.</summary>
    public IniSection GetOrAddSection(string name)
    {
        if (!_sections.TryGetValue(name, out var section))
        {
            section = new IniSection(name, _defaults);
            _sections.Add(name, section);
        }
        return section;
    }

    /// <summary>Reads one file.</summary>
    /// <exception cref="IniFormatException">The file is not a valid INI document.</exception>
    public static IniFile Load(string path)
    {
        var ini = new IniFile();
        ini.Read(path);
        return ini;
    }

    /// <summary>Parses INI text.</summary>
    /// <exception cref="IniFormatException">The text is not a valid INI document.</exception>
    public static IniFile Parse(string text, string sourceName = "<string>")
    {
        var ini = new IniFile();
        ini.ReadText(text, sourceName);
        return ini;
    }

    /// <summary>Reads a file into this document; its values override earlier ones.</summary>
    public void Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IniFormatException($"{path}: cannot read: {e.Message}", e);
        }
        ReadText(text, path);
    }

    /// <summary>Parses text into this document; its values override earlier ones.</summary>
    public void ReadText(string text, string sourceName)
    {
        Sources.Add(sourceName);
        var seenSections = new HashSet<string>(StringComparer.Ordinal);
        var seenOptions = new HashSet<(string, string)>();
        IniSection? current = null;
        string? key = null;
        var value = new List<string>();
        var keyIndent = 0;
        var lines = text.Split('\n');

        void Flush()
        {
            if (current is not null && key is not null)
            {
                // Blank lines inside a value are kept only between continuation lines.
                while (value.Count > 1 && value[^1].Length == 0)
                {
                    value.RemoveAt(value.Count - 1);
                }
                current.Set(key, string.Join('\n', value));
            }
            key = null;
            value.Clear();
        }

        for (var i = 0; i < lines.Length; i++)
        {
            var raw = lines[i].TrimEnd('\r');
            var lineNo = i + 1;
            var trimmed = raw.Trim();
            var indent = raw.Length - raw.TrimStart().Length;
            if (trimmed.Length == 0)
            {
                if (key is not null)
                {
                    value.Add(string.Empty);
                }
                continue;
            }
            if (trimmed[0] is '#' or ';')
            {
                continue;
            }
            if (key is not null && indent > keyIndent)
            {
                value.Add(trimmed);
                continue;
            }
            Flush();
            if (trimmed[0] == '[')
            {
                var close = trimmed.IndexOf(']', StringComparison.Ordinal);
                if (close < 0)
                {
                    throw new IniFormatException($"{sourceName}, line {lineNo}: section header without ']': {trimmed}");
                }
                var name = trimmed[1..close];
                if (!seenSections.Add(name))
                {
                    throw new IniFormatException($"{sourceName}, line {lineNo}: section [{name}] appears twice");
                }
                current = name == DefaultSection ? _defaults : GetOrAddSection(name);
                continue;
            }
            if (current is null)
            {
                throw new IniFormatException($"{sourceName}, line {lineNo}: option outside any section: {trimmed}");
            }
            var sep = trimmed.IndexOfAny(['=', ':']);
            if (sep <= 0)
            {
                throw new IniFormatException($"{sourceName}, line {lineNo}: expected 'name = value', got: {trimmed}");
            }
            key = trimmed[..sep].Trim().ToLowerInvariant();
            if (!seenOptions.Add((current.Name, key)))
            {
                throw new IniFormatException($"{sourceName}, line {lineNo}: option '{key}' appears twice in section [{current.Name}]");
            }
            keyIndent = indent;
            value.Add(trimmed[(sep + 1)..].Trim());
        }
        Flush();
    }

    /// <summary>Parses an INI boolean the way configparser does.</summary>
    public static bool TryParseBool(string text, out bool value)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "1" or "yes" or "true" or "on":
                value = true;
                return true;
            case "0" or "no" or "false" or "off":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    /// <summary>Parses an INI integer (invariant culture, optional sign).</summary>
    public static bool TryParseInt(string text, out long value) =>
        long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}

/// <summary>One section of an <see cref="IniFile"/>; option names are case-insensitive.</summary>
public sealed class IniSection
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly IniSection? _defaults;

    internal IniSection(string name, IniSection? defaults)
    {
        Name = name;
        _defaults = defaults;
    }

    /// <summary>The section name as written.</summary>
    public string Name { get; }

    /// <summary>Option names set in this section itself (lower case), in order of appearance.</summary>
    public IEnumerable<string> Keys => _values.Keys;

    /// <summary>The value of an option (this section, then <c>DEFAULT</c>), or null.</summary>
    public string? this[string key]
    {
        get
        {
            var k = key.ToLowerInvariant();
            return _values.TryGetValue(k, out var v) ? v : _defaults?[k];
        }
    }

    /// <summary>Sets an option.</summary>
    public void Set(string key, string value) => _values[key.ToLowerInvariant()] = value;
}

/// <summary>An INI file that cannot be read or parsed; the message names the file and line.</summary>
public sealed class IniFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public IniFormatException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public IniFormatException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public IniFormatException() : base("invalid INI file")
    {
    }
}
