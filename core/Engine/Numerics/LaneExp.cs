using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ImplicitBias.Engine.Numerics;

/// <summary>e^x with a scalar and a Vector512 form that give the same bits (every lane runs exactly the scalar
/// operations, fused multiply-adds included), so that runs trained eight to a vector.
/// (docs/performance.md, "LaneExp")</summary>
public static class LaneExp
{
    private const double Shifter = 6755399441055744.0;          // 1.5 * 2^52
    private const double Log2E = 1.4426950408889634;            // 1 / ln 2
    // ln 2 rounded to 32 significant bits (n Ln2Hi exact for |n| < 2^21)
    private const double Ln2Hi = 0.6931471803691238;
    private const double Ln2Lo = 1.9082149292705877e-10;        // ln 2 - Ln2Hi
    private const double Lowest = -750, Highest = 720;
    private const ulong ExponentBias = 1023;

    // 1 / k! for k = 13 .. 2 (the Horner chain ends with + r and + 1).
    private const double C13 = 1.0 / 6227020800.0, C12 = 1.0 / 479001600.0, C11 = 1.0 / 39916800.0,
        C10 = 1.0 / 3628800.0,
        C9 = 1.0 / 362880.0, C8 = 1.0 / 40320.0, C7 = 1.0 / 5040.0, C6 = 1.0 / 720.0, C5 = 1.0 / 120.0, C4 = 1.0 / 24.0,
        C3 = 1.0 / 6.0, C2 = 0.5;

    /// <summary>e^x (scalar form).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Exp(double x)
    {
        x = x < Lowest ? Lowest : x;
        x = x > Highest ? Highest : x;
        double shifted = Math.FusedMultiplyAdd(x, Log2E, Shifter);
        double n = shifted - Shifter;
        double r = Math.FusedMultiplyAdd(n, -Ln2Hi, x);
        r = Math.FusedMultiplyAdd(n, -Ln2Lo, r);
        double p = Math.FusedMultiplyAdd(C13, r, C12);
        p = Math.FusedMultiplyAdd(p, r, C11);
        p = Math.FusedMultiplyAdd(p, r, C10);
        p = Math.FusedMultiplyAdd(p, r, C9);
        p = Math.FusedMultiplyAdd(p, r, C8);
        p = Math.FusedMultiplyAdd(p, r, C7);
        p = Math.FusedMultiplyAdd(p, r, C6);
        p = Math.FusedMultiplyAdd(p, r, C5);
        p = Math.FusedMultiplyAdd(p, r, C4);
        p = Math.FusedMultiplyAdd(p, r, C3);
        p = Math.FusedMultiplyAdd(p, r, C2);
        p = Math.FusedMultiplyAdd(p, r, 1.0);
        p = Math.FusedMultiplyAdd(p, r, 1.0);
        double n1 = Math.Floor(n * 0.5), n2 = n - n1;
        return p * PowerOfTwo(n1) * PowerOfTwo(n2);
    }

    /// <summary>2^m for an integer-valued m in [-1022, 1023], from the bits (as the vector form does).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double PowerOfTwo(double m) =>
        BitConverter.UInt64BitsToDouble((BitConverter.DoubleToUInt64Bits(m + Shifter) + ExponentBias) << 52);

    /// <summary>e^x in each lane, bit for bit <see cref="Exp(double)"/> of that lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Exp(Vector512<double> x)
    {
        var lowest = Vector512.Create(Lowest); var highest = Vector512.Create(Highest);
        x = Vector512.ConditionalSelect(Vector512.LessThan(x, lowest), lowest, x);
        x = Vector512.ConditionalSelect(Vector512.GreaterThan(x, highest), highest, x);
        var shifter = Vector512.Create(Shifter);
        var shifted = Vector512.FusedMultiplyAdd(x, Vector512.Create(Log2E), shifter);
        var n = shifted - shifter;
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(C13), r, Vector512.Create(C12));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C11));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C10));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C9));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C8));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C7));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C5));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(C2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<double>.One);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<double>.One);
        var n1 = Vector512.Floor(n * Vector512.Create(0.5));
        var n2 = n - n1;
        return p * PowerOfTwo(n1) * PowerOfTwo(n2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> PowerOfTwo(Vector512<double> m)
    {
        var bits = (m + Vector512.Create(Shifter)).AsUInt64() + Vector512.Create(ExponentBias);
        return Vector512.ShiftLeft(bits, 52).AsDouble();
    }
}
