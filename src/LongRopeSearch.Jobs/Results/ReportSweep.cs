using System.Globalization;
using LongRopeSearch.Core;
using LongRopeSearch.Engine;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.Store.Reports;

namespace LongRopeSearch.Jobs;

/// <summary>A factor set the report scores at every length.</summary>
/// <param name="Searched">The search's own factors (true) or a classic method (false).</param>
public sealed record SweepMethod(string Name, bool Searched, FactorSet Factors);

/// <summary>Progress of a sweep in tokens, for a rate and an ETA.</summary>
public sealed record SweepProgress(long TokensDone, long TokensTotal, int EvaluationsDone, int EvaluationsTotal, string Method, int Length);

/// <summary>The sweep's numbers and how much of it came from the cache.</summary>
public sealed record SweepOutcome(IReadOnlyList<SweepSeries> Series, int Evaluated, int Cached, IReadOnlyList<string> Notes);

/// <summary>
/// The report's length sweep: every method's perplexity on the first K validation documents at each length, through
/// the scorer. Results go into a <see cref="SweepCache"/> after every evaluation, so a re-run (or a run after an
/// interruption) evaluates only what is missing. A length with fewer than K long-enough documents is skipped with a
/// note rather than scored on fewer samples, which would make its points incomparable.
/// </summary>
public sealed class ReportSweep(PerplexityScorer scorer, ITokenizer tokenizer, string validationPath, int samples, SweepCache cache)
{
    /// <summary>
    /// What the sweep's numbers depend on, by content (<see cref="SweepCache"/>'s context): the model and the
    /// validation documents as the job's fingerprint hashes them, the samples per length, the engine and its numerics.
    /// A moved job directory keeps its cache; an edited document or another model does not.
    /// </summary>
    public static string CacheContext(JobContext job, int samples, ForwardPassKind engineKind)
    {
        ArgumentNullException.ThrowIfNull(job);
        return string.Create(CultureInfo.InvariantCulture,
            $"model={JobFingerprint.OfModel(job.Spec.Model)};validation={JobFingerprint.OfDocuments(job.Spec.Validation)};samples={samples};engine={engineKind};numerics={JobFingerprint.NumericsVersion}");
    }

    /// <summary>L0·{1, 2, 4, 8, …} up to the largest target, plus that target when it is not such a multiple.</summary>
    public static IReadOnlyList<int> DefaultLengths(int originalLength, int maxTarget)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(originalLength, 2);
        var lengths = new List<int>();
        for (long l = originalLength; l <= maxTarget; l *= 2) lengths.Add((int)l);
        if (lengths.Count == 0 || lengths[^1] != maxTarget) lengths.Add(Math.Max(maxTarget, 2));
        return lengths;
    }

    /// <summary>
    /// The searched sets in the order given, then none, pi, ntk, yarn, llama3 and dynamic-ntk at
    /// <paramref name="scale"/> (the largest target's).
    /// </summary>
    public static IReadOnlyList<SweepMethod> Methods(IEnumerable<(string Name, FactorSet Factors)> searched, RopeGeometry geometry, double scale)
    {
        ArgumentNullException.ThrowIfNull(searched);
        ArgumentNullException.ThrowIfNull(geometry);
        var methods = searched.Select(s => new SweepMethod(s.Name, true, s.Factors)).ToList();
        var s = Math.Max(1.0, scale);
        foreach (var (name, factors) in Baselines.WithIdentity(geometry, s))
        {
            var label = name == BaselineMethod.None.Name() ? name : string.Create(CultureInfo.InvariantCulture, $"{name} s={s:0.##}");
            methods.Add(new SweepMethod(label, false, factors));
        }
        return methods;
    }

    public SweepOutcome Run(IReadOnlyList<SweepMethod> methods, IReadOnlyList<int> lengths, IProgress<SweepProgress>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(methods);
        ArgumentNullException.ThrowIfNull(lengths);
        var notes = new List<string>();
        var sets = new Dictionary<int, SampleSet>();
        var corpus = TokenizedCorpus.Open(validationPath, tokenizer); // each document tokenized once for every length
        foreach (var length in lengths.Distinct().Order())
        {
            try
            {
                sets[length] = corpus.Samples(length, samples);
            }
            catch (InputException e)
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"length {length} skipped: {e.Message}"));
            }
        }

        var todo = sets.Keys.Order().SelectMany(l => methods.Select(m => (Method: m, Length: l)))
            .Where(w => !cache.TryGet(w.Method.Factors, w.Length, out _))
            .DistinctBy(w => SweepCache.Key(w.Method.Factors, w.Length))
            .ToList();
        long total = todo.Sum(w => (long)w.Length * sets[w.Length].Samples.Count);
        long done = 0;
        for (int i = 0; i < todo.Count; i++)
        {
            var (method, length) = todo[i];
            var set = sets[length];
            long before = done;
            int index = i;
            var perSample = new InlineSampleProgress(p => progress?.Report(new SweepProgress(before + p.TokensDone, total, index, todo.Count, method.Name, length)));
            var result = scorer.Evaluate(set, method.Factors, null, ct, perSample);
            done += (long)length * set.Samples.Count;
            cache.Put(method.Factors, length, new SweepEntry(result.Ppl, result.MeanNll, result.PerSampleNll));
            cache.Save();
            progress?.Report(new SweepProgress(done, total, i + 1, todo.Count, method.Name, length));
        }

        var series = methods.Select(m => new SweepSeries(m.Name, m.Searched, sets.Keys.Order()
            .Select(l => new SweepPoint(l, cache.TryGet(m.Factors, l, out var e) ? e.Ppl : double.NaN)).ToList())).ToList();
        int cells = sets.Count * methods.Count;
        return new SweepOutcome(series, todo.Count, cells - todo.Count, notes);
    }

    /// <summary>Forwards the scorer's per-sample progress synchronously (Progress&lt;T&gt; would post to a thread pool).</summary>
    private sealed class InlineSampleProgress(Action<EvalProgress> report) : IProgress<EvalProgress>
    {
        public void Report(EvalProgress value) => report(value);
    }
}
