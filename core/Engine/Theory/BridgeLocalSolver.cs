using ImplicitBias.Engine.Networks;
using System.Numerics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Theory;

/// <summary>Why the local solver stopped.</summary>
public enum LocalSolverOutcome
{
    /// <summary>The relative change of beta fell below the tolerance.</summary>
    Converged,
    /// <summary>The iteration budget ran out; Beta is the last (feasible) iterate.</summary>
    IterationLimit,
    /// <summary>The reweighted problem was infeasible: the data is not separable on the start's support.</summary>
    NotSeparable,
    /// <summary>The caller's cancellation token stopped it; Beta is the last iterate (null before the first).</summary>
    Cancelled,
}

/// <summary>The answer of <see cref="BridgeLocalSolver.Solve"/>.</summary>
/// <param name="Outcome">Why it stopped.</param>
/// <param name="Beta">The stationary point, at unit minimum margin (null when not separable).</param>
/// <param name="Iterations">Reweighted problems solved.</param>
/// <param name="Objectives">sum_d |entry_d|^p (full domain) after each iteration; non-increasing
/// (majorize-minimize).</param>
public sealed record LocalSolution(LocalSolverOutcome Outcome, double[]? Beta, int Iterations, double[] Objectives);

/// <summary>Finds a first-order stationary point of min ||beta_hat||_p^p (Fourier) or ||beta||_p^p (time) s.t. y_n
/// &lt;x_n, beta&gt; &gt;= 1, 0 &lt; p &lt; 2, from a given start, by iteratively reweighted l2 (a majorize-minimize
/// method): |t|^p = (t^2)^(p/2) is concave in t^2. (docs/theory-checks.md, "BridgeLocalSolver")</summary>
public static class BridgeLocalSolver
{
    /// <summary>Relative size below which an entry is taken as zero for good.</summary>
    public const double ZeroThreshold = 1e-12;

    /// <summary>The default l2 max-margin step: the reference solver <see cref="Reference.L2MaxMargin"/> (Wolfe's
    /// min-norm point, certified by its duality gap); null when the data is not separable.</summary>
    public static double[]? L2MaxMargin(Dataset data)
    {
        var solution = Reference.L2MaxMargin.Solve(data);
        return solution.Status == Reference.SolverStatus.NotSeparable ? null : solution.Beta;
    }

    /// <summary>The default step as one local solve uses it: <see cref="L2MaxMargin"/> warm-started with the previous
    /// step's support vectors. Consecutive reweighted problems differ only in their weights, so their support vectors
    /// mostly agree, and Wolfe's method then needs one affine solve, not one per support vector.</summary>
    private static Func<Dataset, double[]?> WarmL2MaxMargin()
    {
        List<int>? previous = null;
        return data =>
        {
            var solution = Reference.L2MaxMargin.Solve(data, supportGuess: previous);
            if (solution.Status == Reference.SolverStatus.NotSeparable) return null;
            previous = Enumerable.Range(0, data.Count).Where(n => solution.Dual[n] > 0).ToList();
            return solution.Beta;
        };
    }

    /// <summary>The same step by least distance programming (<see cref="LeastDistance"/>), an independent second
    /// solver.</summary>
    public static double[]? L2MaxMarginByLeastDistance(Dataset data)
    {
        var h = Enumerable.Repeat(1.0, data.Count).ToArray();
        return LeastDistance.Solve(data.SignedFeatures(), data.Count, data.Dimension, h).X;
    }

    /// <summary>Runs reweighted l2 from <paramref name="start"/> (any scale; its zero entries stay zero) until the
    /// relative change of beta is below <paramref name="tolerance"/> or <paramref name="maxIterations"/> pass.
    /// (docs/theory-checks.md, "BridgeLocalSolver.Solve")</summary>
    public static LocalSolution Solve(
        Dataset data, double p, PenaltyDomain domain, ReadOnlySpan<double> start,
        double tolerance = 1e-10, int maxIterations = 500, Func<Dataset, double[]?>? l2MaxMargin = null) =>
        Solve(data, p, EntrySpace.Line(data.Dimension, domain), start, tolerance, maxIterations, l2MaxMargin);

    /// <summary>The same on a grid's entries (in Fourier: the grid's 2-D spectrum).</summary>
    public static LocalSolution Solve(
        Dataset data, double p, EntrySpace space, ReadOnlySpan<double> start,
        double tolerance = 1e-10, int maxIterations = 500, Func<Dataset, double[]?>? l2MaxMargin = null) =>
        Solve(data, p, space, start, tolerance, maxIterations, l2MaxMargin, CancellationToken.None);

