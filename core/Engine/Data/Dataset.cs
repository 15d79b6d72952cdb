namespace ImplicitBias.Engine.Data;

/// <summary>A binary classification dataset: N points x_n in R^D (row-major, <see cref="Features"/>[n*D + d]) with
/// labels y_n in {-1, +1}. Immutable once built; the constructor checks every value.</summary>
public sealed class Dataset
{
    /// <summary>Number of points N.</summary>
    public int Count { get; }
    /// <summary>Input dimension D.</summary>
    public int Dimension { get; }
    /// <summary>The inputs, row-major N x D.</summary>
    public double[] Features { get; }
    /// <summary>The labels, each -1 or +1.</summary>
    public double[] Labels { get; }
    /// <summary>Where the data came from (file path or generator description), used in messages.</summary>
    public string Name { get; }

    /// <summary>Builds a dataset; throws <see cref="ArgumentException"/> naming the bad entry.</summary>
    public Dataset(double[] features, double[] labels, int dimension, string name = "dataset")
    {
        if (dimension < 1) throw new
            ArgumentException($"{name}: a dataset needs at least one feature (D = {dimension}).");
        if (labels.Length < 1) throw new ArgumentException($"{name}: a dataset needs at least one point.");
        if (features.Length != labels.Length * dimension)
            throw new ArgumentException($"{name}: {features.Length} feature values do not make {labels.Length} rows " +
                                        $"of D = {dimension}.");
        for (int n = 0; n < labels.Length; n++)
        {
            if (labels[n] != 1.0 && labels[n] != -1.0)
                throw new ArgumentException($"{name}: point {n}: label {labels[n]} is not -1 or +1.");
            for (int d = 0; d < dimension; d++)
                if (!double.IsFinite(features[n * dimension + d]))
                    throw new ArgumentException($"{name}: point {n}, feature {d}: value " +
                                                $"{features[n * dimension + d]} is not finite.");
            var row = features.AsSpan(n * dimension, dimension);
            if (!double.IsFinite(EuclideanNorm(row)))
                throw new ArgumentException($"{name}: point {n}: {NormOverflowProblem(row)}");
        }
        Features = features; Labels = labels; Dimension = dimension; Count = labels.Length; Name = name;
    }

    /// <summary>The row x_n.</summary>
    public ReadOnlySpan<double> Point(int n) => Features.AsSpan(n * Dimension, Dimension);

    /// <summary>The rows y_n x_n, row-major N x D: margins are then simply Z beta.</summary>
    public double[] SignedFeatures()
    {
        var z = new double[Features.Length];
        for (int n = 0; n < Count; n++)
            for (int d = 0; d < Dimension; d++) z[n * Dimension + d] = Labels[n] * Features[n * Dimension + d];
        return z;
    }

    /// <summary>max_n ||x_n||_2, the data scale that step sizes are measured against (finite for
    /// every dataset: the constructor rejects points whose norm overflows).</summary>
    public double MaxPointNorm()
    {
        double best = 0;
        for (int n = 0; n < Count; n++) best = Math.Max(best, EuclideanNorm(Point(n)));
        return best;
    }

    /// <summary>||x||_2 without spurious overflow or underflow, as max|x| * ||x / max|x|||_2: scaling x by a power of
    /// two scales the result by exactly that power (training's data scale relies on it, UnitScale). Infinite only when
    /// the norm itself exceeds the double range.</summary>
    public static double EuclideanNorm(ReadOnlySpan<double> x)
    {
        double max = 0;
        foreach (var v in x) max = Math.Max(max, Math.Abs(v));
        if (max == 0 || !double.IsFinite(max)) return max;
        double t = 0;
        foreach (var v in x) { double r = v / max; t += r * r; }
        return max * Math.Sqrt(t);
    }

    /// <summary>The sentence used when a point's norm overflows (CSV import and the constructor).</summary>
    public static string NormOverflowProblem(ReadOnlySpan<double> x)
    {
        double max = 0;
        foreach (var v in x) max = Math.Max(max, Math.Abs(v));
        double t = 0;
        foreach (var v in x) { double r = v / max; t += r * r; }
        return FormattableString.Invariant(
            $"the features' Euclidean norm (about {max:G3} * {Math.Sqrt(t):G3}) overflows a double (max ") +
                FormattableString.Invariant($"{double.MaxValue:G3}); rescale the data.");
    }
}
