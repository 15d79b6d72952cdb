namespace ImplicitBias.Engine.Reference.HighPrecision;

/// <summary>Vectors of <see cref="BigFloat"/> as plain arrays: conversions, inner products, norms, angles.</summary>
public static class BigVector
{
    /// <summary>Doubles, exactly, carried at <paramref name="precision"/> bits.</summary>
    public static BigFloat[] FromDoubles(ReadOnlySpan<double> x, int precision)
    {
        var r = new BigFloat[x.Length];
        for (int i = 0; i < r.Length; i++) r[i] = BigFloat.FromDouble(x[i], precision);
        return r;
    }

    /// <summary>The nearest doubles.</summary>
    public static double[] ToDoubles(BigFloat[] x) => x.Select(v => v.ToDouble()).ToArray();

    /// <summary>Every entry at <paramref name="precision"/> bits.</summary>
    public static BigFloat[] WithPrecision(BigFloat[] x,
        int precision) => x.Select(v => v.WithPrecision(precision)).ToArray();

    /// <summary>0 vector.</summary>
    public static BigFloat[] Zeros(int length, int precision)
    {
        var r = new BigFloat[length];
        Array.Fill(r, BigFloat.Zero(precision));
        return r;
    }

    /// <summary>sum_i a_i b_i.</summary>
    public static BigFloat Dot(BigFloat[] a, BigFloat[] b)
    {
        var sum = a[0] * b[0];
        for (int i = 1; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>||a||_2.</summary>
    public static BigFloat Norm(BigFloat[] a) => BigFloatMath.Sqrt(Dot(a, a));

    /// <summary>a / ||a||_2 (a must not be 0).</summary>
    public static BigFloat[] Normalize(BigFloat[] a)
    {
        var norm = Norm(a);
        if (norm.IsZero) throw new ArgumentException("the zero vector has no direction.");
        return a.Select(v => v / norm).ToArray();
    }

    /// <summary>a + c b.</summary>
    public static BigFloat[] AddScaled(BigFloat[] a, BigFloat c, BigFloat[] b)
    {
        var r = new BigFloat[a.Length];
        for (int i = 0; i < r.Length; i++) r[i] = a[i] + c * b[i];
        return r;
    }

    /// <summary>The angle between a and b (radians), as 2 asin(||a/|a| - b/|b||| / 2), which keeps its accuracy for
    /// tiny angles (the arccos of a cosine loses everything below about 1e-8).</summary>
    public static double Angle(BigFloat[] a, BigFloat[] b)
    {
        var ua = Normalize(a);
        var ub = Normalize(b);
        var d = new BigFloat[ua.Length];
        for (int i = 0; i < d.Length; i++) d[i] = ua[i] - ub[i];
        return 2 * Math.Asin(Math.Min(1, Norm(d).ToDouble() / 2));
    }
}
