namespace LongRopeSearch.Engine;

/// <summary>
/// One sample being evaluated in prefix segments (<see cref="IPrefixForwardPass.BeginSample"/>). Positions are the
/// L − 1 next-token predictions: position t is nll[t] = −log p(tokens[t+1] | tokens[0..t]). Dispose ends the
/// evaluation (finished or not) and frees the forward pass for the next one.
/// </summary>
public interface IPrefixEvaluation : IDisposable
{
    /// <summary>Tokens of the sample (L).</summary>
    int Length { get; }

    /// <summary>Positions of the sample: L − 1.</summary>
    int Positions { get; }

    /// <summary>Positions done: nll[t] is known for t &lt; Position.</summary>
    int Position { get; }

    /// <summary>
    /// Runs rows [Position, <paramref name="toPosition"/>) through the model and writes nll[t] for those t into
    /// <paramref name="nll"/>, the sample's whole [L − 1] array (other entries untouched). toPosition must be in
    /// (Position, Positions]. Cancelled mid-way, the positions of segments already finished count as done.
    /// </summary>
    void Advance(int toPosition, Span<double> nll, CancellationToken cancellationToken = default);
}
