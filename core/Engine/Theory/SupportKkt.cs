using ImplicitBias.Engine.Networks;
using System.Numerics;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Theory;

/// <summary>The first-order (KKT) system of min sum_j m_j |b_j|^p s.t. y_n &lt;x_n, beta&gt; &gt;= 1 restricted to a
/// support S (domain entries, see <see cref="DomainEntries"/>) and an active set A, in real coordinates, so that
/// <see cref="CertifiedLimit"/> can both polish (Newton) and certify. (docs/theory-checks.md, "SupportKkt")</summary>
public sealed class SupportKkt
{
    /// <summary>The exponent p.</summary>
    public double P { get; }
    /// <summary>Input dimension D.</summary>
    public int Dimension => Space.Dimension;
    /// <summary>Time or Fourier.</summary>
    public PenaltyDomain Domain => Space.Domain;
    /// <summary>The entries' space (domain and grid).</summary>
    public EntrySpace Space { get; }
    /// <summary>Domain-entry indices of the support, ascending.</summary>
    public int[] Support { get; }
    /// <summary>Point indices of the active set, ascending.</summary>
    public int[] Active { get; }
    /// <summary>Real coordinates R = Re/Im rows (the equations of the fit).</summary>
    public int Coordinates => entryOf.Length;

    private readonly int[] entryOf;      // coordinate r -> entry j
    private readonly bool[] imaginary;   // coordinate r is Im b_j
    private readonly double[] weight;    // m_r
    private readonly double[,] g;        // |A| x R: Re/Im of z_hat_n[j]
    private readonly Complex[][] points; // z_hat of every point (all N), for the off-support bound

    /// <summary>Builds the system; <paramref name="pointEntries"/>[n] are the domain entries of y_n x_n for every
    /// point.</summary>
    public SupportKkt(Complex[][] pointEntries, int[] support, int[] active, int dimension, PenaltyDomain domain,
        double p)
        : this(pointEntries, support, active, EntrySpace.Line(dimension, domain), p) { }

    /// <summary>The same on a grid's entries (<see cref="EntrySpace"/>).</summary>
    public SupportKkt(Complex[][] pointEntries, int[] support, int[] active, EntrySpace space, double p)
    {
        P = p; Space = space; points = pointEntries;
        Support = support.OrderBy(j => j).ToArray();
        Active = active.OrderBy(n => n).ToArray();
        var e = new List<int>(); var im = new List<bool>();
        foreach (var j in Support)
        {
            e.Add(j); im.Add(false);
            if (space.Multiplicity(j) == 2) { e.Add(j); im.Add(true); }
        }
        entryOf = e.ToArray(); imaginary = im.ToArray();
        weight = entryOf.Select(j => (double)space.Multiplicity(j)).ToArray();
        g = new double[Active.Length, entryOf.Length];
        for (int a = 0; a < Active.Length; a++)
            for (int r = 0; r < entryOf.Length; r++)
                g[a, r] = Part(pointEntries[Active[a]][entryOf[r]], imaginary[r]);
    }

    /// <summary>Entry j of coordinate r (the Re and Im coordinates of one entry are adjacent).</summary>
    internal int EntryOf(int r) => entryOf[r];
    /// <summary>The multiplicity m_r of coordinate r.</summary>
    internal double WeightOf(int r) => weight[r];
    /// <summary>G[a, r]: the Re/Im part of z_hat of active point a at coordinate r.</summary>
    internal double G(int a, int r) => g[a, r];
    /// <summary>|b_j| for each coordinate r.</summary>
    internal double[] ModuliOf(ReadOnlySpan<double> u) => Moduli(u);

    /// <summary>One entry's block of the Jacobian of the target t = p |b|^(p-2) u in its coordinates u (the Hessian of
    /// |b|^p), at modulus <paramref name="mod"/>: diag I + curv u u^T with diag = p |b|^(p-2) and curv = p (p-2)
    /// |b|^(p-4).</summary>
    internal (double Diag, double Curv) HessianBlock(double mod) => (P * Math.Pow(mod, P - 2),
        P * (P - 2) * Math.Pow(mod, P - 4));

    private static double Part(Complex c, bool im) => im ? c.Imaginary : c.Real;

    /// <summary>The real coordinates u of the support entries of <paramref name="entries"/>.</summary>
    public double[] CoordinatesOf(ReadOnlySpan<Complex> entries)
    {
        var u = new double[entryOf.Length];
        for (int r = 0; r < u.Length; r++) u[r] = Part(entries[entryOf[r]], imaginary[r]);
        return u;
    }

    /// <summary>The real vector beta with coordinates u on the support and exact zeros elsewhere.</summary>
    public double[] ToVector(ReadOnlySpan<double> u)
    {
        var entries = new Complex[Space.Count];
        for (int r = 0; r < u.Length; r++)
            entries[entryOf[r]] += imaginary[r] ? new Complex(0, u[r]) : new Complex(u[r], 0);
        return Space.ToVector(entries);
    }

    /// <summary>|b_j| for each coordinate r, from the coordinates themselves.</summary>
    private double[] Moduli(ReadOnlySpan<double> u)
    {
        var sq = new double[Space.Count];
        for (int r = 0; r < u.Length; r++) sq[entryOf[r]] += u[r] * u[r];
        var m = new double[u.Length];
        for (int r = 0; r < u.Length; r++) m[r] = Math.Sqrt(sq[entryOf[r]]);
        return m;
    }

