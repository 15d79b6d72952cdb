namespace ImplicitBias.Engine.Data;

/// <summary>
/// The data scale training works at. Gradient descent's limit direction does not depend on the
/// scale of the inputs, but double arithmetic does (features of 1e300 overflow the margins of the
/// first step, features of 1e-300 underflow them), and so does the path from a fixed initialization
/// (the margins at the start scale with the data). So training divides the features by
/// R = max_n ||x_n|| (<see cref="Of"/>), which makes the largest point norm 1, and reports its
/// results back in the input's coordinates: the margins y_n &lt;x_n / R, beta&gt; equal
/// y_n &lt;x_n, beta / R&gt;, so the input-coordinate predictor is beta / R (same direction) and the
/// normalized margin min_n y_n &lt;x_n, beta&gt; / ||beta|| is R times that of the scaled data.
/// Two datasets that differ by a factor c then train alike: bit for bit when c is a power of two
/// (R scales exactly), and up to the rounding of one division otherwise.
/// </summary>
public static class UnitScale
{
    /// <summary>R = max_n ||x_n|| (1 for all-zero data; finite: a Dataset refuses points whose norm overflows).</summary>
    public static double Scale(Dataset data)
    {
        double r = data.MaxPointNorm();
        return r > 0 ? r : 1;
    }

    /// <summary>The data divided by R = max_n ||x_n|| (<paramref name="scale"/>), named as the original.</summary>
    public static Dataset Of(Dataset data, out double scale)
    {
        scale = Scale(data);
        if (scale == 1) return data;
        var features = new double[data.Features.Length];
        for (int i = 0; i < features.Length; i++) features[i] = data.Features[i] / scale;
        return new Dataset(features, data.Labels, data.Dimension, data.Name);
    }
}
