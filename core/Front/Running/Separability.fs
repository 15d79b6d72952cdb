namespace ImplicitBias

open ImplicitBias.Engine.Data

open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Reference

/// Why no separating direction exists: weights alpha_n >= 0 with sum alpha_n = 1 whose combination sum_n alpha_n y_n
/// x_n is 0 to the rounding of its own terms. (docs/training.md, "NotSeparableEvidence")
type NotSeparableEvidence =
    { /// alpha, one weight per point (>= 0, summing to 1).
      Weights: float[]
      /// ||sum_n alpha_n y_n x_n|| / sum_n alpha_n ||x_n||: a scale-free size, the same whatever each point's norm.
      RelativeCombination: float
      /// The rounding level RelativeCombination is within: 4 (N + D) eps (Separation.ToleranceFor).
      Tolerance: float
      /// The decision's sentence.
      Message: string }

/// Checking separability through the origin before training (Separation: decided on the unit rows
/// y_n x_n / ||x_n||, so that it does not depend on how uneven the points' norms are).
module Separability =
    /// The decision with its direction, margin or evidence (Separation.Decide).
    let decide (data: Dataset) = Separation.Decide data

    /// None when the data is separable through the origin; otherwise the evidence that it is not.
    let check (data: Dataset) : NotSeparableEvidence option =
        let s = decide data
        if s.Separable then None
        else Some { Weights = s.Weights; RelativeCombination = s.RelativeCombination; Tolerance = s.Tolerance;
                    Message = s.Message }

    /// A note for separable data whose best margin (relative to the points' norms) is below 1e-6 or could not be
    /// confirmed beyond rounding: training proceeds, but may need very many steps to show the limit.
    let note (s: Separation) =
        if not s.Separable || s.Margin >= 1e-6 then None
        elif s.Margin = 0.0 then Some s.Message
        else
            Some(sprintf "separable, but only with margin %.3g relative to the points' norms (min_n y_n <x_n, d> / ||x_n|| for the best direction d): training proceeds, and may need very many steps to show its limit" s.Margin)
