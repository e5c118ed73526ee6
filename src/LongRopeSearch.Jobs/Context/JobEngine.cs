using LongRopeSearch.Engine;
using LongRopeSearch.Model;

namespace LongRopeSearch.Jobs;

/// <summary>A job's model weights and the perplexity engine over them.</summary>
public sealed class JobEngine : IDisposable
{
    private JobEngine(ModelFolder model, PerplexityScorer evaluator)
    {
        Model = model;
        Evaluator = evaluator;
    }

    public ModelFolder Model { get; }
    public PerplexityScorer Evaluator { get; }

    internal static JobEngine Open(string modelFolder, ForwardPassOptions options)
    {
        var model = ModelFolder.Open(modelFolder);
        try
        {
            return new JobEngine(model, new PerplexityScorer(model.Weights, options));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Evaluator.Dispose();
        Model.Dispose();
    }
}
