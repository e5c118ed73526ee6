using LongRopeSearch.Model;
using Xunit;

namespace LongRopeSearch.Model.Tests;

/// <summary>The 16-bit conversions against independent decodings of every bit pattern.</summary>
public class FloatConvertTests
{
    /// <summary>IEEE-style decode of a binary floating-point pattern in double arithmetic (exact for 16-bit formats).</summary>
    private static double Decode(int bits, int exponentBits, int mantissaBits)
    {
        int sign = (bits >> (exponentBits + mantissaBits)) & 1;
        int exp = (bits >> mantissaBits) & ((1 << exponentBits) - 1);
        int mant = bits & ((1 << mantissaBits) - 1);
        int bias = (1 << (exponentBits - 1)) - 1;
        double magnitude;
        if (exp == (1 << exponentBits) - 1) magnitude = mant == 0 ? double.PositiveInfinity : double.NaN;
        else if (exp == 0) magnitude = Math.ScaleB(mant, 1 - bias - mantissaBits);            // subnormal
        else magnitude = Math.ScaleB((1 << mantissaBits) + mant, exp - bias - mantissaBits);   // normal
        return sign == 1 ? -magnitude : magnitude;
    }

    private static void AssertSameFloat(double expected, float actual, int bits)
    {
        if (double.IsNaN(expected)) Assert.True(float.IsNaN(actual), $"pattern 0x{bits:X4}: expected NaN, got {actual}");
        else
        {
            Assert.True((double)actual == expected, $"pattern 0x{bits:X4}: expected {expected:R}, got {actual:R}");
            Assert.Equal(double.IsNegative(expected), float.IsNegative(actual)); // keeps the sign of zero
        }
    }

    [Fact]
    public void BF16_widening_matches_independent_decode_for_all_patterns()
    {
        var src = new ushort[65536];
        for (int i = 0; i < src.Length; i++) src[i] = (ushort)i;
        var dst = new float[src.Length];
        FloatConvert.BF16ToFloat(src, dst);
        for (int i = 0; i < src.Length; i++)
        {
            var expected = Decode(i, 8, 7);
            AssertSameFloat(expected, dst[i], i);
            AssertSameFloat(expected, FloatConvert.BF16ToFloat((ushort)i), i);
        }
    }

    [Fact]
    public void F16_widening_matches_BitConverter_and_independent_decode_for_all_patterns()
    {
        var src = new Half[65536];
        for (int i = 0; i < src.Length; i++) src[i] = BitConverter.UInt16BitsToHalf((ushort)i);
        var dst = new float[src.Length];
        FloatConvert.HalfToFloat(src, dst);
        for (int i = 0; i < src.Length; i++)
        {
            AssertSameFloat(Decode(i, 5, 10), dst[i], i);
            AssertSameFloat((float)BitConverter.UInt16BitsToHalf((ushort)i), dst[i], i);
        }
    }

    [Fact]
    public void BF16_narrowing_rounds_to_nearest_even()
    {
        var rng = new Random(7);
        var bits = new List<uint> { 0x3F808000, 0x3F818000, 0x3F807FFF, 0x7F7FFFFF, 0xFF7FFFFF, 0x00000001, 0x80000000, 0x7F800000 };
        for (int i = 0; i < 20000; i++) bits.Add((uint)rng.NextInt64(0, 1L << 32));
        foreach (var b in bits)
        {
            float f = BitConverter.UInt32BitsToSingle(b);
            ushort r = FloatConvert.FloatToBF16(f);
            if (float.IsNaN(f))
            {
                Assert.True(float.IsNaN(FloatConvert.BF16ToFloat(r)), $"0x{b:X8}: NaN must stay NaN");
                continue;
            }
            // The two bfloat16 neighbours of f (truncation and the next pattern away from zero), compared in double;
            // the pattern past the largest finite value stands for 2^128 as in IEEE rounding.
            ushort lo = (ushort)(b >> 16), hi = (ushort)(lo + 1);
            double vf = f, vlo = Decode(lo, 8, 7), vhi = (hi & 0x7FFF) == 0x7F80 ? Math.CopySign(Math.ScaleB(1, 128), vf) : Decode(hi, 8, 7);
            if (float.IsInfinity(f) || (b & 0xFFFF) == 0) { Assert.Equal(lo, r); continue; }
            double dlo = Math.Abs(vf - vlo), dhi = Math.Abs(vhi - vf);
            ushort expected = dlo < dhi ? lo : dhi < dlo ? hi : (lo & 1) == 0 ? lo : hi;
            Assert.True(expected == r, $"0x{b:X8}: expected 0x{expected:X4}, got 0x{r:X4}");
        }
    }

    [Theory]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    public unsafe void Tensor_Read_of_a_slice_widens_each_stored_element(DType dtype)
    {
        var rng = new Random(3);
        var values = new float[37];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(rng.NextDouble() * 20 - 10);
        var t = Tensor.FromFloats("x", [values.Length], values, dtype);
        var slice = new float[20];
        t.Read(5, slice);
        for (int i = 0; i < slice.Length; i++)
        {
            ushort stored = ((ushort*)t.Data)[5 + i];
            double expected = dtype == DType.F16 ? Decode(stored, 5, 10) : Decode(stored, 8, 7);
            Assert.Equal(expected, slice[i]);
            // Stored values are the nearest representable ones to the float given.
            float viaBcl = dtype == DType.F16 ? (float)(Half)values[5 + i] : BitConverter.Int32BitsToSingle(FloatConvert.FloatToBF16(values[5 + i]) << 16);
            Assert.Equal(viaBcl, slice[i]);
        }
    }
}
