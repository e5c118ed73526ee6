using LongRopeSearch.Rope;
using Xunit;

namespace LongRopeSearch.Engine.Tests;

/// <summary>The element-wise pieces of the reference, against values worked out by hand.</summary>
public sealed class ReferenceOpsTests
{
    [Fact]
    public void RmsNorm_of_a_known_vector()
    {
        // mean(3², 4²) = 12.5 → rms = √12.5
        var y = new float[2];
        ReferenceOps.RmsNorm([3f, 4f], [1f, 2f], 0, y);
        Assert.Equal(3 / Math.Sqrt(12.5), y[0], 6);
        Assert.Equal(8 / Math.Sqrt(12.5), y[1], 6);

        ReferenceOps.RmsNorm([0f, 0f], [1f, 1f], 1e-6, y); // eps keeps zeros finite
        Assert.Equal([0f, 0f], y);
    }

    [Fact]
    public void Rotation_of_a_unit_vector_follows_hf_rotate_half()
    {
        // head_dim 2: θ_0 = 1, so position p rotates (1, 0) to (cos p, sin p) and (0, 1) to (−sin p, cos p).
        var rope = RopeTable.Build(FactorSet.Identity(1), 10000, 2, 4);
        var e0 = new float[] { 1, 0 };
        var e1 = new float[] { 0, 1 };
        ReferenceOps.Rotate(e0, rope.Cos.AsSpan(3, 1), rope.Sin.AsSpan(3, 1));
        ReferenceOps.Rotate(e1, rope.Cos.AsSpan(3, 1), rope.Sin.AsSpan(3, 1));
        Assert.Equal(Math.Cos(3), e0[0], 6);
        Assert.Equal(Math.Sin(3), e0[1], 6);
        Assert.Equal(-Math.Sin(3), e1[0], 6);
        Assert.Equal(Math.Cos(3), e1[1], 6);
    }

    [Fact]
    public void Rotation_pairs_dim_i_with_dim_i_plus_half()
    {
        // Only dims 1 and 3 are non-zero: pair 1 rotates; dims 0 and 2 (pair 0) must stay zero.
        var rope = RopeTable.Build(FactorSet.Identity(2), 100, 4, 8);
        var head = new float[] { 0, 1, 0, 0 };
        var p = 5;
        ReferenceOps.Rotate(head, rope.Cos.AsSpan(p * 2, 2), rope.Sin.AsSpan(p * 2, 2));
        var angle = p * Math.Pow(100, -2.0 / 4);
        Assert.Equal(0f, head[0]);
        Assert.Equal(Math.Cos(angle), head[1], 5);
        Assert.Equal(0f, head[2]);
        Assert.Equal(Math.Sin(angle), head[3], 5);
    }

    [Fact]
    public void Partial_rotary_rotates_the_first_rotary_dims_in_pairs_i_and_i_plus_half_of_them_and_passes_the_rest()
    {
        // head_dim 10, rotary dim 6 (Phi-3's q[..., :rotary_dim]): pairs (0,3), (1,4), (2,5); dims 6..9 untouched.
        var rope = RopeTable.Build(new FactorSet([1, 2, 4]), 100, 6, 4);
        var rng = new Random(11);
        var x = Enumerable.Range(0, 4 * 2 * 10).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(); // [4 tokens, 2 heads·10]
        var before = x.ToArray();
        ReferenceOps.RotateRows(x, 4, 2, 10, rope);
        for (int t = 0; t < 4; t++)
            for (int h = 0; h < 2; h++)
            {
                int o = (t * 2 + h) * 10;
                for (int i = 0; i < 3; i++)
                {
                    double angle = t * Math.Pow(100, -2.0 * i / 6) / (i == 0 ? 1 : i == 1 ? 2 : 4);
                    double a = before[o + i], b = before[o + i + 3];
                    Assert.Equal(a * Math.Cos(angle) - b * Math.Sin(angle), x[o + i], 5);
                    Assert.Equal(b * Math.Cos(angle) + a * Math.Sin(angle), x[o + i + 3], 5);
                }
                for (int e = 6; e < 10; e++) Assert.Equal(before[o + e], x[o + e]);
            }
    }

