using ImplicitBias.Engine.Numerics;
using ImplicitBias.Engine.Fourier;
using MathNet.Numerics.LinearAlgebra;
using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Reference;

/// <summary>The certified solution of min R_K(beta) s.t. y_n &lt;x_n, beta&gt; &gt;= 1, with R_K(beta) = 2 min {
/// ||Z||_* : A_K(Z) = beta } (<see cref="KernelLift"/>), and of its dual max sum_n alpha_n s.t. alpha &gt;= 0,
/// ||A_K^*(sum_n alpha_n y_n x_n)||_op &lt;= 2. (docs/reference-solvers.md, "KernelMaxMarginSolution")</summary>
/// <param name="Grid">The grid of the features (D = Grid.Count).</param>
/// <param name="Kernel">The kernel's support K.</param>
/// <param name="Status">Optimal (certified gap within tolerance), IterationLimit (feasible pair, gap above it) or
/// NotSeparable.</param>
/// <param name="Beta">A_K(Factor), scaled so that the minimum margin is exactly 1 (zeros if not separable).</param>
/// <param name="Factor">Z (|K| x D) with A_K(Z) = Beta, so R_K(Beta) &lt;= 2 ||Z||_*.</param>
/// <param name="Dual">alpha &gt;= 0, scaled so that ||A_K^*(sum alpha_n y_n x_n)||_op = 2 (feasible); for NotSeparable
/// the evidence of L2MaxMargin.</param>
/// <param name="PrimalObjective">2 ||Factor||_* (an upper bound on R_K(Beta), hence on the optimum).</param>
/// <param name="DualObjective">sum_n Dual_n (a lower bound on the optimum, by weak duality).</param>
/// <param name="RelativeGap">(PrimalObjective - DualObjective) / PrimalObjective; 1 when nothing feasible was
/// found.</param>
/// <param name="MinMargin">min_n y_n &lt;x_n, Beta&gt; recomputed.</param>
/// <param name="DualOperatorNorm">||A_K^*(sum alpha_n y_n x_n)||_op for the returned Dual (2 when scaled).</param>
/// <param name="Rank">Singular values of Factor above 1e-8 of the largest.</param>
/// <param name="Iterations">Newton steps of the barrier method.</param>
/// <param name="Seconds">Wall-clock time.</param>
/// <param name="Solver">Which algorithm produced the candidate.</param>
/// <param name="Message">What happened and how good the certificate is.</param>
public sealed record KernelMaxMarginSolution(
    Grid Grid, KernelSize Kernel, SolverStatus Status,
    double[] Beta, Matrix<double> Factor, double[] Dual,
    double PrimalObjective, double DualObjective, double RelativeGap, double MinMargin, double DualOperatorNorm,
    int Rank, int Iterations, double Seconds, string Solver, string Message)
{
    /// <summary>Beta / ||Beta||_2 (zeros if not separable).</summary>
    public double[] Direction => Geometry.Normalize(Beta);

    /// <summary>"kernel:K" (1-D) or "kernel:K1xK2" (the command line's --bias).</summary>
    public string BiasName => $"kernel:{Kernel}";
}