    /// <summary>The sub-gradient target t_r = p |b_j|^(p-2) u_r of eq. (12)/(13) (for p = 2: 2 u_r).</summary>
    public double[] Target(ReadOnlySpan<double> u)
    {
        var m = Moduli(u);
        var t = new double[u.Length];
        for (int r = 0; r < u.Length; r++) t[r] = m[r] > 0 ? P * Math.Pow(m[r], P - 2) * u[r] : 0;
        return t;
    }

    /// <summary>The residual rows F_r = t_r - sum_a alpha_a G[a, r] (alpha over the active set), unweighted.</summary>
    public double[] Stationarity(ReadOnlySpan<double> u, ReadOnlySpan<double> alpha)
    {
        var f = Target(u);
        for (int r = 0; r < f.Length; r++)
            for (int a = 0; a < Active.Length; a++) f[r] -= alpha[a] * g[a, r];
        return f;
    }

    /// <summary>margin_a(u) - 1 for the active points.</summary>
    public double[] MarginDefects(ReadOnlySpan<double> u)
    {
        var f = new double[Active.Length];
        for (int a = 0; a < f.Length; a++)
        {
            double s = 0;
            for (int r = 0; r < u.Length; r++) s += weight[r] * g[a, r] * u[r];
            f[a] = s - 1;
        }
        return f;
    }

    /// <summary>The Jacobian of (Stationarity, MarginDefects) in (u, alpha), row-major (R + |A|) squared: [[H, -G^T],
    /// [G W, 0]] with H the block-diagonal Hessian of the target per entry.</summary>
    public double[,] Jacobian(ReadOnlySpan<double> u)
    {
        int rr = u.Length, na = Active.Length, size = rr + na;
        var jac = new double[size, size];
        var m = Moduli(u);
        for (int r = 0; r < rr; r++)
        {
            double mod = m[r];
            var (diag, curv) = HessianBlock(mod);
            // Coordinates of one entry are adjacent (Re then Im), so its block is r..r(+1).
            for (int s = 0; s < rr; s++)
                if (entryOf[s] == entryOf[r]) jac[r, s] = (r == s ? diag : 0) + curv * u[r] * u[s];
            for (int a = 0; a < na; a++) { jac[r, rr + a] = -g[a, r]; jac[rr + a, r] = weight[r] * g[a, r]; }
        }
        return jac;
    }

    /// <summary>The certificate fit at <paramref name="entries"/> (the domain entries of a beta at unit minimum margin,
    /// recomputed from beta by the caller): alpha &gt;= 0 on the active set by NNLS, and the sqrt(m)-weighted relative
    /// residual ||G^T alpha - t|| / ||t||. (docs/theory-checks.md, "SupportKkt.Fit")</summary>
    public (double[] Alpha, double Residual) Fit(ReadOnlySpan<Complex> entries, bool warm = true)
    {
        var t = Target(CoordinatesOf(entries));
        int rows = t.Length, cols = Active.Length;
        var a = new double[rows * cols];
        var b = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double w = Math.Sqrt(weight[r]);
            b[r] = w * t[r];
            for (int k = 0; k < cols; k++) a[r * cols + k] = w * g[k, r];
        }
        double norm = Math.Sqrt(b.Sum(v => v * v));
        if (cols == 0) return (Array.Empty<double>(), norm > 0 ? 1 : 0);
        var fit = Nnls.Solve(a, rows, cols, b, guess: warm ? Enumerable.Repeat(true, cols).ToArray() : null);
        var res = Nnls.Residual(a, rows, cols, b, fit.X);
        double resNorm = Math.Sqrt(res.Sum(v => v * v));
        return (fit.X, norm > 0 ? resNorm / norm : resNorm);
    }

    /// <summary>The sqrt(m)-weighted relative residual ||G^T alpha - t|| / ||t|| of a given alpha (over the active set)
    /// at <paramref name="entries"/>; with <paramref name="rescale"/> alpha is first multiplied by the best c &gt;= 0
    /// (for multipliers of a differently scaled objective, e.g. a solver's dual for ||.||_2).</summary>
    public (double[] Alpha, double Residual) ResidualOf(ReadOnlySpan<Complex> entries, double[] alpha, bool rescale)
    {
        var u = CoordinatesOf(entries);
        var t = Target(u);
        var gAlpha = Stationarity(u, alpha); // t - G^T alpha
        for (int r = 0; r < t.Length; r++) gAlpha[r] = t[r] - gAlpha[r];
        double c = 1;
        if (rescale)
        {
            double num = 0, den = 0;
            for (int r = 0; r < t.Length; r++) { num += weight[r] * gAlpha[r] * t[r]; den += weight[r] * gAlpha[r]
                * gAlpha[r]; }
            c = den > 0 ? Math.Max(num / den, 0) : 0;
        }
        double res = 0, norm = 0;
        for (int r = 0; r < t.Length; r++) { res += weight[r] * Math.Pow(c * gAlpha[r] - t[r],
            2); norm += weight[r] * t[r] * t[r]; }
        return (alpha.Select(v => c * v).ToArray(), norm > 0 ? Math.Sqrt(res / norm) : Math.Sqrt(res));
    }

    /// <summary>p = 1: max over entries off the support of |sum_a alpha_a z_hat_a[j]| (eq. 12 needs &lt;= 1); 0 if the
    /// support is everything.</summary>
    public double OffSupportMax(ReadOnlySpan<double> alpha)
    {
        var inSupport = new HashSet<int>(Support);
        double worst = 0;
        for (int j = 0; j < Space.Count; j++)
        {
            if (inSupport.Contains(j)) continue;
            Complex s = Complex.Zero;
            for (int a = 0; a < Active.Length; a++) s += alpha[a] * points[Active[a]][j];
            worst = Math.Max(worst, s.Magnitude);
        }
        return worst;
    }
}
