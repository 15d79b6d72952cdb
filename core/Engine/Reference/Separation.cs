using ImplicitBias.Engine.Numerics;
using System.Numerics.Tensors;
using ImplicitBias.Engine.Data;
using static System.FormattableString;

namespace ImplicitBias.Engine.Reference;

/// <summary>Whether data is separable through the origin (some beta has y_n &lt;x_n, beta&gt; &gt; 0 for every n),
/// decided the same way however uneven the rows' norms are. (docs/reference-solvers.md, "Separation")</summary>
/// <param name="Separable">False only with the evidence in Weights.</param>
/// <param name="Direction">A unit direction: p / ||p||, separating when Margin &gt; 0; zeros when not
/// separable.</param>
/// <param name="Margin">min_n y_n &lt;x_n, Direction&gt; / ||x_n||, when every term is positive beyond its rounding
/// bound; else 0.</param>
/// <param name="Weights">The evidence over the points: alpha_n &gt;= 0, sum 1, proportional to UnitWeights_n / ||x_n||;
/// zeros when separable.</param>
/// <param name="UnitWeights">The same evidence over the unit rows (Wolfe's weights, sum 1); zeros when
/// separable.</param>
/// <param name="RelativeCombination">||sum_n alpha_n y_n x_n|| / sum_n alpha_n ||x_n|| for Wolfe's weights (= ||p|| on
/// the unit rows).</param>
/// <param name="Tolerance">The rounding tolerance RelativeCombination is held to (<see cref="ToleranceFor"/>).</param>
/// <param name="Iterations">Wolfe's iterations.</param>
/// <param name="Message">The decision in a sentence, with its numbers.</param>
public sealed record Separation(
    bool Separable, double[] Direction, double Margin, double[] Weights, double[] UnitWeights,
    double RelativeCombination, double Tolerance, int Iterations, string Message)
{
    /// <summary>c eps with c = 4 (N + D), eps = 2^-52: summing N terms alpha_n y_n x_n in doubles leaves up to about (N
    /// / 2) eps of sum_n alpha_n ||x_n|| even when the exact sum is 0, the weights and the row norms they were computed
    /// from carry about (D / 2) eps more, and a factor of 8 covers the rounding of Wolfe's own solves.</summary>
    public static double ToleranceFor(int count, int dimension) => 4.0 * (count + dimension) * Math.ScaleB(1.0, -52);

    /// <summary>Decides separability through the origin (see the type's summary); never throws, never NaN.</summary>
    public static Separation Decide(Dataset data)
    {
        var rows = new UnitRows(data);
        int count = rows.Count, dim = rows.Dimension;
        double tolerance = ToleranceFor(count, dim);
        for (int n = 0; n < count; n++)
            if (rows.Norm[n] == 0)
            {
                var single = new double[count];
                single[n] = 1;
                return new(false, new double[dim], 0, single, single.ToArray(), 0, tolerance, 0,
                    Invariant($"point {n + 1} is 0, so y_n <x_n, beta> = 0 for every beta (the weight 1 on it is ") +
                    Invariant($"the evidence)."));
            }
        var wolfe = MinNormPoint.Solve(rows.Unit, count, dim, zeroTolerance: tolerance / 8);
        var direction = Geometry.Normalize(wolfe.Point);
        double margin = CheckedMargin(rows, direction);
        double rho = RelativeCombinationOf(rows, wolfe.Lambda);
        if (margin > 0)
            return new(true, direction, margin, new double[count], new double[count], rho, tolerance, wolfe.Iterations,
                Invariant($"separable through the origin: the direction p / ||p|| (Wolfe's min-norm point of the ") +
                Invariant($"unit rows y_n x_n / ||x_n||) has y_n <x_n, p> / (||x_n|| ||p||) >= {margin:G3} for ") +
                Invariant($"every n, each term positive beyond its rounding bound."));
        if (rho <= tolerance)
            return new(false, new double[dim], 0, PointWeights(rows, wolfe.Lambda), wolfe.Lambda, rho, tolerance,
                wolfe.Iterations,
                Invariant($"the weights alpha (alpha >= 0, sum 1) give ||sum_n alpha_n y_n x_n|| = {rho:E2} * sum_n ") +
                Invariant($"alpha_n ||x_n||, 0 to the rounding of its own terms (tolerance 4 (N + D) eps = ") +
                Invariant($"{tolerance:E2}), so every beta has min_n y_n <x_n, beta> / (||x_n|| ||beta||) <= ") +
                Invariant($"{rho:E2}: the data is not separable, or only with a margin below double precision."));
        return new(true, direction, 0, new double[count], new double[count], rho, tolerance, wolfe.Iterations,
            Invariant($"not shown separable nor not separable: Wolfe's min-norm point of the unit rows has norm ") +
            Invariant($"{rho:E2}, above the rounding tolerance {tolerance:E2} (so there is no evidence against ") +
            Invariant($"separability), but its direction does not separate every row beyond rounding; the data is ") +
            Invariant($"taken as separable with a very small margin, and training may need very many steps."));
    }

    /// <summary>True when beta separates every point beyond the rounding of its margin, with min_n y_n &lt;x_n,
    /// beta&gt; / (||x_n|| ||beta||) &gt; 2 ToleranceFor(N, D): <see cref="Decide"/> then finds the data separable too.
    /// (docs/reference-solvers.md, "Separation.Confirms")</summary>
    public static bool Confirms(Dataset data, ReadOnlySpan<double> beta)
    {
        var direction = Geometry.Normalize(beta);
        return direction.All(double.IsFinite)
            && CheckedMargin(new UnitRows(data), direction) > 2 * ToleranceFor(data.Count, data.Dimension);
    }

    /// <summary>min_n &lt;u_n, d&gt; if every &lt;z_n, d&gt; is positive beyond its rounding bound, else 0.
    /// (docs/reference-solvers.md, "Separation.CheckedMargin")</summary>
    internal static double CheckedMargin(UnitRows rows, ReadOnlySpan<double> d)
    {
        double u = Math.ScaleB(1.0, -53), gamma = rows.Dimension * u / (1 - rows.Dimension * u);
        double min = double.PositiveInfinity;
        for (int n = 0; n < rows.Count; n++)
        {
            var z = rows.ScaledRow(n);
            double dot = TensorPrimitives.Dot(z, d), bound = 0;
            for (int j = 0; j < z.Length; j++) bound += Math.Abs(z[j] * d[j]);
            if (!(dot > 2 * gamma * bound + rows.Dimension * double.Epsilon)) return 0;
            min = Math.Min(min, dot / rows.Norm[n]);
        }
        return min;
    }

    /// <summary>||sum_n lambda_n u_n|| / sum_n lambda_n ||u_n||, which equals ||sum_n alpha_n z_n|| / sum_n alpha_n
    /// ||z_n|| for alpha_n proportional to lambda_n / ||z_n||.</summary>
    private static double RelativeCombinationOf(UnitRows rows, double[] lambda)
    {
        var sum = new double[rows.Dimension];
        double terms = 0;
        for (int n = 0; n < rows.Count; n++)
            if (lambda[n] != 0)
            {
                TensorPrimitives.MultiplyAdd(rows.UnitRow(n), lambda[n], sum, sum);
                terms += lambda[n] * Geometry.Norm(rows.UnitRow(n));
            }
        return terms > 0 ? Geometry.Norm(sum) / terms : 0;
    }

    /// <summary>alpha_n = (lambda_n / ||z_n||) / sum_m lambda_m / ||z_m||, with the exponents kept apart so nothing
    /// overflows.</summary>
    private static double[] PointWeights(UnitRows rows, double[] lambda)
    {
        var alpha = new double[rows.Count];
        int top = int.MinValue;
        for (int n = 0; n < rows.Count; n++)
            if (lambda[n] > 0) top = Math.Max(top, Math.ILogB(lambda[n] / rows.Norm[n]) - rows.Exponent[n]);
        double sum = 0;
        for (int n = 0; n < rows.Count; n++)
            if (lambda[n] > 0) { alpha[n] = Math.ScaleB(lambda[n] / rows.Norm[n],
                -rows.Exponent[n] - top); sum += alpha[n]; }
        for (int n = 0; n < rows.Count; n++) alpha[n] /= sum;
        return alpha;
    }
}
