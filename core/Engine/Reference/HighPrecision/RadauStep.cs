namespace ImplicitBias.Engine.Reference.HighPrecision;

/// <summary>One step of <see cref="RadauIIA"/> on a <see cref="FlowField"/>: the stage increments Z_i = U_i - u solve
/// Z_i = h sum_j a_ij f(u + Z_j, tau + c_j h) by Newton's method with the full Jacobian of every stage (blocks delta_ij
/// I - h a_ij J_j), kept while the updates shrink fast enough. (docs/late-phase.md, "RadauStep")</summary>
public static class RadauStep
{
    /// <summary>Largest change of an exponent s (mu_n - mu_m) a Newton update may make.</summary>
    public const double ExponentCap = 16;
    /// <summary>Newton iterations before a step is declared failed (the caller then shortens it).</summary>
    public const int MaxIterations = 25;

    /// <summary>What a step did.</summary>
    /// <param name="Next">The new unit direction (null when Newton's method failed).</param>
    /// <param name="Stages">The stage values U_i (null on failure).</param>
    /// <param name="Iterations">Newton iterations spent.</param>
    public sealed record Outcome(BigFloat[]? Next, BigFloat[][]? Stages, int Iterations);

    /// <summary>A step of length h from (u, tau), at the precision of u; <paramref name="guess"/> (optional) are
    /// starting stage values. Converged when a full Newton update moves no entry by more than max(1, s) 2^-(precision -
    /// 48).</summary>
    public static Outcome Take(FlowField field, RadauIIA method, BigFloat[] u, BigFloat tau, BigFloat h,
        BigFloat[][]? guess = null)
    {
        int s = method.Stages, size = u.Length, p = u[0].Precision;
        var scales = new BigFloat[s];
        for (int j = 0; j < s; j++) scales[j] = BigFloatMath.Exp(tau + method.Nodes[j] * h);
        // The field is computed to about s 2^-p (relative): the exponents s (mu_n - mu_m) carry mu's rounding times s.
        // Newton's updates cannot shrink below that; 2^48 times it is still far below any error that matters.
        double tolerance = Math.ScaleB(Math.Max(1, scales[s - 1].ToDouble()), -(p - 48));
        var stages = new BigFloat[s][];
        for (int j = 0; j < s; j++) stages[j] = guess is null ? (BigFloat[])u.Clone() : guess[j];
        var f = Velocities(field, stages, scales);
        if (f is null) return new Outcome(null, null, 0);
        var residual = Residual(method, h, u, stages, f);
        double residualNorm = Norm(residual), previousSize = double.PositiveInfinity;
        BigLinearSolve.Factors? factors = null;
        bool refresh = true;
        for (int iteration = 1; iteration <= MaxIterations; iteration++)
        {
            bool fresh = refresh || factors is null;
            if (fresh) factors = NewtonMatrix(field, method, h, stages, f, scales);
            var solution = factors!.Solve(residual.SelectMany(r => r.Select(v => -v)).ToArray());
            var delta = Enumerable.Range(0, s).Select(j => solution[(j * size)..((j + 1) * size)]).ToArray();
            var gaps = stages.Select((v, j) => new StageGaps(field, v, scales[j])).ToArray();
            double change = 0;
            for (int j = 0; j < s; j++) change = Math.Max(change, gaps[j].ExponentChange(delta[j], scales[j]));
            double lambda = Math.Min(1, ExponentCap / change), first = lambda, deltaSize = MaxAbs(delta);
            bool full = lambda == 1, small = deltaSize <= tolerance, accepted = false;
            while (!accepted)
            {
                var trial = new BigFloat[s][];
                for (int j = 0; j < s; j++)
                    trial[j] = gaps[j].Move(field, stages[j],
                        delta[j].Select(d => d * BigFloat.FromDouble(lambda, p)).ToArray());
                var trialF = Velocities(field, trial, scales);
                if (trialF is not null)
                {
                    var trialResidual = Residual(method, h, u, trial, trialF);
                    double trialNorm = Norm(trialResidual);
                    if (trialNorm <= (1 - 1e-4 * lambda) * residualNorm || (full && small))
                    {
                        (stages, f, residual, residualNorm, accepted) = (trial, trialF, trialResidual, trialNorm, true);
                        continue;
                    }
                }
                lambda /= 2; full = false;
                if (lambda < first * (fresh ? 1e-6 : 1.0 / 64)) break;
            }
            if (!accepted)
            {
                if (fresh) return new Outcome(null, null, iteration);
                refresh = true; // a kept factorization that no longer points downhill: refactor here
                continue;
            }
            if (full && small)
            {
                var unit = stages.Select(BigVector.Normalize).ToArray();
                return new Outcome(unit[s - 1], unit, iteration);
            }
            // Simplified Newton: keep the factorization while full updates shrink fast enough to reach the tolerance
            // within about 8 more iterations at the current rate; otherwise refactor here (full Newton again).
            double rate = deltaSize / previousSize;
            refresh = !full || !(rate < 0.5) || Math.Log(tolerance / deltaSize) / Math.Log(rate) > 8;
            previousSize = deltaSize;
        }
        return new Outcome(null, null, MaxIterations);
    }

