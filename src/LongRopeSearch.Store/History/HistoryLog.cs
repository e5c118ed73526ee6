using LongRopeSearch.Store.Parquet;

namespace LongRopeSearch.Store.History;

/// <summary>
/// history.parquet: every evaluated candidate of a job, one row group per flush (the job flushes once per
/// generation). Each flush rewrites the file atomically, so the file on disk is always a complete Parquet file,
/// even after kill -9.
/// </summary>
public sealed class HistoryLog
{
    public static readonly ParquetSchema Schema = new(
        new ParquetColumn("job_id", ParquetColumnKind.String),
        new ParquetColumn("stage", ParquetColumnKind.String),
        new ParquetColumn("target_length", ParquetColumnKind.Int32),
        new ParquetColumn("generation", ParquetColumnKind.Int32),
        new ParquetColumn("candidate_id", ParquetColumnKind.Int64),
        new ParquetColumn("origin", ParquetColumnKind.String),
        new ParquetColumn("lambda", ParquetColumnKind.DoubleList),
        new ParquetColumn("n_hat", ParquetColumnKind.Int32),
        new ParquetColumn("attention_factor", ParquetColumnKind.Double),
        new ParquetColumn("per_sample_nll", ParquetColumnKind.DoubleList),
        new ParquetColumn("mean_nll", ParquetColumnKind.Double),
        new ParquetColumn("ppl", ParquetColumnKind.Double),
        new ParquetColumn("abandoned", ParquetColumnKind.Boolean),
        new ParquetColumn("seconds", ParquetColumnKind.Double),
        new ParquetColumn("timestamp", ParquetColumnKind.TimestampMillis));

    private readonly ParquetAppendLog _log;

    public HistoryLog(string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Path = path;
        _log = new ParquetAppendLog(path, Schema, new ParquetWriteOptions
        {
            Compression = ParquetCompression.Snappy,
            KeyValueMetadata = metadata ?? new Dictionary<string, string>(),
        });
    }

    public string Path { get; }

    public void Append(IReadOnlyList<HistoryRow> rows)
    {
        if (rows.Count == 0) return;
        _log.Append(ToRowGroup(rows));
    }

    /// <summary>
    /// Drops rows past <paramref name="rows"/> (written by a run that was killed before its checkpoint recorded
    /// them; the resumed run writes them again). <paramref name="rows"/> must fall on a row-group boundary, which
    /// holds because the job only ever flushes whole groups and checkpoints right after.
    /// </summary>
    public void TruncateTo(long rows)
    {
        if (!File.Exists(Path)) return;
        var reader = ParquetFileReader.Open(Path);
        if (reader.RowCount <= rows) return;
        var keep = new List<ParquetRowGroup>();
        long n = 0;
        for (int g = 0; g < reader.RowGroupCount && n < rows; g++)
        {
            var group = reader.ReadRowGroup(g);
            if (n + group.RowCount > rows)
                throw new InvalidOperationException($"{Path}: cannot cut at row {rows}, inside row group {g}");
            keep.Add(group);
            n += group.RowCount;
        }
        ParquetFileWriter.WriteFile(Path, Schema, keep, new ParquetWriteOptions
        {
            Compression = ParquetCompression.Snappy,
            KeyValueMetadata = reader.KeyValueMetadata.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!),
        });
    }

    public static IReadOnlyList<HistoryRow> ReadAll(string path)
    {
        if (!File.Exists(path)) return [];
        var all = ParquetFileReader.Open(path).ReadAll();
        var jobId = all.Get<string>("job_id");
        var stage = all.Get<string>("stage");
        var target = all.Get<int>("target_length");
        var gen = all.Get<int>("generation");
        var id = all.Get<long>("candidate_id");
        var origin = all.Get<string>("origin");
        var lambda = all.Get<double[]>("lambda");
        var nHat = all.Get<int>("n_hat");
        var af = all.Get<double>("attention_factor");
        var nll = all.Get<double[]>("per_sample_nll");
        var mean = all.Get<double>("mean_nll");
        var ppl = all.Get<double>("ppl");
        var abandoned = all.Get<bool>("abandoned");
        var seconds = all.Get<double>("seconds");
        var ts = all.Get<DateTimeOffset>("timestamp");
        var rows = new HistoryRow[all.RowCount];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = new HistoryRow
            {
                JobId = jobId[i], Stage = stage[i], TargetLength = target[i], Generation = gen[i], CandidateId = id[i],
                Origin = origin[i], Lambda = lambda[i], NHat = nHat[i], AttentionFactor = af[i], PerSampleNll = nll[i],
                MeanNll = mean[i], Ppl = ppl[i], Abandoned = abandoned[i], Seconds = seconds[i], Timestamp = ts[i],
            };
        }
        return rows;
    }

    private static ParquetRowGroup ToRowGroup(IReadOnlyList<HistoryRow> rows) =>
        new ParquetRowGroup(Schema, rows.Count)
            .Set("job_id", rows.Select(r => r.JobId).ToArray())
            .Set("stage", rows.Select(r => r.Stage).ToArray())
            .Set("target_length", rows.Select(r => r.TargetLength).ToArray())
            .Set("generation", rows.Select(r => r.Generation).ToArray())
            .Set("candidate_id", rows.Select(r => r.CandidateId).ToArray())
            .Set("origin", rows.Select(r => r.Origin).ToArray())
            .Set("lambda", rows.Select(r => r.Lambda).ToArray())
            .Set("n_hat", rows.Select(r => r.NHat).ToArray())
            .Set("attention_factor", rows.Select(r => r.AttentionFactor).ToArray())
            .Set("per_sample_nll", rows.Select(r => r.PerSampleNll).ToArray())
            .Set("mean_nll", rows.Select(r => r.MeanNll).ToArray())
            .Set("ppl", rows.Select(r => r.Ppl).ToArray())
            .Set("abandoned", rows.Select(r => r.Abandoned).ToArray())
            .Set("seconds", rows.Select(r => r.Seconds).ToArray())
            .Set("timestamp", rows.Select(r => r.Timestamp).ToArray());
}
