using System.Numerics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Reference;

namespace ImplicitBias.Engine.Theory;

/// <summary>One reweighted-l2 step of <see cref="BridgeLocalSolver"/> solved in the domain's entries, without going
/// back to the time domain. (docs/theory-checks.md, "ReweightedInEntries")</summary>
internal sealed class ReweightedInEntries
{
    private readonly EntrySpace space;
    private readonly Complex[][] points; // z_hat_n = DFT(y_n x_n) (or y_n x_n in time)
    private List<int>? corral;

    public ReweightedInEntries(Dataset data, EntrySpace space)
    {
        this.space = space;
        points = CertifiedLimit.PointEntries(data, space);
    }

    /// <summary>
    /// The next iterate (time domain) for the weights s, or null to let the time-domain twin take the step.
    /// </summary>
    public double[]? Step(double[] s)
    {
        int n = points.Length;
        var columns = new List<(int Entry, bool Imaginary, double Scale)>();
        for (int j = 0; j < s.Length; j++)
        {
            if (!(s[j] > 0)) continue;
            double scale = Math.Sqrt(space.Multiplicity(j)) * s[j];
            columns.Add((j, false, scale));
            if (space.Multiplicity(j) == 2) columns.Add((j, true, scale)); // self-conjugate and time entries are real
        }
        int width = columns.Count;
        if (width == 0) return null;
        var rows = new double[n * width];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < width; c++)
            {
                var (j, im, scale) = columns[c];
                rows[i * width + c] = scale * (im ? points[i][j].Imaginary : points[i][j].Real);
            }
        var r = MinNormPoint.Solve(rows, n, width, corralGuess: corral);
        double pp = r.Point.Sum(v => v * v);
        double longest = 0;
        for (int i = 0; i < n; i++)
        {
            double q = 0;
            for (int c = 0; c < width; c++) q += rows[i * width + c] * rows[i * width + c];
            longest = Math.Max(longest, Math.Sqrt(q));
        }
        // Decline unless p separates every row clearly (each <a_n, p> >= ||p||^2 up to Wolfe's tolerance)
        // and is not ~0.
        if (!r.Converged || !(Math.Sqrt(pp) > 1e-8 * longest)) return null;
        for (int i = 0; i < n; i++)
        {
            double dot = 0;
            for (int c = 0; c < width; c++) dot += rows[i * width + c] * r.Point[c];
            if (!(dot >= (1 - 1e-10) * pp)) return null;
        }
        corral = Enumerable.Range(0, n).Where(i => r.Lambda[i] > 0).ToList();
        var next = new Complex[space.Count];
        for (int j = 0; j < s.Length; j++)
        {
            if (!(s[j] > 0)) continue;
            Complex sum = Complex.Zero;
            for (int i = 0; i < n; i++) if (r.Lambda[i] > 0) sum += r.Lambda[i] * points[i][j];
            next[j] = s[j] * s[j] * sum / pp;
        }
        return space.ToVector(next);
    }
}
