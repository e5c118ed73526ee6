using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using Xunit;

namespace LongRopeSearch.Engine.Tests;

/// <summary>
/// The reference forward pass against exact structural identities. Its numbers are held to float64 PyTorch by
/// FixtureNllTests (GQA, biases, tied embeddings, BF16/F16, scaled factors), not to a second C# model.
/// </summary>
public sealed class ReferenceForwardTests
{
    internal static double[] Run(LlamaWeights w, int[] tokens, FactorSet factors, int threads = 2)
    {
        var rope = RopeTable.Build(factors, w.Config.RopeTheta, w.Config.RotaryDim, tokens.Length);
        var nll = new double[tokens.Length - 1];
        new ReferenceForward(w, new ForwardPassOptions { Kind = ForwardPassKind.Reference, Threads = threads }).TokenNll(tokens, rope, nll);
        return nll;
    }

    [Fact]
    public void Chunk_boundaries_do_not_change_a_bit()
    {
        // The MLP and the logits run TokenChunk tokens at a time; the first chunk's predictions must not notice
        // whether more chunks follow, and the model is not trivial (predictions differ from each other).
        var m = RawModel.Random(new TinySpec());
        var tokens = RawModel.Tokens(m.Spec.Vocab, ReferenceForward.TokenChunk + 7, seed: 5);
        var w = m.ToWeights();
        var full = Run(w, tokens, FactorSet.Identity(4));
        Assert.Equal(Run(w, tokens[..ReferenceForward.TokenChunk], FactorSet.Identity(4)), full[..(ReferenceForward.TokenChunk - 1)]);
        Assert.True(full.Max() - full.Min() > 0.5);
    }

    [Fact]
    public void Zero_lm_head_gives_ln_vocab_for_every_token()
    {
        var m = RawModel.Random(new TinySpec());
        m.LmHead = new float[m.LmHead.Length];
        var nll = Run(m.ToWeights(), RawModel.Tokens(m.Spec.Vocab, 12, seed: 1), FactorSet.Identity(4));
        foreach (var v in nll) Assert.Equal(Math.Log(m.Spec.Vocab), v, 12);
    }

    [Fact]
    public void First_prediction_ignores_the_factor_set_and_equals_a_position_free_model()
    {
        // Position 0 attends only to itself: rotation angle 0 and any attention factor leave softmax over one key = 1.
        var m = RawModel.Random(new TinySpec());
        var w = m.ToWeights();
        var tokens = RawModel.Tokens(m.Spec.Vocab, 9, seed: 2);
        var identity = Run(w, tokens, FactorSet.Identity(4));
        var wild = Run(w, tokens, new FactorSet([0.3, 7, 1e6, 2], nHat: 0, attentionFactor: 3.7));
        Assert.Equal(identity[0], wild[0]);
        Assert.NotEqual(identity[^1], wild[^1]);
    }

    [Fact]
    public void N_hat_at_least_the_length_equals_the_unscaled_model_exactly()
    {
        var w = RawModel.Random(new TinySpec()).ToWeights();
        var tokens = RawModel.Tokens(19, 20, seed: 3);
        var identity = Run(w, tokens, FactorSet.Identity(4));
        Assert.Equal(identity, Run(w, tokens, new FactorSet([4, 9, 2, 30], nHat: 20, attentionFactor: 1.4)));
        Assert.Equal(identity, Run(w, tokens, new FactorSet([4, 9, 2, 30], nHat: 500, attentionFactor: 1.4)));
    }

