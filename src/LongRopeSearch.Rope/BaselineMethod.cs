using LongRopeSearch.Core;

namespace LongRopeSearch.Rope;

/// <summary>The classic context-extension methods LongRoPE is compared against (see <see cref="Baselines"/>).</summary>
public enum BaselineMethod
{
    /// <summary>The unmodified model: λ = 1.</summary>
    None,
    /// <summary>Position interpolation (HF "linear"): λ = s.</summary>
    Pi,
    /// <summary>NTK-aware static base change (HF "ntk").</summary>
    Ntk,
    /// <summary>YaRN ("NTK-by-parts" + attention temperature, HF "yarn").</summary>
    Yarn,
    /// <summary>Llama 3.1 wavelength-banded scaling (HF "llama3").</summary>
    Llama3,
    /// <summary>Dynamic NTK evaluated at the target length (HF "dynamic").</summary>
    DynamicNtk,
}

/// <summary>The user-facing names of <see cref="BaselineMethod"/> ("none", "pi", "ntk", "yarn", "llama3", "dynamic-ntk").</summary>
public static class BaselineMethods
{
    private static readonly (BaselineMethod Method, string Name)[] Table =
    [
        (BaselineMethod.None, "none"),
        (BaselineMethod.Pi, "pi"),
        (BaselineMethod.Ntk, "ntk"),
        (BaselineMethod.Yarn, "yarn"),
        (BaselineMethod.Llama3, "llama3"),
        (BaselineMethod.DynamicNtk, "dynamic-ntk"),
    ];

    /// <summary>Every valid name, in enum order.</summary>
    public static IReadOnlyList<string> Names { get; } = Table.Select(t => t.Name).ToArray();

    /// <summary>The canonical name of a method, e.g. "dynamic-ntk".</summary>
    public static string Name(this BaselineMethod method)
    {
        foreach (var (m, n) in Table)
            if (m == method) return n;
        throw new ArgumentOutOfRangeException(nameof(method), method, "unknown baseline method");
    }

    /// <summary>
    /// Parses a method name (case-insensitive, surrounding blanks ignored). An unknown name throws an
    /// <see cref="InputException"/> naming <paramref name="source"/> (e.g. "--method") and listing every valid name.
    /// </summary>
    public static BaselineMethod Parse(string text, string source = "baseline method")
    {
        ArgumentNullException.ThrowIfNull(text);
        var wanted = text.Trim();
        foreach (var (m, n) in Table)
            if (string.Equals(n, wanted, StringComparison.OrdinalIgnoreCase)) return m;
        throw new InputException(source, "", "one of " + string.Join(", ", Names), $"\"{text}\"");
    }

    /// <summary>Like <see cref="Parse"/> without throwing.</summary>
    public static bool TryParse(string? text, out BaselineMethod method)
    {
        var wanted = text?.Trim();
        foreach (var (m, n) in Table)
        {
            if (string.Equals(n, wanted, StringComparison.OrdinalIgnoreCase))
            {
                method = m;
                return true;
            }
        }
        method = BaselineMethod.None;
        return false;
    }
}
