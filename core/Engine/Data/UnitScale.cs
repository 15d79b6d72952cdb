namespace ImplicitBias.Engine.Data;

/// <summary>The data scale training works at. (docs/training.md, "UnitScale")</summary>
public static class UnitScale
{
    /// <summary>R = max_n ||x_n|| (1 for all-zero data; finite: a Dataset refuses points whose norm
    /// overflows).</summary>
    public static double Scale(Dataset data)
    {
        double r = data.MaxPointNorm();
        return r > 0 ? r : 1;
    }

    /// <summary>Training accepts max_n ||x_n|| / min_n ||x_n|| (nonzero points) up to 2^500, about 3.3e150 (see the
    /// class summary).</summary>
    public const int SpreadLimitExponent = 500;

    /// <summary>Null when the nonzero points' norms differ by at most 2^<see cref="SpreadLimitExponent"/>; otherwise
    /// the sentence saying why training cannot follow the data.</summary>
    public static string? SpreadProblem(Dataset data)
    {
        double largest = 0, smallest = double.PositiveInfinity;
        for (int n = 0; n < data.Count; n++)
        {
            double norm = Dataset.EuclideanNorm(data.Point(n));
            if (norm > 0) { largest = Math.Max(largest, norm); smallest = Math.Min(smallest, norm); }
        }
        if (!(largest > 0) || Math.Log2(largest) - Math.Log2(smallest) <= SpreadLimitExponent) return null;
        return FormattableString.Invariant(
            $"{data.Name}: the points' norms range from {smallest:G3} to {largest:G3}, a factor of about ") +
                FormattableString.Invariant($"1e{Math.Log10(largest) - Math.Log10(smallest):F0}, more than the ") +
                FormattableString.Invariant($"2^{SpreadLimitExponent} (about 3e150) training can follow: it divides ") +
                FormattableString.Invariant($"the data by the largest norm, and the smallest points' share of the ") +
                FormattableString.Invariant($"gradient, squared for the step rule, leaves the double range. ") +
                FormattableString.Invariant($"(Separability and the l2 reference solver handle any spread: they ") +
                FormattableString.Invariant($"work with each point's direction.) To train, rescale or leave out the ") +
                FormattableString.Invariant($"extreme points.");
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
