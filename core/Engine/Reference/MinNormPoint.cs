using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace ImplicitBias.Engine.Reference;

/// <summary>Wolfe's (1976) minimum-norm-point algorithm: the point p of smallest Euclidean norm in the convex hull of
/// the rows z_n, as p = sum_n lambda_n z_n with lambda in the simplex. It is exact active-set (finite termination), so
/// it is independent of the interior-point solver. (docs/reference-solvers.md, "MinNormPoint")</summary>
public static class MinNormPoint
{
    /// <summary>The answer: weights lambda (length N, on the simplex), the point p = Z^T lambda, and Converged = the
    /// stopping test was met or round-off stopped progress (false only at the iteration limit).</summary>
    public sealed record Result(double[] Lambda, double[] Point, int Iterations, bool Converged);

    /// <summary>Runs Wolfe's algorithm on the rows of <paramref name="z"/> (row-major count x dim).
    /// (docs/reference-solvers.md, "MinNormPoint.Solve")</summary>
    public static Result Solve(double[] z, int count, int dim, double relativeTolerance = 1e-14,
        double zeroTolerance = 1e-10, int maxIterations = 100_000, IReadOnlyList<int>? corralGuess = null) =>
        Solve(z, Enumerable.Repeat(1.0, count).ToArray(), count, dim, relativeTolerance, zeroTolerance, maxIterations,
            corralGuess);

    /// <summary>The same for the points z_n / s_n (s_n &gt; 0), handled without forming them, so that points whose
    /// norms differ by more than the double range of their squares (or of their Gram entries) can be given as unit rows
    /// z_n and factors s_n (<see cref="L2MaxMargin"/>). (docs/reference-solvers.md, "MinNormPoint.Solve (2)")</summary>
    public static Result Solve(double[] z, double[] s, int count, int dim, double relativeTolerance = 1e-14,
        double zeroTolerance = 1e-10, int maxIterations = 100_000, IReadOnlyList<int>? corralGuess = null)
    {
        Span<double> Row(int n) => z.AsSpan(n * dim, dim);
        double scale = 0;
        int start = 0;
        double best = double.PositiveInfinity;
        for (int n = 0; n < count; n++)
        {
            double length = Math.Sqrt(TensorPrimitives.Dot<double>(Row(n), Row(n))) / s[n];
            scale = Math.Max(scale, length);
            if (length < best) { best = length; start = n; }
        }
        var gram = new double[count * count]; // Gram matrix of the rows, computed once for the affine solves
        for (int a = 0; a < count; a++)
            for (int b = a; b < count; b++)
                gram[a * count + b] = gram[b * count + a] = TensorPrimitives.Dot<double>(Row(a), Row(b));
        var corral = new List<int> { start };
        var nu = new List<double> { 1.0 / s[start] };
        var p = new double[dim];
        TensorPrimitives.Multiply(Row(start), nu[0], p);
        var guess = corralGuess?.Where(n => n >= 0 && n < count).Distinct().ToList();
        if (guess is { Count: > 1 })
        {
            var warm = guess.Select(n => 1.0 / (guess.Count * s[n])).ToList(); // equal convex weights
            bool independent = guess.Count <= dim + 1 // the cheap test first: more rows than dim + 1 are dependent
                && (Plain(s, guess) ? CholeskyMinimizer(gram, s, count, guess) : BorderedMinimizer(gram, s, count,
                    guess)) is not null;
            if (independent && MinorCycle(gram, s, count, guess, warm))
            {
                corral = guess;
                nu = warm;
                Combine(z, s, dim, corral, nu, p);
            }
        }
        int iterations = 0;
        bool converged = false;
        double previous = double.PositiveInfinity;
        while (iterations < maxIterations)
        {
            iterations++;
            double pp = TensorPrimitives.Dot<double>(p, p);
            if (zeroTolerance > 0 && Math.Sqrt(pp) <= zeroTolerance * scale) { converged = true; break; }
            // every major cycle lowers ||p|| unless rounding stops it: the certificate judges p
            if (!(pp < previous)) { converged = true; break; }
            previous = pp;
            // The most violated point, among those whose <z_n / s_n, p> < (1 - relativeTolerance) ||p||^2 by more
            // than the rounding of <z_n, p> (slack 4 D eps ||z_n|| ||p||): for a point far longer than p that
            // rounding, divided by a tiny s_n, would otherwise look like a huge violation.
            double slack = 4 * dim * Math.ScaleB(1.0, -52) * Math.Sqrt(pp);
            int j = -1;
            double worst = 0;
            for (int n = 0; n < count; n++)
            {
                double dot = TensorPrimitives.Dot<double>(Row(n), p);
                if (!(dot < s[n] * pp * (1 - relativeTolerance) - slack * Math.Sqrt(gram[n * count + n]))) continue;
                double value = dot / s[n];
                if (j < 0 || value < worst) { worst = value; j = n; }
            }
            if (j < 0) { converged = true; break; }
            // round-off floor: no further progress possible; the certificate judges p
            if (corral.Contains(j)) { converged = true; break; }
            var before = (Corral: corral.ToList(), Nu: nu.ToList());
            corral.Add(j); nu.Add(0.0);
            MinorCycle(gram, s, count, corral, nu);
            // every weight lost to rounding: keep the last iterate
            if (corral.Count == 0) { (corral, nu) = before; converged = true; break; }
            Combine(z, s, dim, corral, nu, p);
        }
        var full = new double[count];
        for (int i = 0; i < corral.Count; i++) full[corral[i]] = nu[i] * s[corral[i]];
        return new Result(full, p, iterations, converged);
    }