    [Theory]
    [InlineData(1.0, 0)]
    [InlineData(1.5, 0)]
    [InlineData(1.5, 6)]
    public void Rotation_is_an_isometry_scaled_by_the_attention_factor_past_n_hat(double af, int nHat)
    {
        var rng = new Random(3);
        var factors = new FactorSet([1, 3, 7, 50], nHat, af);
        var rope = RopeTable.Build(factors, 10000, 8, 12);
        for (int p = 0; p < 12; p++)
        {
            var head = Enumerable.Range(0, 8).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var before = head.ToArray();
            ReferenceOps.Rotate(head, rope.Cos.AsSpan(p * 4, 4), rope.Sin.AsSpan(p * 4, 4));
            double scale = p < nHat ? 1.0 : af;
            for (int i = 0; i < 4; i++)
            {
                var n0 = Math.Sqrt(before[i] * before[i] + before[i + 4] * before[i + 4]);
                var n1 = Math.Sqrt(head[i] * head[i] + head[i + 4] * head[i + 4]);
                Assert.Equal(n0 * scale, n1, 5);
            }
        }
    }

    [Fact]
    public void Rotated_dot_products_depend_only_on_the_relative_position()
    {
        var factors = new FactorSet([1, 2.5, 9, 40]);
        var rope = RopeTable.Build(factors, 10000, 8, 40);
        var rng = new Random(4);
        var q = Enumerable.Range(0, 8).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var k = Enumerable.Range(0, 8).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        double DotAt(int pq, int pk)
        {
            var a = q.ToArray();
            var b = k.ToArray();
            ReferenceOps.Rotate(a, rope.Cos.AsSpan(pq * 4, 4), rope.Sin.AsSpan(pq * 4, 4));
            ReferenceOps.Rotate(b, rope.Cos.AsSpan(pk * 4, 4), rope.Sin.AsSpan(pk * 4, 4));
            return ReferenceLinear.Dot(a, b);
        }
        Assert.Equal(DotAt(7, 3), DotAt(30, 26), 5);
        Assert.Equal(DotAt(2, 0), DotAt(39, 37), 5);
        Assert.NotEqual(DotAt(7, 3), DotAt(7, 4), 3);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(37)]
    [InlineData(256)]
    public void Dot_and_AddScaled_equal_plain_float64_loops(int n)
    {
        var rng = new Random(n);
        var a = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var b = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        double plain = 0;
        for (int i = 0; i < n; i++) plain += (double)a[i] * b[i];
        Assert.Equal(plain, ReferenceLinear.Dot(a, b), 13); // only the summation order differs

        var acc = Enumerable.Range(0, n).Select(i => i * 0.25).ToArray();
        var expected = acc.Select((v, i) => v + 0.3 * b[i]).ToArray();
        ReferenceOps.AddScaled(acc, 0.3, b);
        Assert.Equal(expected, acc); // element-wise: the very same bits
    }

    [Fact]
    public void Nll_is_logsumexp_minus_the_target_and_does_not_overflow()
    {
        Assert.Equal(Math.Log(2), ReferenceOps.Nll([1000.0, 1000.0], 1), 12);
        Assert.Equal(Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(-3)) + 3, ReferenceOps.Nll([1.0, 2.0, -3.0], 2), 12);
    }

    [Fact]
    public void ExpShift_writes_the_numerators_and_returns_their_sum()
    {
        var v = new double[] { 0, Math.Log(3), -1 };
        double sum = ReferenceOps.ExpShift(v, Math.Log(3));
        Assert.Equal(1.0 / 3, v[0], 15);
        Assert.Equal(1.0, v[1], 15);
        Assert.Equal(Math.Exp(-1) / 3, v[2], 15);
        Assert.Equal(v.Sum(), sum, 15);
        Assert.Equal(Math.Log(3), ReferenceOps.Max([0, Math.Log(3), -1]));
    }

    [Fact]
    public void SiluGate_multiplies_silu_of_gate_by_up()
    {
        var gate = new float[] { 0f, 2f, -1f };
        ReferenceOps.SiluGate(gate, [5f, 0.5f, 3f]);
        Assert.Equal(0f, gate[0]);
        Assert.Equal(2 / (1 + Math.Exp(-2)) * 0.5, gate[1], 6);
        Assert.Equal(-1 / (1 + Math.Exp(1)) * 3, gate[2], 6);
    }
}
