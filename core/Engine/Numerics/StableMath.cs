namespace ImplicitBias.Engine.Numerics;

/// <summary>Numerically stable scalar pieces shared by the losses.</summary>
public static class StableMath
{
    /// <summary>e^x with the bits of Math.Exp, but 0 at once below -746, where Math.Exp is 0 anyway (e^-745.14 is below
    /// half the smallest subnormal): glibc's exp takes a slow path (errno, SVID error handling) for every result that
    /// underflows, and the loss weights of fitted points underflow at every step.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static double Exp(double x) => x < -746.0 ? 0.0 : Math.Exp(x);

    /// <summary>log(1 + e^z) without overflow, accurate also where e^z is below machine epsilon.</summary>
    public static double Softplus(double z) => z > 0 ? z + Log1P(Exp(-z)) : Log1P(Exp(z));

    /// <summary>log(1 + x), accurate for tiny x (Goldberg's trick: the rounding of 1 + x cancels).</summary>
    public static double Log1P(double x)
    {
        double u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    /// <summary>log(log(1 + e^z)), accurate for z down to -1e300 (where it equals z).</summary>
    public static double LogSoftplus(double z)
    {
        if (z < -37) return z - 0.5 * Exp(z); // log(log1p(r)) = z + log(1 - r/2 + ...) for r = e^z
        return Math.Log(Softplus(z));
    }

    /// <summary>log sum_n e^(a_n), shifted by the maximum; -infinity for an empty input.</summary>
    public static double LogSumExp(ReadOnlySpan<double> a)
    {
        if (a.Length == 0) return double.NegativeInfinity;
        double max = double.NegativeInfinity;
        foreach (var v in a) max = Math.Max(max, v);
        if (double.IsNegativeInfinity(max) || double.IsPositiveInfinity(max)) return max;
        double sum = 0;
        foreach (var v in a) sum += Exp(v - max);
        return max + Math.Log(sum);
    }
}