    /// <summary>Wolfe's minor cycle: move towards the corral's affine minimizer, dropping points that hit zero weight.
    /// False when the first affine system is singular (nothing moved).</summary>
    private static bool MinorCycle(double[] gram, double[] s, int count, List<int> corral, List<double> nu)
    {
        for (bool first = true; ; first = false)
        {
            var mu = AffineMinimizer(gram, s, count, corral);
            if (mu is null) return !first;
            double theta = 1.0; int drop = -1;
            for (int i = 0; i < mu.Length; i++)
                if (mu[i] <= 1e-15)
                {
                    double t = nu[i] / (nu[i] - mu[i]);
                    // (t < 0 only where nu_i < mu_i <= 1e-15: nothing to drop)
                    if (t >= 0 && t < theta) { theta = t; drop = i; }
                }
            for (int i = 0; i < mu.Length; i++) nu[i] = (1 - theta) * nu[i] + theta * mu[i];
            if (drop < 0) return true;
            for (int i = nu.Count - 1; i >= 0; i--)
                if (i == drop || nu[i] <= 0) { nu.RemoveAt(i); corral.RemoveAt(i); }
            if (corral.Count == 1) { nu[0] = 1.0 / s[corral[0]]; return true; }
        }
    }

    /// <summary>Normalizes nu to sum_i nu_i s_i = 1 and writes p = sum_i nu_i z_{corral_i}.</summary>
    private static void Combine(double[] z, double[] s, int dim, List<int> corral, List<double> nu, double[] p)
    {
        double sum = 0;
        for (int i = 0; i < corral.Count; i++) sum += nu[i] * s[corral[i]];
        Array.Clear(p);
        for (int i = 0; i < corral.Count; i++) { nu[i] /= sum; TensorPrimitives.MultiplyAdd(z.AsSpan(corral[i] * dim,
            dim), nu[i], p, p); }
    }

    /// <summary>argmin ||sum mu_i z_i|| s.t. sum mu_i = 1 over the corral (mu may be negative); null if the corral is
    /// affinely dependent. (docs/reference-solvers.md, "MinNormPoint.AffineMinimizer")</summary>
    public static double[]? AffineMinimizer(double[] gram, int count, IReadOnlyList<int> corral) =>
        AffineMinimizer(gram, Enumerable.Repeat(1.0, count).ToArray(), count, corral);

    /// <summary>The same with the constraint sum nu_i s_i = 1.
    /// (docs/reference-solvers.md, "MinNormPoint.AffineMinimizer (2)")</summary>
    private static double[]? AffineMinimizer(double[] gram, double[] s, int count, IReadOnlyList<int> corral) =>
        (Plain(s, corral) ? CholeskyMinimizer(gram, s, count, corral) : null) ?? BorderedMinimizer(gram, s, count,
            corral);

    private static bool Plain(double[] s, IReadOnlyList<int> corral) => corral.All(i => s[i] == 1.0);

    /// <summary>The Cholesky form alone (of G + s s^T; s = 1 in the plain algorithm); null when it is not clearly
    /// positive definite (a pivot below 1e-7 of the largest, or not finite: affinely dependent to rounding). A warm
    /// start's guessed corral must pass it.</summary>
    internal static double[]? CholeskyMinimizer(double[] gram, double[] s, int count, IReadOnlyList<int> corral)
    {
        int k = corral.Count;
        var m = Matrix<double>.Build.Dense(k, k);
        var rhs = Vector<double>.Build.Dense(k);
        for (int a = 0; a < k; a++)
        {
            rhs[a] = s[corral[a]];
            for (int b = 0; b < k; b++) m[a, b] = gram[corral[a] * count + corral[b]] + s[corral[a]] * s[corral[b]];
        }
        try
        {
            var cholesky = m.Cholesky();
            var pivots = cholesky.Factor.Diagonal();
            // a factorization that ran into a negative pivot (NaN): MinimumIndex cannot rank it
            if (pivots.Any(d => !double.IsFinite(d))) return null;
            if (!(pivots.Minimum() > 1e-7 * pivots.Maximum())) return null;
            var v = cholesky.Solve(rhs);
            double sum = v * rhs; // s^T v: nu = v / s^T v has sum nu_i s_i = 1
            var mu = new double[k];
            for (int a = 0; a < k; a++) mu[a] = v[a] / sum;
            return mu.All(double.IsFinite) ? mu : null;
        }
        catch (ArgumentException) { return null; } // not positive definite to rounding
    }

    /// <summary>argmin ||sum mu_i z_i|| s.t. sum mu_i = 1 over the corral (mu may be negative), from the bordered Gram
    /// system; null if singular.</summary>
    public static double[]? BorderedMinimizer(double[] gram, int count, IReadOnlyList<int> corral) =>
        BorderedMinimizer(gram, Enumerable.Repeat(1.0, count).ToArray(), count, corral);

    /// <summary>The same with the constraint sum nu_i s_i = 1 (the system bordered by s).</summary>
    private static double[]? BorderedMinimizer(double[] gram, double[] s, int count, IReadOnlyList<int> corral)
    {
        int k = corral.Count;
        var m = Matrix<double>.Build.Dense(k + 1, k + 1);
        for (int a = 0; a < k; a++)
        {
            for (int b = 0; b < k; b++) m[a, b] = gram[corral[a] * count + corral[b]];
            m[a, k] = s[corral[a]]; m[k, a] = s[corral[a]];
        }
        var rhs = Vector<double>.Build.Dense(k + 1);
        rhs[k] = 1;
        var x = m.LU().Solve(rhs);
        var mu = new double[k];
        for (int a = 0; a < k; a++) { mu[a] = x[a]; if (!double.IsFinite(mu[a])) return null; }
        return mu;
    }
}
