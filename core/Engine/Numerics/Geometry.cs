namespace ImplicitBias.Engine.Numerics;

/// <summary>Norms, directions, angles and margins used to measure where training went (records, and the settling
/// floor's observations, which steer the step). (docs/performance.md, "Geometry")</summary>
public static class Geometry
{
    /// <summary>Euclidean norm, also for vectors whose squares leave the double range (a run whose margins grow
    /// geometrically ends with beta near 1e300): then it is max|v_i| * ||v / max|v_i|||.</summary>
    public static double Norm(ReadOnlySpan<double> v)
    {
        // not TensorPrimitives.Dot: its order follows the machine's vector width
        double squares = Numerics.Simd.Dot(v, v);
        if (double.IsFinite(squares) && squares > 1e-280) return Math.Sqrt(squares);
        double max = 0;
        foreach (double x in v) max = Math.Max(max, Math.Abs(x));
        if (!(max > 0) || !double.IsFinite(max)) return max == 0 ? 0 : double.NaN;
        double sum = 0;
        foreach (double x in v) { double u = x / max; sum += u * u; }
        return max * Math.Sqrt(sum);
    }

    /// <summary>v / ||v|| in a new array (zeros stay zeros).</summary>
    public static double[] Normalize(ReadOnlySpan<double> v)
    {
        double n = Norm(v);
        var r = v.ToArray();
        if (n > 0) for (int i = 0; i < r.Length; i++) r[i] /= n;
        return r;
    }

    /// <summary>Cosine of the angle between a and b (computed on a / ||a|| and b / ||b||, so any scale is
    /// fine).</summary>
    public static double Cosine(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double na = Norm(a), nb = Norm(b), sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] / na * (b[i] / nb);
        return sum;
    }

    /// <summary>The angle between a and b in radians, accurate also for tiny angles (2 atan2(|u-v|, |u+v|) of the unit
    /// vectors).</summary>
    public static double Angle(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double na = Norm(a), nb = Norm(b), diff = 0, sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double u = a[i] / na, v = b[i] / nb;
            diff += (u - v) * (u - v); sum += (u + v) * (u + v);
        }
        return 2 * Math.Atan2(Math.Sqrt(diff), Math.Sqrt(sum));
    }

    /// <summary>min_n y_n &lt;x_n, beta&gt; / ||beta||, given the rows z_n = y_n x_n.</summary>
    public static double NormalizedMargin(ReadOnlySpan<double> signedFeatures, ReadOnlySpan<double> beta)
    {
        double min = MinMargin(signedFeatures, beta);
        // Margins past the double range: the same ratio, computed on beta / ||beta||.
        return double.IsFinite(min) ? min / Norm(beta) : MinMargin(signedFeatures, Normalize(beta));
    }

    private static double MinMargin(ReadOnlySpan<double> signedFeatures, ReadOnlySpan<double> beta)
    {
        int d = beta.Length;
        double min = double.PositiveInfinity;
        for (int n = 0; n < signedFeatures.Length / d; n++)
            min = Math.Min(min, Numerics.Simd.Dot(signedFeatures.Slice(n * d, d), beta));
        return min;
    }
}
