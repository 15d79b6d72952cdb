using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace ImplicitBias.Engine.Reference;

/// <summary>
/// Wolfe's (1976) minimum-norm-point algorithm: the point p of smallest Euclidean norm in the convex
/// hull of the rows z_n, as p = sum_n lambda_n z_n with lambda in the simplex. It is exact active-set
/// (finite termination), so it is independent of the interior-point solver.
/// Why it solves the l2 max-margin problem: min ||beta|| s.t. Z beta &gt;= 1 has the solution
/// beta = p / ||p||^2 (Gordan/SVM duality); p = 0 means the data is not separable through the origin,
/// and then lambda itself is the certificate (lambda &gt;= 0, sum 1, Z^T lambda = 0).
/// </summary>
public static class MinNormPoint
{
    /// <summary>The answer: weights lambda (length N, on the simplex), the point p = Z^T lambda, and
    /// Converged = the stopping test was met or round-off stopped progress (false only at the iteration limit).</summary>
    public sealed record Result(double[] Lambda, double[] Point, int Iterations, bool Converged);

    /// <summary>
    /// Runs Wolfe's algorithm on the rows of <paramref name="z"/> (row-major count x dim). Stops when
    /// ||p||^2 - min_n &lt;p, z_n&gt; &lt;= relativeTolerance ||p||^2 (then p / ||p||^2 has min margin
    /// &gt;= 1 - relativeTolerance), or when ||p|| &lt;= zeroTolerance * max_n ||z_n|| (origin reached).
    /// <paramref name="corralGuess"/> (optional) warm-starts it: the corral starts as these rows with equal
    /// weights (a point of the hull, so the method stays Wolfe's) and a minor cycle moves it to their
    /// affine minimizer, dropping rows on the way, before the first major cycle. A guess that is the final
    /// corral costs one affine solve instead of one per row; a guess whose rows are affinely dependent
    /// (singular system) falls back on the cold start. The cold start (null) is the slow twin.
    /// </summary>
    public static Result Solve(double[] z, int count, int dim, double relativeTolerance = 1e-14,
        double zeroTolerance = 1e-10, int maxIterations = 100_000, IReadOnlyList<int>? corralGuess = null)
    {
        Span<double> Row(int n) => z.AsSpan(n * dim, dim);
        double scale = 0;
        int start = 0;
        double best = double.PositiveInfinity;
        for (int n = 0; n < count; n++)
        {
            double q = TensorPrimitives.Dot<double>(Row(n), Row(n));
            scale = Math.Max(scale, Math.Sqrt(q));
            if (q < best) { best = q; start = n; }
        }
        var gram = new double[count * count]; // Gram matrix of the rows, computed once for the affine solves
        for (int a = 0; a < count; a++)
            for (int b = a; b < count; b++)
                gram[a * count + b] = gram[b * count + a] = TensorPrimitives.Dot<double>(Row(a), Row(b));
        var corral = new List<int> { start };
        var lambda = new List<double> { 1.0 };
        var p = Row(start).ToArray();
        var guess = corralGuess?.Where(n => n >= 0 && n < count).Distinct().ToList();
        if (guess is { Count: > 1 })
        {
            var warmLambda = Enumerable.Repeat(1.0 / guess.Count, guess.Count).ToList();
            if (guess.Count <= dim + 1 && CholeskyMinimizer(gram, count, guess) is not null && MinorCycle(gram, count, guess, warmLambda))
            {
                corral = guess;
                lambda = warmLambda;
                Combine(z, dim, corral, lambda, p);
            }
        }
        var dots = new double[count];
        int iterations = 0;
        bool converged = false;
        while (iterations < maxIterations)
        {
            iterations++;
            double pp = TensorPrimitives.Dot<double>(p, p);
            if (Math.Sqrt(pp) <= zeroTolerance * scale) { converged = true; break; }
            int j = 0;
            for (int n = 0; n < count; n++) { dots[n] = TensorPrimitives.Dot<double>(Row(n), p); if (dots[n] < dots[j]) j = n; }
            if (pp - dots[j] <= relativeTolerance * pp) { converged = true; break; }
            if (corral.Contains(j)) { converged = true; break; } // round-off floor: no further progress possible; the certificate judges p
            corral.Add(j); lambda.Add(0.0);
            MinorCycle(gram, count, corral, lambda);
            Combine(z, dim, corral, lambda, p);
        }
        var full = new double[count];
        for (int i = 0; i < corral.Count; i++) full[corral[i]] = lambda[i];
        return new Result(full, p, iterations, converged);
    }

