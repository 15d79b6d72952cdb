using ImplicitBias.Engine.Numerics;
using System.Diagnostics;
using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Reference;

/// <summary>The l2 max-margin predictor (homogeneous hard-margin SVM, eq. 6 and 8): min ||beta||_2 s.t. y_n &lt;x_n,
/// beta&gt; &gt;= 1, as Wolfe's minimum-norm point p of the rows y_n x_n (<see cref="MinNormPoint"/>), beta = p /
/// ||p||^2. (docs/reference-solvers.md, "L2MaxMargin")</summary>
public static class L2MaxMargin
{
    /// <summary>Solves and certifies; NotSeparable (with <see cref="Separation"/>'s evidence) exactly when Separation
    /// finds the data not separable. (docs/reference-solvers.md, "L2MaxMargin.Solve")</summary>
    public static MaxMarginSolution Solve(Dataset data, double gapTolerance = 1e-8,
        IReadOnlyList<int>? supportGuess = null)
    {
        var clock = Stopwatch.StartNew();
        var rows = new UnitRows(data);
        // a zero point: not separable
        if (rows.Norm.Contains(0.0)) return Refused(data, Separation.Decide(data), clock);
        // The points are z_n / r with r = min_n ||z_n||: u_n / s_n with s_n = r / ||z_n|| in (0, 1] (at least the
        // smallest positive double, should the ratio underflow: such a row is as good as infinitely long).
        int smallest = 0;
        for (int n = 1; n < data.Count; n++) if (rows.Ratio(n, smallest) < 1) smallest = n;
        var s = new double[data.Count];
        for (int n = 0; n < s.Length; n++) s[n] = Math.Max(rows.Ratio(smallest, n), double.Epsilon);
        double tolerance = Separation.ToleranceFor(data.Count, data.Dimension);
        // Stop once ||p|| <= tolerance / 8 in units of the smallest row (MinNormPoint measures against the longest, 1 /
        // min s).
        var r = MinNormPoint.Solve(rows.Unit, s, data.Count, data.Dimension, zeroTolerance: tolerance / 8 * s.Min(),
            corralGuess: supportGuess);
        double norm = Geometry.Norm(r.Point);
        var direction = Geometry.Normalize(r.Point);
        // Row n's margin y_n <x_n, beta> = <u_n, p> / (s_n ||p||^2) is computed to about gamma_D / (s_n ||p||), i.e. to
        // a
        // relative gamma_D / <u_n, p / ||p||>. A row far longer than the smallest can be active with <u_n, p / ||p||>
        // tiny (Wolfe only promises <u_n, p> >= -4 D eps ||p||), and then the minimum margin, and the certified gap,
        // are
        // rounding errors. Tilting p / ||p|| by delta = 8 D eps / Margin towards Separation's checked direction (every
        // <u_n, d> >= Margin) raises every <u_n, .> by more than its rounding and costs about delta in the objective:
        // done when the rounding is the larger. p / ||p|| alone settles separability and the certificate when every
        // <u_n, p / ||p||> exceeds twice the tolerance and 1e10 gamma_D (every margin's relative rounding <= 1e-10,
        // a hundredth of the default gap tolerance); otherwise Separation is asked.
        double unit = Math.ScaleB(1.0, -53), gamma = data.Dimension * unit / (1 - data.Dimension * unit);
        double margin = Separation.CheckedMargin(rows, direction);
        if (!(margin > 2 * tolerance && gamma / margin <= 1e-10))
        {
            var separation = Separation.Decide(data);
            if (!separation.Separable) return Refused(data, separation, clock);
            // separable, but with a margin too small to confirm in doubles: no direction to certify
            if (!(separation.Margin > 0))
                return new MaxMarginSolution(MarginBias.L2, SolverStatus.IterationLimit, new double[data.Dimension],
                    new double[data.Count],
                    double.NaN, double.NaN, double.NaN, double.NaN, separation.Iterations, clock.Elapsed.TotalSeconds,
                    "Wolfe min-norm point of the unit rows",
                        $"{data.Name}: {separation.Message} No l2 solution is returned.");
            double delta = 8 * data.Dimension * Math.ScaleB(1.0, -52) / separation.Margin;
            if (!(gamma / margin <= delta))
            {
                for (int i = 0; i < direction.Length; i++) direction[i] += delta * separation.Direction[i];
                direction = Geometry.Normalize(direction);
            }
        }
        // beta = p / (||p||^2 r) in the input's coordinates, r = Norm 2^Exponent of the smallest row.
        var beta = new double[direction.Length];
        for (int i = 0; i < beta.Length; i++)
            beta[i] = Math.ScaleB(direction[i] / (norm * rows.Norm[smallest]), -rows.Exponent[smallest]);
        // ||beta|| beyond the double range: the certificate rescales the direction
        if (!beta.All(double.IsFinite)) beta = direction;
        return Certificate.Certify(data, MarginBias.L2, beta, r.Lambda, r.Iterations, clock.Elapsed.TotalSeconds,
            "Wolfe min-norm point", gapTolerance, hitIterationLimit: !r.Converged);
    }

    /// <summary>The NotSeparable answer with Separation's evidence.</summary>
    private static MaxMarginSolution Refused(Dataset data, Separation separation, Stopwatch clock) =>
        Certificate.NotSeparable(data, MarginBias.L2, separation.Weights, separation.RelativeCombination,
            separation.Iterations,
            clock.Elapsed.TotalSeconds, "Wolfe min-norm point of the unit rows", separation.Message);
}