    [Fact]
    public void Huge_factors_make_the_model_position_free()
    {
        // λ = 1e15 turns every angle to ~0: one attention layer then sees the earlier tokens as a set (its keys and
        // values depend on the token alone), so swapping two of them leaves every later prediction unchanged (up to
        // the order of the float64 sums); with real angles it does not.
        var w = RawModel.Random(new TinySpec { Seed = 9, Layers = 1 }).ToWeights();
        var tokens = RawModel.Tokens(19, 24, seed: 4);
        var swapped = (int[])tokens.Clone();
        (swapped[3], swapped[9]) = (tokens[9], tokens[3]);
        Assert.NotEqual(tokens[3], tokens[9]);
        var huge = new FactorSet([1e15, 1e15, 1e15, 1e15]);
        var a = Run(w, tokens, huge);
        var b = Run(w, swapped, huge);
        for (int t = 10; t < a.Length; t++) Assert.Equal(a[t], b[t], 1e-5);
        var c = Run(w, tokens, FactorSet.Identity(4));
        var d = Run(w, swapped, FactorSet.Identity(4));
        Assert.True(Enumerable.Range(10, c.Length - 10).Max(t => Math.Abs(c[t] - d[t])) > 1e-3);
    }

    [Fact]
    public void Gqa_equals_the_same_model_with_kv_heads_duplicated_into_mha()
    {
        var gqa = RawModel.Random(new TinySpec { Heads = 4, KvHeads = 2, QkvBias = true });
        var s = gqa.Spec;
        int d = s.HeadDim, group = s.Heads / s.KvHeads, h = s.Hidden;
        // MHA head j uses the rows of GQA kv head j / group.
        float[] RepeatRows(float[] m, int width) => Enumerable.Range(0, s.Heads)
            .SelectMany(j => m.AsSpan((j / group) * d * width, d * width).ToArray()).ToArray();
        var mha = new RawModel
        {
            Spec = s with { KvHeads = s.Heads },
            Embed = gqa.Embed,
            FinalNorm = gqa.FinalNorm,
            LmHead = gqa.LmHead,
            Layers = gqa.Layers.Select(l => new RawLayer
            {
                InputNorm = l.InputNorm, Q = l.Q, O = l.O, QBias = l.QBias, OBias = l.OBias,
                K = RepeatRows(l.K, h), V = RepeatRows(l.V, h), KBias = RepeatRows(l.KBias!, 1), VBias = RepeatRows(l.VBias!, 1),
                PostNorm = l.PostNorm, Gate = l.Gate, Up = l.Up, Down = l.Down,
            }).ToArray(),
        };
        var tokens = RawModel.Tokens(s.Vocab, 30, seed: 8);
        var factors = new FactorSet([1, 3, 5, 9], nHat: 4, attentionFactor: 1.1);
        Assert.Equal(Run(gqa.ToWeights(), tokens, factors), Run(mha.ToWeights(), tokens, factors));
    }

    [Fact]
    public void Tied_embeddings_equal_an_explicit_lm_head_copy()
    {
        var tied = RawModel.Random(new TinySpec { Tied = true });
        Assert.Same(tied.Embed, tied.LmHead);
        var untied = new RawModel
        {
            Spec = tied.Spec with { Tied = false }, Embed = tied.Embed, Layers = tied.Layers, FinalNorm = tied.FinalNorm,
            LmHead = (float[])tied.Embed.Clone(),
        };
        var tokens = RawModel.Tokens(tied.Spec.Vocab, 16, seed: 10);
        Assert.Equal(Run(tied.ToWeights(), tokens, FactorSet.Identity(4)), Run(untied.ToWeights(), tokens, FactorSet.Identity(4)));
    }

    [Fact]
    public void Attention_factor_two_equals_doubled_q_and_k_weights()
    {
        // af multiplies rotated q and k; ×2 is exact in binary floating point, so doubling W_q and W_k is the same model bit for bit.
        var m = RawModel.Random(new TinySpec());
        var tokens = RawModel.Tokens(m.Spec.Vocab, 18, seed: 11);
        var withFactor = Run(m.ToWeights(), tokens, new FactorSet([1, 1, 1, 1], attentionFactor: 2));
        foreach (var l in m.Layers)
        {
            l.Q = l.Q.Select(v => v * 2).ToArray();
            l.K = l.K.Select(v => v * 2).ToArray();
        }
        Assert.Equal(Run(m.ToWeights(), tokens, FactorSet.Identity(4)), withFactor);
    }

