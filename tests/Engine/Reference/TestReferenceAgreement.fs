/// Different solvers agree where their problems coincide.
module ImplicitBias.Tests.TestReferenceAgreement

open System
open Expecto
open Google.OrTools.LinearSolver
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Training
open ImplicitBias.Tests.TestUtil
open ImplicitBias.Tests.TestReferenceCertificate

/// Both solutions' objectives lie within their certified gaps of the same optimum, so they differ by at most the sum.
let agreeOnObjective (a: MaxMarginSolution) (b: MaxMarginSolution) =
    let bound = (a.RelativeGap + b.RelativeGap) * max a.PrimalObjective b.PrimalObjective + 1e-12
    Expect.isLessThanOrEqual (abs (a.PrimalObjective - b.PrimalObjective)) bound $"{a.Solver} vs {b.Solver} on {a.Bias}"

/// A lower bound on min ||beta_hat||_1 s.t. margins >= 1 by an LP (OR-Tools GLOP), independent of the SOCP:
/// |b| >= max_j Re(e^{-i theta_j} b) >= cos(pi/M) |b| over M directions theta_j, so
/// LP <= optimum <= LP / cos(pi/M). Self-conjugate frequencies are real and need only theta = 0, pi.
let polygonBound (data: Dataset) (directions: int) =
    let dim = data.Dimension
    use solver = Solver.CreateSolver("GLOP")
    let beta = Array.init dim (fun p -> solver.MakeNumVar(-infinity, infinity, $"b{p}"))
    let objective = solver.Objective()
    for n in 0 .. data.Count - 1 do
        let c = solver.MakeConstraint(1.0, infinity)
        for p in 0 .. dim - 1 do c.SetCoefficient(beta.[p], data.Labels.[n] * data.Features.[n * dim + p])
    for k in 0 .. dim / 2 do
        let t = solver.MakeNumVar(0.0, infinity, $"t{k}")
        let selfConjugate = k = 0 || 2 * k = dim
        objective.SetCoefficient(t, (if selfConjugate then 1.0 else 2.0))
        let thetas =
            if selfConjugate then [ 0.0; Math.PI ]
            else [ for j in 0 .. directions - 1 -> 2.0 * Math.PI * float j / float directions ]
        for theta in thetas do
            // t >= Re(e^{-i theta} b_hat[k]) = sum_p beta[p] cos(theta + 2 pi p k / D) / sqrt D
            let c = solver.MakeConstraint(0.0, infinity)
            c.SetCoefficient(t, 1.0)
            for p in 0 .. dim - 1 do
                let v = cos (theta + 2.0 * Math.PI * float (p * k % dim) / float dim) / sqrt (float dim)
                if abs v > 1e-12 then c.SetCoefficient(beta.[p], -v) // exact zeros (cos(pi/2)) as zeros
    objective.SetMinimization()
    Expect.equal (solver.Solve()) Solver.ResultStatus.OPTIMAL "polygon LP solved"
    objective.Value()

