using System.Collections.Concurrent;

namespace ImplicitBias.Engine.Reference.HighPrecision;

/// <summary>The s-stage Radau IIA collocation method (Hairer and Wanner, Solving ODEs II, IV.5) to a given precision:
/// nodes c the zeros of P_s(2x - 1) - P_{s-1}(2x - 1) (P_k Legendre; c_s = 1), and A from the collocation conditions
/// sum_j a_ij c_j^(k-1) = c_i^k / k, k = 1..s. (docs/late-phase.md, "RadauIIA")</summary>
public sealed class RadauIIA
{
    private static readonly ConcurrentDictionary<(int, int), RadauIIA> Cache = new();

    /// <summary>Number of stages s.</summary>
    public int Stages { get; }
    /// <summary>Classical order 2s - 1.</summary>
    public int Order => 2 * Stages - 1;
    /// <summary>The nodes c_1 &lt; ... &lt; c_s = 1.</summary>
    public BigFloat[] Nodes { get; }
    /// <summary>The matrix A (s x s); its last row is the weights b.</summary>
    public BigFloat[,] Matrix { get; }

    private RadauIIA(int stages, BigFloat[] nodes,
        BigFloat[,] matrix) { Stages = stages; Nodes = nodes; Matrix = matrix; }

    /// <summary>The s-stage method with coefficients to <paramref name="precision"/> bits (cached).</summary>
    public static RadauIIA Create(int stages, int precision)
    {
        if (stages < 1) throw new ArgumentException($"Radau IIA needs at least one stage (got {stages}).");
        return Cache.GetOrAdd((stages, precision), key => Build(key.Item1, key.Item2));
    }

    private static RadauIIA Build(int s, int precision)
    {
        var nodes = new BigFloat[s];
        var seeds = DoubleRoots(s);
        for (int i = 0; i < s - 1; i++) nodes[i] = Refine(s, BigFloat.FromDouble(seeds[i], precision));
        nodes[s - 1] = BigFloat.One(precision);
        var vandermonde = new BigFloat[s, s];
        for (int j = 0; j < s; j++)
        {
            var power = BigFloat.One(precision);
            for (int k = 0; k < s; k++) { vandermonde[k, j] = power; power *= nodes[j]; }
        }
        var matrix = new BigFloat[s, s];
        for (int i = 0; i < s; i++)
        {
            var rhs = new BigFloat[s];
            var power = nodes[i];
            for (int k = 0; k < s; k++) { rhs[k] = power / (k + 1); power *= nodes[i]; }
            var row = BigLinearSolve.Solve(vandermonde, rhs);
            for (int j = 0; j < s; j++) matrix[i, j] = row[j];
        }
        return new RadauIIA(s, nodes, matrix);
    }

    /// <summary>Q(x) = P_s(2x - 1) - P_{s-1}(2x - 1) and dQ/dx, by the three-term recurrences.</summary>
    private static (BigFloat Value, BigFloat Slope) Q(int s, BigFloat x)
    {
        int p = x.Precision;
        var t = x.ScaleB(1) - BigFloat.One(p);
        BigFloat previous = BigFloat.One(p), current = t, dPrevious = BigFloat.Zero(p), dCurrent = BigFloat.One(p);
        for (int n = 1; n < s; n++)
        {
            var next = ((2 * n + 1) * (t * current) - previous * n) / (n + 1);
            var dNext = dPrevious + current * (2 * n + 1);
            (previous, current, dPrevious, dCurrent) = (current, next, dCurrent, dNext);
        }
        return (current - previous, (dCurrent - dPrevious).ScaleB(1));
    }

    /// <summary>Newton's iteration on Q from a double seed, to the seed's precision.</summary>
    private static BigFloat Refine(int s, BigFloat x)
    {
        for (int iteration = 0; iteration < 100; iteration++)
        {
            var (value, slope) = Q(s, x);
            var step = value / slope;
            x -= step;
            if (step.IsZero || step.Top < x.Top - x.Precision + 2) break;
        }
        return x;
    }

    /// <summary>The s - 1 zeros of Q in (0, 1) to double accuracy: sign changes on a fine grid, then
    /// bisection.</summary>
    private static double[] DoubleRoots(int s)
    {
        double Value(double x) => Q(s, BigFloat.FromDouble(x, BigFloat.MinPrecision)).Value.ToDouble();
        var roots = new List<double>();
        int grid = 64 * s * s;
        for (int i = 0; i < grid && roots.Count < s - 1; i++)
        {
            double a = (double)i / grid, b = (double)(i + 1) / grid, fa = Value(a), fb = Value(b);
            if (fa == 0) { roots.Add(a); continue; }
            if (Math.Sign(fa) == Math.Sign(fb)) continue;
            for (int k = 0; k < 60; k++)
            {
                double m = 0.5 * (a + b), fm = Value(m);
                if (Math.Sign(fm) == Math.Sign(fa)) { a = m; fa = fm; } else b = m;
            }
            roots.Add(0.5 * (a + b));
        }
        if (roots.Count != s
            - 1) throw new InvalidOperationException($"found {roots.Count} of the {s - 1} interior Radau nodes.");
        return roots.ToArray();
    }
}
