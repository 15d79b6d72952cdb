/// The reweighted-l2 local solver: its answers pass the stationarity certificate, its objective
/// never rises, and it agrees with closed forms.
module ImplicitBias.Tests.TestBridgeLocalSolver

open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Theory
open ImplicitBias.Tests.TestUtil

/// Labels from a random teacher, so the data is separable.
let separable (n: int) (dim: int) (seed: uint64) =
    let teacher = gaussian seed dim
    let x = gaussian (seed + 1UL) (n * dim)
    let labels = Array.init n (fun i -> if dot teacher x.[i * dim .. i * dim + dim - 1] >= 0.0 then 1.0 else -1.0)
    Dataset(x, labels, dim, $"teacher-{seed}")

[<Tests>]
let tests =
    testList "BridgeLocalSolver" [
        for domain in [ PenaltyDomain.Time; PenaltyDomain.Fourier ] do
            for p in [ 2.0 / 3.0; 0.5 ] do
                for dim in [ 8; 9 ] do
                    testCase $"its answer is certified stationary ({domain}, p = {p:F3}, D = {dim})" <| fun () ->
                        let data = separable 12 dim 5UL
                        let sol = BridgeLocalSolver.Solve(data, p, domain, System.ReadOnlySpan(gaussian 6UL dim))
                        Expect.equal sol.Outcome LocalSolverOutcome.Converged "converged"
                        // The solver stops at a relative change of 1e-10 and zeroes entries below 1e-12 of
                        // the largest, so 1e-6 tolerances leave a wide margin over what it leaves behind.
                        let cert = BridgeStationarity.Certify(data, System.ReadOnlySpan sol.Beta, p, domain,
                                                              StationarityOptions(1e-6, 1e-6))
                        Expect.floatClose Accuracy.medium cert.MinimumMargin 1.0 "unit minimum margin"
                        Expect.isLessThan cert.Residual 1e-6 "eq. (11) holds"
                        // Majorize-minimize: the objective never rises (up to the solver's round-off).
                        sol.Objectives |> Array.pairwise
                        |> Array.iter (fun (a, b) -> Expect.isLessThanOrEqual b (a * (1.0 + 1e-9)) "monotone")
        testCase "the two l2 steps (reference Wolfe solver, least distance by NNLS) agree" <| fun () ->
            let data = separable 40 20 51UL
            let a = BridgeLocalSolver.L2MaxMargin(data)
            let b = BridgeLocalSolver.L2MaxMarginByLeastDistance(data)
            Expect.isLessThan (relativeError b a) 1e-8 "same l2 max-margin solution"
            let sa = BridgeLocalSolver.Solve(data, 0.5, PenaltyDomain.Fourier, System.ReadOnlySpan(gaussian 52UL 20))
            let sb =
                BridgeLocalSolver.Solve(data, 0.5, PenaltyDomain.Fourier, System.ReadOnlySpan(gaussian 52UL 20),
                                        l2MaxMargin = System.Func<_, _>(BridgeLocalSolver.L2MaxMarginByLeastDistance))
            Expect.isLessThan (relativeError sb.Beta sa.Beta) 1e-6 "same stationary point"
        for (domain, bias) in [ PenaltyDomain.Time, MarginBias.TimeL1; PenaltyDomain.Fourier, MarginBias.FourierL1 ] do
            testCase
                ($"p = 1 ({domain}): the reference l1 max-margin solution is certified and the local solver reaches "
                 + "its objective") <| fun () ->
                let data = separable 12 8 53UL
                let reference = MaxMargin.Solve(data, bias)
                Expect.equal reference.Status SolverStatus.Optimal "reference solved"
                // The reference is certified to a relative duality gap of 1e-8, so entries off its support are
                // small but not exactly 0, and margins off the active set are not exactly 1; 1e-5 separates both.
                let cert = BridgeStationarity.Certify(data, System.ReadOnlySpan reference.Beta, 1.0, domain,
                                                      StationarityOptions(1e-5, 1e-5))
                Expect.isLessThan cert.Residual 1e-4 "eq. (11)-(12) on the support"
                Expect.isLessThanOrEqual cert.OffSupportMax (1.0 + 1e-4) "|z| <= 1 off the support"
                // p = 1 is convex, so the local solver's point must reach the global optimum's objective.
                let sol = BridgeLocalSolver.Solve(data, 1.0, domain, System.ReadOnlySpan(gaussian 54UL 8),
                                                  tolerance = 1e-9, maxIterations = 2000)
                Expect.floatClose { absolute = 0.0; relative = 1e-5 }
                    (BridgeLocalSolver.Objective(System.ReadOnlySpan sol.Beta, 1.0, domain)) reference.PrimalObjective
                    "same l1 objective"
        testCase "one data point, time domain: all weight on the largest |x_d|" <| fun () ->
            // min ||b||_p^p s.t. <x, b> >= 1 with p < 1 puts everything on one coordinate; starting
            // near that coordinate the local solver must end at b = e_d / x_d for d = argmax |x_d|.
            let x = [| 0.5; -2.0; 1.0; 0.25 |]
            let data = Dataset(x, [| 1.0 |], 4)
            let sol =
                BridgeLocalSolver.Solve(data, 0.5, PenaltyDomain.Time, System.ReadOnlySpan [| 0.1; -1.0; 0.1; 0.1 |])
            Expect.isLessThan (relativeError sol.Beta [| 0.0; -0.5; 0.0; 0.0 |]) 1e-8 "closed form"
        testCase "l2 max margin of one point is x / ||x||^2" <| fun () ->
            let x = [| 3.0; 0.0; -4.0 |]
            let beta = BridgeLocalSolver.L2MaxMargin(Dataset(x, [| -1.0 |], 3))
            Expect.isLessThan (relativeError beta [| -0.12; 0.0; 0.16 |]) 1e-12 "closed form"
        testCase "data that is not separable is reported" <| fun () ->
            let data = Dataset([| 1.0; 0.0; 1.0; 0.0 |], [| 1.0; -1.0 |], 2)
            let sol = BridgeLocalSolver.Solve(data, 0.5, PenaltyDomain.Time, System.ReadOnlySpan [| 1.0; 1.0 |])
            Expect.equal sol.Outcome LocalSolverOutcome.NotSeparable "outcome"
    ]
