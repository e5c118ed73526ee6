using System.Globalization;
using LongRopeSearch.Core;
using LongRopeSearch.Model;

namespace LongRopeSearch.Jobs;

/// <summary>
/// A job's evaluation samples, loaded once per length and kept: the first K search documents (every candidate of a
/// stage is scored on exactly these tokens, in this order; the search compares candidates sample by sample) and the
/// first V validation documents. Too few documents long enough is an InputException naming the data and the job
/// setting that asked for that many. Each corpus (search data, validation data) is one <see cref="TokenizedCorpus"/>
/// for the whole job: every document is read and tokenized once, whatever the number of stages and evaluations.
/// </summary>
public sealed class JobSamples(JobSpec spec, ITokenizer tokenizer, int searchSamples, int validationSamples, string validationSamplesSource)
{
    private readonly Dictionary<int, SampleSet> _search = [];
    private readonly Dictionary<int, SampleSet> _validation = [];
    private readonly Dictionary<string, TokenizedCorpus> _corpora = [];

    /// <param name="stage">Named in errors ("target 2048").</param>
    public SampleSet Search(int length, string stage) =>
        Get(_search, spec.Data, length, searchSamples, stage, $"the search space's samples in {spec.Space}");

    public SampleSet Validation(int length, string stage) =>
        Get(_validation, spec.Validation, length, validationSamples, stage, validationSamplesSource);

    private SampleSet Get(Dictionary<int, SampleSet> cache, string path, int length, int count, string stage, string countSource)
    {
        if (cache.TryGetValue(length, out var set)) return set;
        try
        {
            if (!_corpora.TryGetValue(path, out var corpus)) _corpora[path] = corpus = TokenizedCorpus.Open(path, tokenizer);
            set = corpus.Samples(length, count);
        }
        catch (InputException e) when (e.Origin == path && e.Field.Length == 0)
        {
            // The loader's words speak of command-line options; here the count comes from the job.
            throw new InputException(path, "",
                string.Create(CultureInfo.InvariantCulture, $"at least {count} documents of at least {length} tokens for {stage} ({count}: {countSource})"), e.Found, e);
        }
        cache[length] = set;
        return set;
    }
}
