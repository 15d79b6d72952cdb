using System.Numerics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Reference;

namespace ImplicitBias.Engine.Theory;

/// <summary>
/// One reweighted-l2 step of <see cref="BridgeLocalSolver"/> solved in the domain's entries, without going back
/// to the time domain. The reweighted points x'_n have entries s_j z_hat_n[j], and by Parseval
/// &lt;x'_n, x'_m&gt; = sum_j m_j s_j^2 Re(conj(z_hat_n[j]) z_hat_m[j]), so Wolfe's min-norm point runs on the
/// real rows
/// a_n = (sqrt(m_j) s_j Re z_hat_n[j], sqrt(m_j) s_j Im z_hat_n[j]) over the entries with s_j &gt; 0 only (a support
/// that shrinks makes the rows shorter). With lambda its weights and p = sum_n lambda_n a_n, the l2 max-margin
/// solution of the reweighted problem has entries s_j sum_n lambda_n z_hat_n[j] / ||p||^2, and the next iterate
/// s_j times that. Rebuilding the N reweighted points in time each iteration was about half an iteration at
/// D = 1024, N = 512. The time-domain step (<see cref="BridgeLocalSolver.L2MaxMargin"/> on the rebuilt points)
/// is the slow twin; this one declines (null) whenever Wolfe's answer is not a clear separating point, and the
/// caller then takes the twin, whose l2 solver decides separability.
/// </summary>
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
