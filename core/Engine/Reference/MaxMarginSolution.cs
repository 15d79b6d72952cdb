using ImplicitBias.Engine.Numerics;
namespace ImplicitBias.Engine.Reference;

/// <summary>How a reference solve ended. Not converging is a recorded status, never an exception.</summary>
public enum SolverStatus
{
    /// <summary>A feasible beta and a feasible dual whose relative gap met the tolerance.</summary>
    Optimal,
    /// <summary>The data is not linearly separable (through the origin); Beta is all zeros.</summary>
    NotSeparable,
    /// <summary>The iteration budget ran out; Beta and Dual are the last (still certified) iterates.</summary>
    IterationLimit,
}

/// <summary>A max-margin reference solution with its own certificate: <c>min ||beta|| s.t. y_n &lt;x_n, beta&gt; &gt;=
/// 1</c> for one of the norms of <see cref="MarginBias"/>, and its dual <c>max sum_n alpha_n s.t. alpha &gt;= 0,
/// ||sum_n alpha_n y_n x_n||_* &lt;= 1</c>. (docs/reference-solvers.md, "MaxMarginSolution")</summary>
/// <param name="Bias">Which norm was minimized.</param>
/// <param name="Status">How the solve ended.</param>
/// <param name="Beta">The primal point scaled so that the minimum margin is exactly 1 (feasible).</param>
/// <param name="Dual">alpha_n &gt;= 0 per point, scaled so that ||Z^T alpha||_* &lt;= 1 (feasible). For l2 this is the
/// QP dual alpha_QP = argmax sum alpha - ||Z^T alpha||^2/2 divided by ||beta||.</param>
/// <param name="PrimalObjective">||Beta|| in the problem's norm.</param>
/// <param name="DualObjective">sum_n Dual_n.</param>
/// <param name="RelativeGap">(PrimalObjective - DualObjective) / PrimalObjective.</param>
/// <param name="MinMargin">min_n y_n &lt;x_n, Beta&gt; (1 up to round-off when separable).</param>
/// <param name="Iterations">Solver iterations (major iterations, interior-point steps or simplex iterations).</param>
/// <param name="Seconds">Wall-clock time of the solve.</param>
/// <param name="Solver">Which algorithm produced the answer, for reports.</param>
/// <param name="Message">A sentence for humans: what happened and how good the certificate is.</param>
public sealed record MaxMarginSolution(
    MarginBias Bias,
    SolverStatus Status,
    double[] Beta,
    double[] Dual,
    double PrimalObjective,
    double DualObjective,
    double RelativeGap,
    double MinMargin,
    int Iterations,
    double Seconds,
    string Solver,
    string Message)
{
    /// <summary>The grid whose DFT the Fourier-l1 norm was taken on (null: the 1-D DFT of length D).</summary>
    public Fourier.Grid? Grid { get; init; }

    /// <summary>Beta / ||Beta||_2 (the direction a trained network is compared with); zeros if not separable.</summary>
    public double[] Direction => Geometry.Normalize(Beta);

    /// <summary>Indices n with Dual[n] &gt; threshold * max Dual: the support vectors.</summary>
    public int[] SupportVectors(double threshold = 1e-6)
    {
        double max = Dual.Length == 0 ? 0 : Dual.Max();
        return Enumerable.Range(0, Dual.Length).Where(n => max > 0 && Dual[n] > threshold * max).ToArray();
    }
}
