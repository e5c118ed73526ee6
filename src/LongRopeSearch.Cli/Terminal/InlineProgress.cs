namespace LongRopeSearch.Cli.Terminal;

/// <summary>
/// IProgress that runs the handler synchronously on the reporting thread. System.Progress posts to the thread pool,
/// so its reports can arrive out of order or after the work has finished; a progress line must not.
/// </summary>
internal sealed class InlineProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
