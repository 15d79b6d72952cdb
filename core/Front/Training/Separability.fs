namespace ImplicitBias

open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Reference

/// Why no separating direction exists: weights alpha_n >= 0 with sum alpha_n = 1 whose combination
/// sum_n alpha_n y_n x_n is (numerically) zero. Then every beta has
/// min_n y_n <x_n, beta> <= <sum_n alpha_n y_n x_n, beta> <= ||sum|| ||beta||, so no beta separates
/// the data with a normalized margin above CombinationNorm.
type NotSeparableEvidence =
    { /// alpha, one weight per point (>= 0, summing to 1).
      Weights: float[]
      /// ||sum_n alpha_n y_n x_n||, recomputed here from the data (not taken from the solver).
      CombinationNorm: float
      /// max_n ||x_n||, the scale CombinationNorm is to be compared with.
      MaxPointNorm: float
      /// The reference solver's sentence.
      Message: string }

/// Checking separability through the origin before training, with the l2 reference solver
/// (Wolfe's min-norm point of the y_n x_n: zero exactly when the data is not separable).
module Separability =
    /// ||sum_n weights_n y_n x_n||.
    let combinationNorm (data: Dataset) (weights: float[]) =
        let z = data.SignedFeatures()
        let d = data.Dimension
        let sum = Array.init d (fun j -> Seq.sum (seq { for n in 0 .. data.Count - 1 -> weights[n] * z[n * d + j] }))
        ImplicitBias.Engine.Training.Geometry.Norm(System.ReadOnlySpan sum)

    /// None when the data is separable through the origin; otherwise the evidence that it is not.
    let check (data: Dataset) : NotSeparableEvidence option =
        let solution = MaxMargin.Solve(data, MarginBias.L2)
        if solution.Status <> SolverStatus.NotSeparable then None
        else
            Some { Weights = solution.Dual
                   CombinationNorm = combinationNorm data solution.Dual
                   MaxPointNorm = data.MaxPointNorm()
                   Message = solution.Message }
