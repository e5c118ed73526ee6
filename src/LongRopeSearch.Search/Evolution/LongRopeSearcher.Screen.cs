namespace LongRopeSearch.Search;

/// <summary>
/// Successive halving over samples (<see cref="EarlyAbandonSettings.Screen"/>): a generation with an abandon rule is
/// evaluated in two rounds. Round one (the screen) offers every child the generation's rule with a sample limit S, so
/// each stops after its first S samples (or earlier, where the rule abandons it). When every child is screened, the
/// children the rule would let go on are ranked by their NLL summed over those S samples (ties: lower id), the best
/// Keep are offered round two (the generation's rule, continuing after their screened samples), and every other child's
/// screen score becomes its result, abandoned. The ranking takes the whole generation at once, so the cut is the same
/// whatever order the screen's results arrive in, on one machine or many.
/// <para>
/// Why a quota rather than a tighter threshold: on the shipped checkpoint about 45% of a generation's children beat
/// the worst parent, so a threshold rule that keeps every would-be parent still finishes about half of them; and a
/// prefix of a sample predicts the full ranking poorly (the positions past the original window are what the factors
/// change), while a whole first sample predicts it well (README, "Successive halving").
/// </para>
/// </summary>
public sealed partial class LongRopeSearcher
{
    /// <summary>True while the current generation is in its screen round (some child not yet screened).</summary>
    private bool Screening => _screenRule is not null && _screenedCount < _pending.Count;

    /// <summary>Whether pending candidate <paramref name="i"/> still waits for a result of the current round.</summary>
    private bool IsOpen(int i) => Screening ? _screened[i] is null : _reported[i] is null;

    /// <summary>The screen result of pending candidate <paramref name="i"/>, or null (not screened, or no screen).</summary>
    private CandidateScore? ScreenOf(int i) => _screened.Length > 0 ? _screened[i] : null;

    /// <summary>Sets up the screen of a generation just started: only with a rule, and only when it drops someone.</summary>
    private void StartScreen()
    {
        var screen = Space.Evolution.EarlyAbandon.Screen;
        bool on = _rule is not null && screen is not null && screen.Samples < Space.Evolution.Samples && _pending.Count > screen.Keep;
        _screenRule = on ? _rule!.WithSampleLimit(screen!.Samples) : null;
        _screened = on ? new CandidateScore?[_pending.Count] : [];
        _screenedCount = 0;
    }

    private List<EvaluatedCandidate> ReportScreen(int i, CandidateScore score)
    {
        if (_screened[i] is not null)
            throw new InvalidOperationException($"candidate {_pending[i].Id} was already screened");
        CheckScore(score, _screenRule);
        if (!score.Abandoned)
            throw new ArgumentException($"a screen evaluation stops after {_screenRule!.SampleLimit} samples (the screen's rule says stop there), this one scored all {score.PerSampleNll.Length}", nameof(score));
        _screened[i] = score;
        _screenedCount++;
        if (_screenedCount < _pending.Count) return [];
        var dropped = EndScreen();
        if (_reportedCount == _pending.Count) CompleteGeneration();
        return dropped;
    }

    /// <summary>
    /// Every child is screened: keep the best <see cref="ScreenSettings.Keep"/> of those the generation's rule lets go
    /// on, and make every other screen score final. Returns the finals, in id order. Also how a restore rebuilds the
    /// cut from the screen results it reads (the cut is derived, never stored).
    /// </summary>
    private List<EvaluatedCandidate> EndScreen()
    {
        var limit = _screenRule!.SampleLimit!.Value;
        var survivors = new List<(double Sum, long Id, int Index)>();
        for (int i = 0; i < _pending.Count; i++)
        {
            var s = _screened[i]!;
            if (s.PerSampleNll.Length != limit || _rule!.Stops(s)) continue;  // abandoned by the rule inside the screen
            double sum = 0;
            for (int j = 0; j < limit; j++) sum += s.PerSampleNll[j];         // sample-aligned: the same samples for all
            survivors.Add((sum, _pending[i].Id, i));
        }
        var kept = survivors.OrderBy(v => v.Sum).ThenBy(v => v.Id).Take(Space.Evolution.EarlyAbandon.Screen!.Keep).Select(v => v.Index).ToHashSet();
        var finals = new List<EvaluatedCandidate>();
        for (int i = 0; i < _pending.Count; i++)
        {
            if (kept.Contains(i)) continue;
            _reported[i] = _screened[i];
            _reportedCount++;
            finals.Add(new EvaluatedCandidate(_pending[i], _screened[i]!));
        }
        return finals;
    }

    /// <summary>
    /// A screened child's completed samples for its continuation: its step sums when it carries complete ones (an
    /// evaluator that scores in steps), else null (the continuation scores every sample again, to the same bits).
    /// </summary>
    private static double[][]? ScreenedSamples(CandidateScore? screen)
    {
        if (screen?.PrefixNllSums is not { } sums || screen.PrefixEnds is not { } ends) return null;
        var n = screen.PerSampleNll.Length;
        if (sums.Length < n || sums.Take(n).Any(a => a.Length != ends.Length)) return null;
        return sums.Take(n).Select(a => (double[])a.Clone()).ToArray();
    }
}
