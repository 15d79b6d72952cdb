using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Networks;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Theory;

/// <summary>How close parameters w are to a first-order stationary (KKT) point of eq. (14), min ||w||^2 s.t. y_n
/// &lt;x_n, P(w)&gt; &gt;= 1 (Theorem 4).</summary>
/// <param name="Outcome">Whether the numbers below were computed.</param>
/// <param name="MinimumMargin">min_n y_n &lt;x_n, P(w)&gt; at the w given.</param>
/// <param name="Scale">c = MinimumMargin^(-1/nu): c w has unit minimum margin.</param>
/// <param name="ActiveSet">Indices of the points whose margin at c w is at most 1 + ActiveTolerance.</param>
/// <param name="Alpha">Multipliers (length N, zero off the active set) with c w ~ sum_n alpha_n grad m_n(c w); the KKT
/// multipliers of ||w||^2 are 2 alpha.</param>
/// <param name="Residual">||c w - sum_n alpha_n grad m_n(c w)|| / ||c w||: 0 at a KKT point, at most 1.</param>
/// <param name="ActiveTolerance">The tolerance used for the active set.</param>
public sealed record ParameterCertificate(
    CertificateOutcome Outcome, double MinimumMargin, double Scale, int[] ActiveSet, double[] Alpha, double Residual,
    double ActiveTolerance);

/// <summary>The Theorem 4 certificate for any homogeneous <see cref="IParameterization"/>: w scaled to unit minimum
/// margin is fit as sum_n alpha_n grad m_n(w) over the active margins, alpha &gt;= 0, by non-negative least squares.
/// (docs/theory-checks.md, "ParameterStationarity")</summary>
public static class ParameterStationarity
{
    /// <summary>The certificate of <paramref name="w"/> for <paramref name="model"/> on
    /// <paramref name="data"/>.</summary>
    public static ParameterCertificate Certify(IParameterization model, Dataset data, ReadOnlySpan<double> w,
        double activeTolerance = 1e-3)
    {
        if (model.Dimension != data.Dimension)
            throw new ArgumentException($"model {model.Name} is for D = {model.Dimension} but {data.Name} has D = " +
                                        $"{data.Dimension}.");
        if (w.Length != model.ParameterCount)
            throw new ArgumentException($"model {model.Name} has {model.ParameterCount} parameters, not {w.Length}.");
        int n = data.Count, dim = data.Dimension, count = model.ParameterCount;
        var z = data.SignedFeatures();
        var beta = model.Predictor(w);
        var margins = Reference.Certificate.Margins(data, beta);
        double gamma = margins.Min();
        double norm = Geometry.Norm(w);
        if (norm == 0) return new(CertificateOutcome.Zero, gamma, double.NaN, Array.Empty<int>(), new double[n],
            double.NaN, activeTolerance);
        if (!(gamma > 0)) return new(CertificateOutcome.NotSeparating, gamma, double.NaN, Array.Empty<int>(),
            new double[n], double.NaN, activeTolerance);

        double c = Math.Pow(gamma, -1.0 / model.Degree);
        var scaled = w.ToArray();
        for (int i = 0; i < count; i++) scaled[i] *= c;
        var active = Enumerable.Range(0, n).Where(i => margins[i] / gamma <= 1 + activeTolerance).ToArray();
        int cols = active.Length;
        var a = new double[count * cols];
        for (int k = 0; k < cols; k++)
        {
            var grad = model.PullBack(scaled, z.AsSpan(active[k] * dim, dim));
            for (int i = 0; i < count; i++) a[i * cols + k] = grad[i];
        }
        var fit = Nnls.Solve(a, count, cols, scaled);
        var alpha = new double[n];
        for (int k = 0; k < cols; k++) alpha[active[k]] = fit.X[k];
        return new ParameterCertificate(CertificateOutcome.Computed, gamma, c, active, alpha,
            fit.ResidualNorm / (c * norm), activeTolerance);
    }
}