    /// <summary>The same, stopped between iterations by <paramref name="cancel"/> (outcome Cancelled).</summary>
    public static LocalSolution Solve(
        Dataset data, double p, EntrySpace space, ReadOnlySpan<double> start,
        double tolerance, int maxIterations, Func<Dataset, double[]?>? l2MaxMargin, CancellationToken cancel)
    {
        if (space.Dimension != data.Dimension)
            throw new ArgumentException($"the grid {space.Grid} has {space.Dimension} entries but {data.Name} has D " +
                                        $"= {data.Dimension}.");
        if (!(p > 0 && p < 2)) throw new ArgumentException($"p must be in (0, 2) (got {p}).");
        if (start.Length != data.Dimension) throw new
            ArgumentException($"start has {start.Length} entries but D = {data.Dimension}.");
        var inEntries = l2MaxMargin is null ? new ReweightedInEntries(data, space) : null;
        l2MaxMargin ??= WarmL2MaxMargin();
        int dim = data.Dimension, n = data.Count;
        // The points' entries for the time-domain step, computed only if it runs (the step in entries has its own).
        var pointEntries = new Lazy<Complex[][]>(() => Enumerable.Range(0,
            n).Select(i => space.Of(data.Point(i).ToArray())).ToArray());
        var beta = start.ToArray();
        var objectives = new List<double>();
        for (int it = 1; it <= maxIterations; it++)
        {
            if (cancel.IsCancellationRequested)
                return new LocalSolution(LocalSolverOutcome.Cancelled, it > 1 ? beta : null, it - 1,
                    objectives.ToArray());
            var entries = space.Of(beta);
            double largest = entries.Max(e => e.Magnitude);
            if (!(largest > 0)) return new LocalSolution(LocalSolverOutcome.NotSeparable, null, it - 1,
                objectives.ToArray());
            var s = entries.Select(e => e.Magnitude > ZeroThreshold * largest ? Math.Pow(e.Magnitude,
                1 - p / 2) : 0.0).ToArray();
            if (inEntries?.Step(s) is { } fast)
            {
                if (Advance(fast, it) is { } done) return done;
                continue;
            }
            var features = new double[n * dim];
            for (int i = 0; i < n; i++)
            {
                var scaled = new Complex[s.Length];
                for (int j = 0; j < s.Length; j++) scaled[j] = s[j] * pointEntries.Value[i][j];
                space.ToVector(scaled).CopyTo(features, i * dim);
            }
            var u = l2MaxMargin(new Dataset(features, data.Labels, dim, data.Name + " (reweighted)"));
            if (u is null) return new LocalSolution(LocalSolverOutcome.NotSeparable, null, it, objectives.ToArray());
            var uEntries = space.Of(u);
            for (int j = 0; j < s.Length; j++) uEntries[j] *= s[j];
            if (Advance(space.ToVector(uEntries), it) is { } stop) return stop;
        }
        return new LocalSolution(LocalSolverOutcome.IterationLimit, beta, maxIterations, objectives.ToArray());

        // Takes the next iterate; the answer when the relative change is below the tolerance, else null.
        LocalSolution? Advance(double[] next, int it)
        {
            objectives.Add(Objective(next, p, space));
            double change = 0, norm = 0;
            for (int d = 0; d < dim; d++) { change += (next[d] - beta[d]) * (next[d] - beta[d]); norm += next[d]
                * next[d]; }
            // Compare directions at unit margin: the start may be at any scale, so skip the first test.
            beta = next;
            return it > 1 && Math.Sqrt(change / norm) <= tolerance
                ? new LocalSolution(LocalSolverOutcome.Converged, beta, it, objectives.ToArray())
                : null;
        }
    }

    /// <summary>sum over the full domain of |entry|^p: ||beta||_p^p or ||beta_hat||_p^p.</summary>
    public static double Objective(ReadOnlySpan<double> beta, double p, PenaltyDomain domain) =>
        Objective(beta, p, EntrySpace.Line(beta.Length, domain));

    /// <summary>The same on a grid's entries.</summary>
    public static double Objective(ReadOnlySpan<double> beta, double p, EntrySpace space)
    {
        var entries = space.Of(beta);
        double total = 0;
        for (int j = 0; j < entries.Length; j++)
            total += space.Multiplicity(j) * Math.Pow(entries[j].Magnitude, p);
        return total;
    }
}
