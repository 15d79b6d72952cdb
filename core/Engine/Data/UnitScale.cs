namespace ImplicitBias.Engine.Data;

/// <summary>
/// The data scale training works at. Gradient descent's limit direction does not depend on the
/// scale of the inputs, but double arithmetic does (features of 1e300 overflow the margins of the
/// first step, features of 1e-300 underflow them). So training divides the features by a power of
/// two, 2^e with e = ceil(log2 max_n ||x_n||), which brings max_n ||x_n|| into (1/2, 1] exactly
/// (every mantissa is kept), and reports its results back in the input's coordinates: the margins
/// y_n &lt;2^-e x_n, beta&gt; equal y_n &lt;x_n, 2^-e beta&gt;, so the input-coordinate predictor is
/// 2^-e beta (same direction) and the normalized margin min_n y_n &lt;x_n, beta&gt; / ||beta|| is 2^e
/// times that of the scaled data. Two datasets that differ by a power-of-two factor therefore train
/// bit for bit alike (subnormal features aside).
/// </summary>
public static class UnitScale
{
    /// <summary>
    /// max_n ||x_n||_2 without overflow or underflow (each row scaled by its largest |entry|);
    /// +infinity when a norm itself exceeds the double range.
    /// </summary>
    public static double MaxPointNorm(Dataset data)
    {
        double best = 0;
        for (int n = 0; n < data.Count; n++)
        {
            var row = data.Point(n);
            double max = 0;
            foreach (var v in row) max = Math.Max(max, Math.Abs(v));
            if (max == 0) continue;
            double sum = 0;
            foreach (var v in row) { double u = v / max; sum += u * u; }
            best = Math.Max(best, max * Math.Sqrt(sum));
        }
        return best;
    }

    /// <summary>The exponent e with max_n ||x_n|| / 2^e in (1/2, 1] (0 for all-zero data).</summary>
    public static int Exponent(Dataset data)
    {
        double r = MaxPointNorm(data);
        if (double.IsPositiveInfinity(r))
            throw new ArgumentException($"{data.Name}: a point's Euclidean norm exceeds the double range (about 1.8e308); rescale the data.");
        if (r == 0) return 0;
        int e = Math.ILogB(r) + 1; // 2^(e-1) <= r < 2^e
        if (Math.ScaleB(1.0, e - 1) == r) e--;  // r an exact power of two: r / 2^e = 1
        return e;
    }

    /// <summary>The data divided by 2^e (exact), named as the original; returns e too.</summary>
    public static Dataset Of(Dataset data, out int exponent)
    {
        exponent = Exponent(data);
        if (exponent == 0) return data;
        var features = new double[data.Features.Length];
        for (int i = 0; i < features.Length; i++) features[i] = Math.ScaleB(data.Features[i], -exponent);
        return new Dataset(features, data.Labels, data.Dimension, data.Name);
    }
}