    [Theory]
    [InlineData(DType.BF16)]
    [InlineData(DType.F16)]
    public void Half_precision_storage_equals_float32_storage_of_the_rounded_values(DType dtype)
    {
        var m = RawModel.Random(new TinySpec());
        var half = m.ToWeights(dtype);
        // Rebuild the model from what the half-precision tensors hold, stored as F32.
        var rounded = RawModel.Random(new TinySpec());
        rounded.Embed = half.Embed.ToFloatArray();
        rounded.LmHead = half.LmHead.ToFloatArray();
        rounded.FinalNorm = half.FinalNorm.ToFloatArray();
        for (int i = 0; i < rounded.Layers.Length; i++)
        {
            var src = half.Layers[i];
            var dst = rounded.Layers[i];
            dst.InputNorm = src.InputNorm.ToFloatArray(); dst.Q = src.Q.ToFloatArray(); dst.K = src.K.ToFloatArray();
            dst.V = src.V.ToFloatArray(); dst.O = src.O.ToFloatArray(); dst.PostNorm = src.PostAttentionNorm.ToFloatArray();
            dst.Gate = src.Gate.ToFloatArray(); dst.Up = src.Up.ToFloatArray(); dst.Down = src.Down.ToFloatArray();
        }
        Assert.NotEqual(m.Embed, rounded.Embed); // rounding happened
        var tokens = RawModel.Tokens(m.Spec.Vocab, 14, seed: 12);
        Assert.Equal(Run(rounded.ToWeights(), tokens, FactorSet.Identity(4)), Run(half, tokens, FactorSet.Identity(4)));
    }

    [Fact]
    public void Predictions_are_causal_and_a_prefix_scores_like_the_full_sequence()
    {
        var w = RawModel.Random(new TinySpec()).ToWeights();
        var tokens = RawModel.Tokens(19, 25, seed: 13);
        var f = new FactorSet([1, 2, 4, 8], nHat: 3, attentionFactor: 1.3);
        var full = Run(w, tokens, f);
        Assert.Equal(full[..14], Run(w, tokens[..15], f));

        var changed = (int[])tokens.Clone();
        changed[15] = (changed[15] + 1) % 19;
        var after = Run(w, changed, f);
        Assert.Equal(full[..14], after[..14]);
        Assert.NotEqual(full[14], after[14]); // target of prediction 14 changed
        Assert.NotEqual(full[15], after[15]); // context of prediction 15 changed
    }

    [Fact]
    public void Thread_count_does_not_change_a_bit()
    {
        var w = RawModel.Random(new TinySpec()).ToWeights();
        var tokens = RawModel.Tokens(19, 33, seed: 14);
        var f = new FactorSet([1, 2, 4, 8], nHat: 3, attentionFactor: 1.3);
        Assert.Equal(Run(w, tokens, f, threads: 1), Run(w, tokens, f, threads: 4));
    }

    [Fact]
    public void Bad_inputs_are_refused_with_named_fields()
    {
        var w = RawModel.Random(new TinySpec { SlidingWindow = 8 }).ToWeights();
        var engine = new ReferenceForward(w);
        var rope = RopeTable.Build(FactorSet.Identity(4), 10000, 8, 16);
        var nll = new double[16];

        var badId = Assert.Throws<InputException>(() => engine.TokenNll([1, 2, 19, 3], rope, nll));
        Assert.Equal("tokens[2]", badId.Field);
        Assert.Throws<InputException>(() => engine.TokenNll([-1, 2], rope, nll));
        Assert.Equal("length", Assert.Throws<InputException>(() => engine.TokenNll([1], rope, nll)).Field);
        engine.TokenNll(new int[9], rope, nll); // longer than the window: attends through it (FixtureNllTests, l-mistral-window)

        var shortRope = RopeTable.Build(FactorSet.Identity(4), 10000, 8, 4);
        Assert.Throws<ArgumentException>(() => engine.TokenNll(new int[5], shortRope, nll));
        Assert.Throws<ArgumentException>(() => engine.TokenNll(new int[5], rope, new double[3]));
        Assert.Throws<InputException>(() => new ReferenceForward(w, new ForwardPassOptions { Threads = 0 }));
    }
}
