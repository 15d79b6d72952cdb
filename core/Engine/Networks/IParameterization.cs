using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Networks;

/// <summary>A parameterization beta = P(w) of the linear predictors on R^D by a flat parameter vector w in R^P (Section
/// 2 of the paper). Gradient descent needs only P itself and its vector-Jacobian product; Theorem 4 needs P to be a
/// homogeneous polynomial of some degree. (docs/performance.md, "IParameterization")</summary>
public interface IParameterization
{
    /// <summary>A short name used in file names and figures, e.g. "conv-L3".</summary>
    string Name { get; }
    /// <summary>Input dimension D of the predictor beta.</summary>
    int Dimension { get; }
    /// <summary>Number of scalar parameters P.</summary>
    int ParameterCount { get; }
    /// <summary>Homogeneity degree nu: P(c w) = c^nu P(w).</summary>
    int Degree { get; }
    /// <summary>beta = P(w).</summary>
    void Predictor(ReadOnlySpan<double> w, Span<double> beta);
    /// <summary>gradW = J_P(w)^T gradBeta, the gradient through P of a loss whose beta-gradient is gradBeta.</summary>
    void PullBack(ReadOnlySpan<double> w, ReadOnlySpan<double> gradBeta, Span<double> gradW);
    /// <summary>Seeded random initialization; every layer gets Euclidean norm about <paramref name="scale"/>.</summary>
    void Initialize(Span<double> w, double scale, SeededRandom rng);
}

/// <summary>Conveniences over <see cref="IParameterization"/>.</summary>
public static class ParameterizationExtensions
{
    /// <summary>beta = P(w) in a new array.</summary>
    public static double[] Predictor(this IParameterization p, ReadOnlySpan<double> w)
    {
        var beta = new double[p.Dimension];
        p.Predictor(w, beta);
        return beta;
    }

    /// <summary>J_P(w)^T gradBeta in a new array.</summary>
    public static double[] PullBack(this IParameterization p, ReadOnlySpan<double> w, ReadOnlySpan<double> gradBeta)
    {
        var g = new double[p.ParameterCount];
        p.PullBack(w, gradBeta, g);
        return g;
    }

    /// <summary>A new seeded initialization.</summary>
    public static double[] Initialize(this IParameterization p, double scale, ulong seed)
    {
        var w = new double[p.ParameterCount];
        p.Initialize(w, scale, new SeededRandom(seed));
        return w;
    }
}
