namespace ImplicitBias.Engine.Training;

/// <summary>Norms, directions, angles and margins used to measure where training went.</summary>
public static class Geometry
{
    /// <summary>Euclidean norm.</summary>
    public static double Norm(ReadOnlySpan<double> v) => Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.Dot(v, v));

    /// <summary>v / ||v|| in a new array (zeros stay zeros).</summary>
    public static double[] Normalize(ReadOnlySpan<double> v)
    {
        double n = Norm(v);
        var r = v.ToArray();
        if (n > 0) for (int i = 0; i < r.Length; i++) r[i] /= n;
        return r;
    }

    /// <summary>Cosine of the angle between a and b.</summary>
    public static double Cosine(ReadOnlySpan<double> a, ReadOnlySpan<double> b) =>
        System.Numerics.Tensors.TensorPrimitives.Dot(a, b) / (Norm(a) * Norm(b));

    /// <summary>The angle between a and b in radians, accurate also for tiny angles (2 atan2(|u-v|, |u+v|) of the unit vectors).</summary>
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
        int d = beta.Length;
        double min = double.PositiveInfinity;
        for (int n = 0; n < signedFeatures.Length / d; n++)
            min = Math.Min(min, System.Numerics.Tensors.TensorPrimitives.Dot(signedFeatures.Slice(n * d, d), beta));
        return min / Norm(beta);
    }
}