[<Tests>]
let tests =
    testList "ReferenceAgreement" [
        testCase "primary solvers and the interior-point twin reach the same optimum" <| fun () ->
            for n, d, seed in [ 5, 8, 11UL; 12, 6, 12UL; 20, 32, 13UL ] do
                let data = SyntheticData.GaussianTeacher(n, d, seed)
                for bias in [ MarginBias.L2; MarginBias.FourierL1; MarginBias.TimeL1 ] do
                    agreeOnObjective (MaxMargin.Solve(data, bias)) (GroupNormSolve.Run(data, bias))

        testCase "30 random shapes (N, D in 1..40, small teacher margins): every solver certified, all agree"
        <| fun () ->
            // Shapes and seeds drawn from a seeded generator, none hand-picked; includes N > D and N < D.
            let r = ImplicitBias.Engine.Numerics.SeededRandom(2024UL)
            for i in 1 .. 30 do
                let n, d = 1 + r.NextInt 40, 1 + r.NextInt 40
                let data = SyntheticData.GaussianTeacher(n, d, uint64 (5000 + i), 0.01)
                for bias in [ MarginBias.L2; MarginBias.FourierL1; MarginBias.TimeL1 ] do
                    let a, b = MaxMargin.Solve(data, bias), GroupNormSolve.Run(data, bias)
                    check data a 1e-8
                    check data b 1e-8
                    agreeOnObjective a b

        testCase "l2: Wolfe and interior point give the same beta (strong convexity bounds the distance)" <| fun () ->
            // beta* is the projection of 0 on the feasible set, so for feasible beta:
            // ||beta - beta*||^2 <= ||beta||^2 - ||beta*||^2 <= 2 gap ||beta||^2 (to first order).
            for n, d, seed in [ 5, 8, 11UL; 12, 6, 12UL; 40, 64, 14UL ] do
                let data = SyntheticData.GaussianTeacher(n, d, seed)
                let a, b = L2MaxMargin.Solve data, GroupNormSolve.Run(data, MarginBias.L2)
                let distance = Array.map2 (-) a.Beta b.Beta |> Array.sumBy (fun v -> v * v) |> sqrt
                Expect.isLessThan (distance / a.PrimalObjective) (sqrt (3.0 * (a.RelativeGap + b.RelativeGap)) + 1e-9)
                    $"N={n} D={d}"

        testCase "time-l1: OR-Tools simplex and the interior point give the same beta on generic data" <| fun () ->
            // Generic data has a unique l1 solution (a vertex); the interior point converges to it.
            for n, d, seed in [ 5, 8, 11UL; 12, 6, 12UL; 20, 32, 13UL ] do
                let data = SyntheticData.GaussianTeacher(n, d, seed)
                let a, b = TimeL1LinearProgram.Solve data, TimeL1MaxMargin.Solve data
                Expect.isLessThan (relativeError b.Beta a.Beta) 1e-5 $"N={n} D={d}"

        testCase "D = 2: Fourier-l1 is time-l1 of the rotated data (the DFT of D=2 is the real Hadamard matrix)"
        <| fun () ->
            // beta_hat = H beta with H = [1 1; 1 -1]/sqrt 2 symmetric orthogonal, so
            // min ||H beta||_1 s.t. Z beta >= 1 equals min ||c||_1 s.t. (Z H) c >= 1 with beta = H c.
            let data = SyntheticData.GaussianTeacher(7, 2, 15UL)
            let h (v: float[]) = [| (v.[0] + v.[1]) / sqrt 2.0; (v.[0] - v.[1]) / sqrt 2.0 |]
            let rotated = Dataset(Array.init data.Count (fun n -> h (data.Point(n).ToArray())) |> Array.concat,
                                  data.Labels, 2, "rotated")
            let f, t = FourierL1MaxMargin.Solve data, TimeL1LinearProgram.Solve rotated
            agreeOnObjective f t
            Expect.isLessThan (relativeError f.Beta (h t.Beta)) 1e-6 "beta = H c"

        testCase "Fourier-l1: the SOCP optimum lies in the polygon-LP bracket [LP, LP / cos(pi/M)]" <| fun () ->
            let datasets =
                [ SyntheticData.GaussianTeacher(8, 16, 16UL); SyntheticData.GaussianTeacher(10, 9, 17UL)
                  SyntheticData.FourierSparseTeacher(16, 32, 3, 18UL); SyntheticData.GaussianTeacher(40, 12, 19UL) ]
            for data in datasets do
                let s = FourierL1MaxMargin.Solve data
                let m = 64
                let lp = polygonBound data m
                Expect.isLessThanOrEqual lp (s.PrimalObjective * (1.0 + 1e-9)) "LP is a lower bound"
                Expect.isLessThanOrEqual (s.PrimalObjective * (1.0 - s.RelativeGap))
                    (lp / cos (Math.PI / float m) * (1.0 + 1e-9)) "LP / cos(pi/M) is an upper bound"
    ]