    /// <summary>The gaps of one stage's weighted points, their gradients, and the projection that keeps them.</summary>
    private sealed class StageGaps
    {
        private readonly int _reference;
        private readonly int[] _others;
        private readonly BigFloat[][] _gradients;
        private readonly BigFloat[] _values;

        public StageGaps(FlowField field, BigFloat[] v, BigFloat scale)
        {
            var mu = field.Margins(BigVector.Normalize(v));
            var active = field.Active(mu, scale);
            _reference = Enumerable.Range(0, mu.Length).Aggregate((a, b) => mu[b] < mu[a] ? b : a);
            _others = Enumerable.Range(0, mu.Length).Where(n => active[n] && n != _reference).ToArray();
            _gradients = SlidingProjection.GapGradients(field, v, _reference, _others);
            _values = _others.Select(n => mu[n] - mu[_reference]).ToArray();
        }

        /// <summary>max_n s |G'_n dv|: the linear model's change of the exponents.</summary>
        public double ExponentChange(BigFloat[] dv, BigFloat scale) =>
            _gradients.Select(g => Math.Abs((scale * BigVector.Dot(g, dv)).ToDouble())).DefaultIfEmpty(0).Max();

        /// <summary>v + dv with the gaps put where the linear model puts them.</summary>
        public BigFloat[] Move(FlowField field, BigFloat[] v, BigFloat[] dv)
        {
            var target = _values.Select((g, a) => g + BigVector.Dot(_gradients[a], dv)).ToArray();
            return SlidingProjection.Apply(field, v, dv, _reference, _others, _gradients, target);
        }
    }

    /// <summary>f(U_j, tau_j) for every stage; null where the field is undefined (mu . q &lt;= 0).</summary>
    private static BigFloat[][]? Velocities(FlowField field, BigFloat[][] stages, BigFloat[] scales)
    {
        try { return stages.Select((v, j) => field.Velocity(v, scales[j])).ToArray(); }
        catch (InvalidOperationException) { return null; }
    }

    /// <summary>R_i = (U_i - u) - h sum_j a_ij f_j.</summary>
    private static BigFloat[][] Residual(RadauIIA method, BigFloat h, BigFloat[] u, BigFloat[][] stages, BigFloat[][] f)
    {
        int s = method.Stages;
        var r = new BigFloat[s][];
        for (int i = 0; i < s; i++)
        {
            r[i] = stages[i].Select((v, k) => v - u[k]).ToArray();
            for (int j = 0; j < s; j++) r[i] = BigVector.AddScaled(r[i], -(h * method.Matrix[i, j]), f[j]);
        }
        return r;
    }

    /// <summary>The factored Newton matrix, blocks delta_ij I - h a_ij J_j with J_j at every stage.</summary>
    private static BigLinearSolve.Factors NewtonMatrix(FlowField field, RadauIIA method, BigFloat h,
        BigFloat[][] stages,
        BigFloat[][] f, BigFloat[] scales)
    {
        int s = method.Stages, size = stages[0].Length, p = stages[0][0].Precision;
        var matrix = new BigFloat[s * size, s * size];
        for (int j = 0; j < s; j++)
        {
            var jacobian = field.Jacobian(stages[j], scales[j]);
            for (int i = 0; i < s; i++)
            {
                var factor = -(h * method.Matrix[i, j]);
                for (int a = 0; a < size; a++)
                    for (int b = 0; b < size; b++)
                    {
                        var entry = factor * jacobian[a, b];
                        matrix[i * size + a, j * size + b] = i == j && a == b ? entry + BigFloat.One(p) : entry;
                    }
            }
        }
        return BigLinearSolve.Factor(matrix);
    }

    private static double Norm(BigFloat[][] r) =>
        Math.Sqrt(r.Sum(ri => ri.Sum(v => { double d = v.ToDouble(); return d * d; })));
    private static double MaxAbs(BigFloat[][] r) => r.Max(ri => ri.Max(v => Math.Abs(v.ToDouble())));
}
