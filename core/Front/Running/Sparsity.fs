namespace ImplicitBias

open ImplicitBias.Engine.Fourier

/// Measures of a predictor's sparsity, in the time and the Fourier domain.
module Sparsity =
    /// ||v||_1^2 / ||v||_2^2: the effective number of non-zero entries (1 .. length).
    let effectiveCount (v: float[]) =
        let l1 = v |> Array.sumBy abs
        let l2 = v |> Array.sumBy (fun x -> x * x)
        if l2 = 0.0 then 0.0 else l1 * l1 / l2

    /// Effective number of Fourier coefficients of beta (|beta_hat| in the unitary DFT).
    let fourierEffectiveCount (beta: float[]) =
        ImplicitBias.Engine.Fourier.UnitaryDft.Magnitudes(System.ReadOnlySpan beta) |> effectiveCount

    /// Effective number of coefficients of beta's spectrum on a grid (the 2-D unitary DFT of an image; the
    /// 1-D one on a line).
    let gridFourierEffectiveCount (grid: Grid) (beta: float[]) =
        ImplicitBias.Engine.Fourier.GridDft.Forward(grid, System.ReadOnlySpan beta) |> Array.map (fun z -> z.Magnitude)
        |> effectiveCount
