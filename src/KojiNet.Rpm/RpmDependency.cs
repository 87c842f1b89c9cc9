using System.Text;

namespace KojiNet.Rpm;

/// <summary>One dependency as stored in the header. Rich dependencies keep the whole expression in <see cref="Name"/>.</summary>
/// <param name="Name">Capability name, or a rich dependency expression such as <c>(a or b)</c>.</param>
/// <param name="Flags">Comparison and context flags.</param>
/// <param name="Version">The [epoch:]version[-release] compared against, empty when there is none.</param>
public sealed record RpmDependency(string Name, RpmDependencyFlags Flags, string Version)
{
    /// <summary>The comparison operator as rpm prints it (<c>&lt;</c>, <c>&lt;=</c>, <c>=</c>, <c>&gt;=</c>, <c>&gt;</c>), or empty.</summary>
    public string Operator => (Flags & RpmDependencyFlags.SenseMask) switch
    {
        RpmDependencyFlags.Less => "<",
        RpmDependencyFlags.Less | RpmDependencyFlags.Equal => "<=",
        RpmDependencyFlags.Equal => "=",
        RpmDependencyFlags.Greater | RpmDependencyFlags.Equal => ">=",
        RpmDependencyFlags.Greater => ">",
        _ => string.Empty,
    };

    /// <summary>The dependency as <c>rpm -q --requires</c> prints it: name, then operator and version when set.</summary>
    public override string ToString()
    {
        var op = Operator;
        if (op.Length == 0 && Version.Length == 0)
        {
            return Name;
        }
        var sb = new StringBuilder(Name);
        if (op.Length > 0)
        {
            sb.Append(' ').Append(op);
        }
        if (Version.Length > 0)
        {
            sb.Append(' ').Append(Version);
        }
        return sb.ToString();
    }
}
