using System.Globalization;

namespace LongRopeSearch.Store.Gguf;

/// <summary>
/// One typed metadata value. Scalars hold their .NET value (uint for UInt32, float for Float32, string, bool, ...);
/// an array holds its element type and a .NET array of those values (string[], int[], float[], ...).
/// </summary>
public sealed class GgufValue
{
    private GgufValue(GgufValueType type, object value, GgufValueType elementType = GgufValueType.UInt8)
    {
        Type = type;
        Value = value;
        ElementType = elementType;
    }

    public GgufValueType Type { get; }

    /// <summary>Element type of an array value (meaningless for scalars).</summary>
    public GgufValueType ElementType { get; }

    public object Value { get; }

    public static GgufValue String(string v) => new(GgufValueType.String, v ?? throw new ArgumentNullException(nameof(v)));
    public static GgufValue UInt32(uint v) => new(GgufValueType.UInt32, v);
    public static GgufValue Int32(int v) => new(GgufValueType.Int32, v);
    public static GgufValue UInt64(ulong v) => new(GgufValueType.UInt64, v);
    public static GgufValue Float32(float v) => new(GgufValueType.Float32, v);
    public static GgufValue Bool(bool v) => new(GgufValueType.Bool, v);
    public static GgufValue StringArray(IReadOnlyList<string> v) => new(GgufValueType.Array, v.ToArray(), GgufValueType.String);
    public static GgufValue Int32Array(IReadOnlyList<int> v) => new(GgufValueType.Array, v.ToArray(), GgufValueType.Int32);
    public static GgufValue Float32Array(IReadOnlyList<float> v) => new(GgufValueType.Array, v.ToArray(), GgufValueType.Float32);

    /// <summary>Any value read from a file: scalar <paramref name="value"/> of <paramref name="type"/>, or an array.</summary>
    internal static GgufValue FromRead(GgufValueType type, object value, GgufValueType elementType = GgufValueType.UInt8) => new(type, value, elementType);

    public override string ToString() => Type == GgufValueType.Array
        ? $"{ElementType}[{((Array)Value).Length}]"
        : Convert.ToString(Value, CultureInfo.InvariantCulture) ?? "";
}

/// <summary>
/// The key/value section of a GGUF file, in insertion order (the order they are written). Keys are unique;
/// setting a key again replaces its value in place.
/// </summary>
public sealed class GgufMetadata
{
    private readonly List<KeyValuePair<string, GgufValue>> _entries = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public IReadOnlyList<KeyValuePair<string, GgufValue>> Entries => _entries;

    public int Count => _entries.Count;

    public bool Contains(string key) => _index.ContainsKey(key);

    public GgufValue this[string key] => _entries[_index[key]].Value;

    public bool TryGet(string key, out GgufValue value)
    {
        if (_index.TryGetValue(key, out var i))
        {
            value = _entries[i].Value;
            return true;
        }
        value = null!;
        return false;
    }

    public GgufMetadata Set(string key, GgufValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        if (_index.TryGetValue(key, out var i)) _entries[i] = new(key, value);
        else
        {
            _index[key] = _entries.Count;
            _entries.Add(new(key, value));
        }
        return this;
    }

    public GgufMetadata Set(string key, string value) => Set(key, GgufValue.String(value));
    public GgufMetadata Set(string key, uint value) => Set(key, GgufValue.UInt32(value));
    public GgufMetadata Set(string key, float value) => Set(key, GgufValue.Float32(value));
    public GgufMetadata Set(string key, bool value) => Set(key, GgufValue.Bool(value));

    /// <summary>The alignment the file's tensor data uses: general.alignment if present, else 32.</summary>
    public int Alignment => TryGet(GgufFormat.AlignmentKey, out var v) && v.Type == GgufValueType.UInt32
        ? checked((int)(uint)v.Value)
        : GgufFormat.DefaultAlignment;
}
