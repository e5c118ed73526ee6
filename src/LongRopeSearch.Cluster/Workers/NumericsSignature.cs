using System.Security.Cryptography;
using System.Text;

namespace LongRopeSearch.Cluster.Workers;

/// <summary>
/// What must be equal for two machines to produce the same bits for one evaluation: the engine's numerics version
/// (which includes the SIMD level for as long as results depend on it) and the model fingerprint. A job's evaluations
/// are enqueued on the Hangfire queue named <see cref="Queue"/>, and a worker listens only to the queues of the
/// signatures it can serve, so a worker whose numerics differ is never handed the job's evaluations.
/// </summary>
public sealed record NumericsSignature(string NumericsVersion, string ModelFingerprint)
{
    /// <summary>
    /// Hangfire queue name: "ev-" + 16 hex digits of SHA-256 over both parts (queue names allow only [a-z0-9_-]).
    /// The first letters sort before "lr-coordinator", which does not matter: each server lists its own queues.
    /// </summary>
    public string Queue
    {
        get
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes(NumericsVersion + "\n" + ModelFingerprint));
            return "ev-" + Convert.ToHexStringLower(hash, 0, 8);
        }
    }

    public override string ToString() => $"numerics {NumericsVersion}, model {ModelFingerprint}";
}
