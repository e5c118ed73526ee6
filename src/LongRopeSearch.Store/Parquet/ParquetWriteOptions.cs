namespace LongRopeSearch.Store.Parquet;

/// <summary>Compression of data pages (the footer is never compressed).</summary>
public enum ParquetCompression
{
    /// <summary>UNCOMPRESSED.</summary>
    None,

    /// <summary>SNAPPY (raw Snappy blocks, via IronSnappy): what most Parquet writers use by default.</summary>
    Snappy,
}

/// <summary>How <see cref="ParquetFileWriter"/> and <see cref="ParquetAppendLog"/> write.</summary>
public sealed record ParquetWriteOptions
{
    public ParquetCompression Compression { get; init; } = ParquetCompression.Snappy;

    /// <summary>FileMetaData.version: 1 (the default; what parquet.thrift recommends for compatibility) or 2.</summary>
    public int FormatVersion { get; init; } = 1;

    /// <summary>
    /// A data page is closed at the first row boundary where it holds at least this many level entries
    /// (one per row, or per list element for list rows). Keeps pages near 0.5 MB for doubles by default.
    /// </summary>
    public int PageValueLimit { get; init; } = 64 * 1024;

    /// <summary>Footer key_value_metadata (e.g. job id, code version), written sorted by key (ordinal) for stable bytes.</summary>
    public IReadOnlyDictionary<string, string> KeyValueMetadata { get; init; } = new Dictionary<string, string>();

    /// <summary>Throws <see cref="ArgumentException"/> for values the format cannot take.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Compression)) throw new ArgumentException($"unknown compression {Compression}", nameof(Compression));
        if (FormatVersion is not (1 or 2)) throw new ArgumentException($"FormatVersion must be 1 or 2, got {FormatVersion}", nameof(FormatVersion));
        if (PageValueLimit < 1) throw new ArgumentException($"PageValueLimit must be positive, got {PageValueLimit}", nameof(PageValueLimit));
        ArgumentNullException.ThrowIfNull(KeyValueMetadata);
    }
}
