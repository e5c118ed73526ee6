using System.Runtime.InteropServices;

namespace LongRopeSearch.Cli.Terminal;

/// <summary>
/// Turns Ctrl-C and SIGTERM into a cancellation the job checks at evaluation boundaries, instead of killing the
/// process mid-write. A second signal is left to the default handler, so an impatient user can still force an exit
/// (the checkpoint on disk is never half-written either way).
/// </summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly TextWriter _output;

    /// <param name="output">Where to say that the signal was heard (the command's error writer).</param>
    public ShutdownSignal(TextWriter output)
    {
        _output = output;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
    }

    public CancellationToken Token => _cts.Token;

    private void Handle(PosixSignalContext context)
    {
        if (_cts.IsCancellationRequested) return;
        context.Cancel = true;
        _output.WriteLine($"{context.Signal}: stopping at the next evaluation boundary (send again to force)");
        _cts.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cts.Dispose();
    }
}
