namespace LongRopeSearch.Cluster.Evaluations;

/// <summary>
/// The finished samples of one evaluation in flight, kept in the database (<see cref="EvaluationStore.SaveInFlightAsync"/>)
/// so that a worker killed in the middle of a multi-sample evaluation loses only the sample it was on: what earlier
/// attempts finished (<see cref="Completed"/>: each sample's NLL sums at every step end, in sample order; null to start
/// from sample 0), and where this attempt hands every sample it finishes with more to do (<see cref="SampleFinished"/>:
/// all complete samples so far). The same pair the in-process job keeps in its checkpoint (JobState.InFlight).
/// </summary>
public sealed record InFlightSamples(IReadOnlyList<double[]>? Completed, Action<IReadOnlyList<double[]>> SampleFinished)
{
    /// <summary>Nothing kept and nothing to keep: an evaluation from sample 0 whose samples are not checkpointed.</summary>
    public static InFlightSamples None { get; } = new(null, _ => { });
}
