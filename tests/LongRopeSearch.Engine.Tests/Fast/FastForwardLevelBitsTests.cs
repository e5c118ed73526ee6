using LongRopeSearch.Engine.Fast.Kernels;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Engine.Tests;

/// <summary>
/// The determinism invariant of the fast forward pass: the same NLL bits at every SIMD level (Scalar, Vector256,
/// Vector512), so a job scores the same on every x86-64 machine. Levels wider than this CPU run emulated by .NET,
/// which performs the same IEEE operations lane by lane; the CLI test (SimdLevelBitsTests in the Cli tests) checks
/// the real hardware paths through DOTNET_EnableAVX512=0 and friends.
/// </summary>
public sealed class FastForwardLevelBitsTests
{
    /// <summary>Lengths that are not multiples of 16 (tails everywhere), one that crosses a 128-key tile.</summary>
    public static TheoryData<string, int> FixtureModels() => new()
    {
        { "tests/fixtures/models/gqa", 203 },               // GQA: 4 query heads on 2 kv heads, head_dim 16
        { "tests/fixtures/models/gqa", 17 },
        { "models/tiny-brown", 100 },                        // the shipped model: head_dim 64, intermediate 688
        { "tests/fixtures/models/tied-vocab300", 77 },       // vocab 300: a ragged logits row
        { "tests/fixtures/models/head-dim-override", 50 },   // heads·head_dim (64) ≠ hidden (48)
        { "tests/fixtures/models/qwen2", 45 },               // q/k/v biases
        { "tests/fixtures/models/bf16", 64 },
        { "tests/fixtures/models/mistral-window", 203 },     // a 6-key window on every layer, across key tiles
        { "tests/fixtures/models/qwen2-window-layers", 150 }, // a window on layer 1 only
        { "tests/fixtures/models/phi3-partial", 166 },       // fused weights, rotary on 8 of 16 dims, a 100-key window
    };

    [Theory]
    [MemberData(nameof(FixtureModels))]
    public void Fixture_models_give_the_same_bits_at_every_level(string model, int length)
    {
        using var folder = ModelFolder.Open(RepoPaths.Combine(model.Split('/')));
        var c = folder.Config;
        var tokens = RawModel.Tokens(c.VocabSize, length, seed: length);
        var scaled = new FactorSet(Enumerable.Range(0, c.RotaryPairs).Select(i => 1.0 + 0.7 * i).ToArray(), nHat: 5, attentionFactor: 1.2);
        foreach (var factors in new[] { FactorSet.Identity(c.RotaryPairs), scaled })
            AssertSameBitsAtEveryLevel(folder.Weights, tokens, factors, $"{model} L={length} {factors.Key}");
    }

    [Theory]
    [InlineData(40, 16, 37)]
    [InlineData(48, 8, 130)]
    public void Random_models_with_ragged_shapes_give_the_same_bits_at_every_level(int hidden, int headDim, int length)
    {
        // hidden and intermediate off the 16-lane grid, vocab 23, GQA 3:1; head_dim 8 takes the scalar attention path.
        var spec = new TinySpec { Hidden = hidden, Heads = 3, KvHeads = 1, HeadDim = headDim, Intermediate = 52, Vocab = 23, Seed = hidden };
        var w = RawModel.Random(spec).ToWeights(DType.F16);
        var factors = new FactorSet(Enumerable.Range(0, headDim / 2).Select(i => 1.0 + i).ToArray(), nHat: 3, attentionFactor: 1.1);
        AssertSameBitsAtEveryLevel(w, RawModel.Tokens(spec.Vocab, length, seed: 3), factors, $"hidden {hidden} d {headDim}");
    }

    private static void AssertSameBitsAtEveryLevel(LlamaWeights w, int[] tokens, FactorSet factors, string what)
    {
        var scalar = FastForwardTests.RunFast(w, tokens, factors, level: SimdLevel.Scalar);
        Assert.All(scalar, v => Assert.True(double.IsFinite(v) && v > 0));
        foreach (var level in KernelTestData.AllLevels.Where(l => l != SimdLevel.Scalar))
        {
            var other = FastForwardTests.RunFast(w, tokens, factors, level: level);
            int first = Enumerable.Range(0, scalar.Length).FirstOrDefault(t => BitConverter.DoubleToInt64Bits(scalar[t]) != BitConverter.DoubleToInt64Bits(other[t]), -1);
            Assert.True(first < 0, $"{what}: {level} differs from Scalar at token {first}: {(first < 0 ? 0 : other[first]):R} vs {(first < 0 ? 0 : scalar[first]):R}");
        }
    }
}
