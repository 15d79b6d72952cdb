/// Depth-2 kernel networks trained by the engine approach the closed-form ends of the COLT 2022 induced
/// regularizer R_K: K = 1 gives R_1(beta) = 2 sqrt(D) ||beta||_2 (the l2 max-margin direction), K = D gives
/// R_D(beta) = 2 ||beta_hat||_1 (the Fourier-l1 direction, Theorem 2), whatever the channel count. The
/// references are the toolkit's certified l2 and Fourier-l1 solvers; budgets are step counts.
module ImplicitBias.Tests.TestKernelTraining

open Expecto
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Training

/// Trains conv at depth 2 with the architecture options for a step budget (defaults otherwise).
let private train (shape: Grid option) (kernel: KernelSize) channels steps (data: Dataset) =
    let s = { Run.defaults with Model = Convolutional; Depth = 2; MaxSteps = steps;
                                TimeLimitSeconds = 120.0; RecordsPerDecade = 1
                                ConvergenceAngle = 0.0; Shape = shape; Kernel = Some kernel; Channels = channels }
    Run.train s data

[<Tests>]
let tests =
    testList "KernelTraining" [
        testCase "K = 1 (1-D, C = 1 and 2; 2-D 1x1 kernel on 4x4): the l2 max-margin direction, not Fourier-l1"
        <| fun () ->
            // Measured (settling rule, 1e6 steps): 1 - cos to l2 2.3e-7 (C = 1; the same for the 1x1 kernel on 4x4) and
            // 2.8e-7 (C = 2), 0.15 to Fourier-l1.
            let data = SyntheticData.FourierSparseTeacher(8, 16, 2, 1UL)
            let l2 = MaxMargin.Solve(data, MarginBias.L2)
            let fourier = MaxMargin.Solve(data, MarginBias.FourierL1)
            for shape, kernel, channels in [ None, KernelSize(1, 1), 1; None, KernelSize(1, 1), 2;
                                             Some(Grid(4, 4)), KernelSize(1, 1), 1 ] do
                let r = train shape kernel channels 1_000_000L data
                let toL2 = Geometry.Cosine(r.Direction, l2.Beta)
                Expect.isGreaterThan toL2 (1.0 - 1e-5) $"{shape} K={kernel} C={channels}: cos to l2"
                Expect.isGreaterThan toL2 (Geometry.Cosine(r.Direction, fourier.Beta))
                    $"{shape} K={kernel} C={channels}: closer to l2 than to Fourier-l1"

        testCase "K = D with C = D channels: the Fourier-l1 max-margin direction, not l2" <| fun () ->
            // Measured (settling rule, 1e6 steps): 1 - cos to Fourier-l1 7.9e-7, 0.15 to l2.
            let data = SyntheticData.FourierSparseTeacher(8, 16, 2, 1UL)
            let l2 = MaxMargin.Solve(data, MarginBias.L2)
            let fourier = MaxMargin.Solve(data, MarginBias.FourierL1)
            let r = train None (KernelSize(1, 16)) 16 1_000_000L data
            let toFourier = Geometry.Cosine(r.Direction, fourier.Beta)
            Expect.isGreaterThan toFourier (1.0 - 1e-5) "cos to Fourier-l1"
            Expect.isGreaterThan toFourier (Geometry.Cosine(r.Direction, l2.Beta)) "closer to Fourier-l1 than to l2"
    ]
