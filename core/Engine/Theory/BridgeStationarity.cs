using ImplicitBias.Engine.Fourier;
using ImplicitBias.Engine.Networks;
using System.Numerics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Theory;

/// <summary>Stationarity certificates for the bridge-penalty max-margin problem (eq. 10): min ||beta_hat||_p (Fourier)
/// or ||beta||_p (time) s.t. y_n &lt;x_n, beta&gt; &gt;= 1, for 0 &lt; p &lt;= 1. beta is scaled to unit minimum
/// margin. (docs/theory-checks.md, "BridgeStationarity")</summary>
public static class BridgeStationarity
{
    /// <summary>The certificate of <paramref name="beta"/> on <paramref name="data"/> (beta need not be
    /// normalized).</summary>
    public static StationarityCertificate Certify(
        Dataset data, ReadOnlySpan<double> beta, double p, PenaltyDomain domain, StationarityOptions? options = null) =>
        Certify(data, beta, p, domain, Grid.Line(data.Dimension), options);

    /// <summary>The same with the features on a grid: in Fourier, eq. (11)-(13) with the grid's 2-D unitary DFT
    /// (<see cref="EntrySpace"/>; the grid 1 x D is the overload above). Time does not depend on the grid.</summary>
    public static StationarityCertificate Certify(
        Dataset data, ReadOnlySpan<double> beta, double p, PenaltyDomain domain, Grid grid,
            StationarityOptions? options = null)
    {
        options ??= StationarityOptions.Default;
        if (grid.Count != data.Dimension)
            throw new ArgumentException($"the grid {grid} has {grid.Count} entries but {data.Name} has D = " +
                                        $"{data.Dimension}.");
        var space = new EntrySpace(domain, grid);
        if (!(p > 0 && p <= 1)) throw new ArgumentException($"p must be in (0, 1] (got {p}); p = 2/L for depth L.");
        if (beta.Length != data.Dimension)
            throw new ArgumentException($"beta has {beta.Length} entries but {data.Name} has D = {data.Dimension}.");
        int n = data.Count, dim = data.Dimension;
        var z = data.SignedFeatures();
        var margins = Reference.Certificate.Margins(data, beta);
        double gamma = margins.Min();
        var empty = Array.Empty<int>();
        StationarityCertificate Fail(CertificateOutcome o) =>
            new(o, p, domain, gamma, double.NaN, empty, empty, new double[n], double.NaN, double.NaN, 0, options);
        bool zero = true;
        foreach (var v in beta) if (v != 0) { zero = false; break; }
        if (zero) return Fail(CertificateOutcome.Zero);
        if (!(gamma > 0)) return Fail(CertificateOutcome.NotSeparating);

        double scale = 1 / gamma;
        var scaled = new double[dim];
        for (int d = 0; d < dim; d++) scaled[d] = beta[d] * scale;
        var active = Enumerable.Range(0, n).Where(i => margins[i] * scale <= 1 + options.ActiveTolerance).ToArray();

        var entries = space.Of(scaled);
        double largest = entries.Max(e => e.Magnitude);
        var support = Enumerable.Range(0, entries.Length)
            .Where(j => entries[j].Magnitude > options.SupportThreshold * largest).ToArray();
        var inSupport = new bool[entries.Length];
        foreach (var j in support) inSupport[j] = true;

        // The target: the sub-gradient of ||.||_p^p on the support, eq. (12) / (13).
        var target = new Complex[entries.Length];
        foreach (var j in support)
        {
            double m = entries[j].Magnitude;
            target[j] = entries[j] / m * (p * Math.Pow(m, p - 1));
        }
        var pointEntries = active.Select(i => space.Of(z.AsSpan(i * dim, dim))).ToArray();

        // Real rows: Re and Im of every support entry, weighted by sqrt(multiplicity).
        var rowsA = new List<double[]>();
        var rowsB = new List<double>();
        foreach (var j in support)
        {
            double weight = Math.Sqrt(space.Multiplicity(j));
            rowsA.Add(pointEntries.Select(e => weight * e[j].Real).ToArray());
            rowsB.Add(weight * target[j].Real);
            if (weight > 1)
            {
                rowsA.Add(pointEntries.Select(e => weight * e[j].Imaginary).ToArray());
                rowsB.Add(weight * target[j].Imaginary);
            }
        }
        int rows = rowsA.Count, cols = active.Length;
        var a = new double[rows * cols];
        for (int r = 0; r < rows; r++) Array.Copy(rowsA[r], 0, a, r * cols, cols);
        var b = rowsB.ToArray();
        var fit = Nnls.Solve(a, rows, cols, b);
        double targetNorm = Math.Sqrt(b.Sum(v => v * v));

        var alpha = new double[n];
        for (int k = 0; k < cols; k++) alpha[active[k]] = fit.X[k];

        double offSupport = double.NaN;
        if (p == 1)
        {
            offSupport = 0;
            for (int j = 0; j < entries.Length; j++)
            {
                if (inSupport[j]) continue;
                Complex s = Complex.Zero;
                for (int k = 0; k < cols; k++) s += fit.X[k] * pointEntries[k][j];
                offSupport = Math.Max(offSupport, s.Magnitude);
            }
        }
        var fullSupport = support.SelectMany(j => space.FullIndices(j)).OrderBy(d => d).ToArray();
        return new StationarityCertificate(CertificateOutcome.Computed, p, domain, gamma, scale, active, fullSupport,
            alpha, fit.ResidualNorm / targetNorm, offSupport, rows, options);
    }
}
