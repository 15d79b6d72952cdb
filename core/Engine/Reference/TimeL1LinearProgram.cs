using System.Diagnostics;
using Google.OrTools.LinearSolver;
using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Reference;

/// <summary>The time-domain l1 max-margin predictor (Lemma 6: diagonal networks of depth 2) as a linear program solved
/// by OR-Tools' GLOP simplex: beta = p - q with p, q &gt;= 0, min sum(p + q) s.t. Z(p - q) &gt;= 1.
/// (docs/reference-solvers.md, "TimeL1LinearProgram")</summary>
public static class TimeL1LinearProgram
{
    /// <summary>Solves with GLOP and certifies; NotSeparable (with <see cref="Separation"/>'s evidence) when the data
    /// is not separable.</summary>
    public static MaxMarginSolution Solve(Dataset data, double gapTolerance = 1e-8)
    {
        var clock = Stopwatch.StartNew();
        int dim = data.Dimension, count = data.Count;
        var z = data.SignedFeatures();
        using var solver = Solver.CreateSolver("GLOP")
            ?? throw new InvalidOperationException("OR-Tools could not create its GLOP linear solver on this machine.");
        var plus = new Variable[dim]; var minus = new Variable[dim];
        var objective = solver.Objective();
        for (int d = 0; d < dim; d++)
        {
            plus[d] = solver.MakeNumVar(0, double.PositiveInfinity, $"p{d}");
            minus[d] = solver.MakeNumVar(0, double.PositiveInfinity, $"q{d}");
            objective.SetCoefficient(plus[d], 1); objective.SetCoefficient(minus[d], 1);
        }
        objective.SetMinimization();
        var rows = new Constraint[count];
        for (int n = 0; n < count; n++)
        {
            rows[n] = solver.MakeConstraint(1, double.PositiveInfinity, $"margin{n}");
            for (int d = 0; d < dim; d++)
            {
                double v = z[n * dim + d];
                if (v != 0) { rows[n].SetCoefficient(plus[d], v); rows[n].SetCoefficient(minus[d], -v); }
            }
        }
        var status = solver.Solve();
        int iterations = (int)solver.Iterations();
        MaxMarginSolution? result = null;
        if (status == Solver.ResultStatus.OPTIMAL || status == Solver.ResultStatus.FEASIBLE)
        {
            var beta = new double[dim];
            for (int d = 0; d < dim; d++) beta[d] = plus[d].SolutionValue() - minus[d].SolutionValue();
            var alpha = rows.Select(r => r.DualValue()).ToArray();
            result = Certificate.Certify(data, MarginBias.TimeL1, beta, alpha, iterations, clock.Elapsed.TotalSeconds,
                "OR-Tools GLOP",
                gapTolerance, hitIterationLimit: status != Solver.ResultStatus.OPTIMAL);
            if (Separation.Confirms(data, result.Beta)) return result;
        }
        // No beta that settles separability (GLOP's tolerances are absolute: infeasible, or a beta whose margins are
        // rounding errors): Separation decides, so that NotSeparable means what it means for every solver.
        var separation = Separation.Decide(data);
        if (!separation.Separable)
            return Certificate.NotSeparable(data, MarginBias.TimeL1, separation.Weights,
                separation.RelativeCombination, separation.Iterations,
                clock.Elapsed.TotalSeconds, "Wolfe min-norm point of the unit rows", separation.Message);
        return result ?? new MaxMarginSolution(MarginBias.TimeL1, SolverStatus.IterationLimit, new double[dim],
            new double[count],
            double.NaN, double.NaN, double.NaN, double.NaN, iterations, clock.Elapsed.TotalSeconds, "OR-Tools GLOP",
            $"GLOP stopped with status {status} and no usable solution, though the data is separable " +
            $"({separation.Message})");
    }
}