    /// <summary>
    /// Wolfe's minor cycle: move towards the corral's affine minimizer, dropping points that hit zero weight.
    /// False when the first affine system is singular (nothing moved).
    /// </summary>
    private static bool MinorCycle(double[] gram, int count, List<int> corral, List<double> lambda)
    {
        for (bool first = true; ; first = false)
        {
            var mu = AffineMinimizer(gram, count, corral);
            if (mu is null) return !first;
            double theta = 1.0; int drop = -1;
            for (int i = 0; i < mu.Length; i++)
                if (mu[i] <= 1e-15)
                {
                    double t = lambda[i] / (lambda[i] - mu[i]);
                    if (t < theta) { theta = t; drop = i; }
                }
            for (int i = 0; i < mu.Length; i++) lambda[i] = (1 - theta) * lambda[i] + theta * mu[i];
            if (drop < 0) return true;
            for (int i = lambda.Count - 1; i >= 0; i--)
                if (i == drop || lambda[i] <= 0) { lambda.RemoveAt(i); corral.RemoveAt(i); }
            if (corral.Count == 1) { lambda[0] = 1.0; return true; }
        }
    }

    /// <summary>Normalizes lambda to sum 1 and writes p = sum_i lambda_i z_{corral_i}.</summary>
    private static void Combine(double[] z, int dim, List<int> corral, List<double> lambda, double[] p)
    {
        double sum = lambda.Sum();
        Array.Clear(p);
        for (int i = 0; i < corral.Count; i++) { lambda[i] /= sum; TensorPrimitives.MultiplyAdd(z.AsSpan(corral[i] * dim, dim), lambda[i], p, p); }
    }

    /// <summary>
    /// argmin ||sum mu_i z_i|| s.t. sum mu_i = 1 over the corral (mu may be negative); null if the corral is
    /// affinely dependent. Wolfe's form: with G the corral's Gram matrix, mu is proportional to
    /// (G + 1 1^T)^-1 1, and G + 1 1^T is positive definite exactly when the corral is affinely independent,
    /// so one Cholesky factorization (half an LU's work) solves it; should it fail, the bordered system
    /// [[G, 1], [1^T, 0]] is solved by LU as before (<see cref="BorderedMinimizer"/>, the slow twin).
    /// </summary>
    public static double[]? AffineMinimizer(double[] gram, int count, IReadOnlyList<int> corral) =>
        CholeskyMinimizer(gram, count, corral) ?? BorderedMinimizer(gram, count, corral);

    /// <summary>
    /// The Cholesky form alone; null when G + 1 1^T is not clearly positive definite (a pivot below 1e-7
    /// of the largest: affinely dependent to rounding). A warm start's guessed corral must pass it.
    /// </summary>
    private static double[]? CholeskyMinimizer(double[] gram, int count, IReadOnlyList<int> corral)
    {
        int k = corral.Count;
        var m = Matrix<double>.Build.Dense(k, k);
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++) m[a, b] = gram[corral[a] * count + corral[b]] + 1;
        try
        {
            var cholesky = m.Cholesky();
            var pivots = cholesky.Factor.Diagonal();
            if (!(pivots.Minimum() > 1e-7 * pivots.Maximum())) return null;
            var v = cholesky.Solve(Vector<double>.Build.Dense(k, 1.0));
            double sum = v.Sum();
            var mu = new double[k];
            for (int a = 0; a < k; a++) mu[a] = v[a] / sum;
            return mu.All(double.IsFinite) ? mu : null;
        }
        catch (ArgumentException) { return null; } // not positive definite to rounding
    }

    /// <summary>argmin ||sum mu_i z_i|| s.t. sum mu_i = 1 over the corral (mu may be negative), from the bordered Gram system; null if singular.</summary>
    public static double[]? BorderedMinimizer(double[] gram, int count, IReadOnlyList<int> corral)
    {
        int k = corral.Count;
        var m = Matrix<double>.Build.Dense(k + 1, k + 1);
        for (int a = 0; a < k; a++)
        {
            for (int b = 0; b < k; b++) m[a, b] = gram[corral[a] * count + corral[b]];
            m[a, k] = 1; m[k, a] = 1;
        }
        var rhs = Vector<double>.Build.Dense(k + 1);
        rhs[k] = 1;
        var x = m.LU().Solve(rhs);
        var mu = new double[k];
        for (int a = 0; a < k; a++) { mu[a] = x[a]; if (!double.IsFinite(mu[a])) return null; }
        return mu;
    }
}
