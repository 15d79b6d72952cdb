/// The R_K max-margin reference (COLT 2022): the lift A_K, closed forms at K = 1 (l2) and K = full grid
/// (Fourier-l1), certificates recomputed here from the returned factor and dual, and wrong answers caught.
module ImplicitBias.Tests.TestKernelNorm

open System
open Expecto
open MathNet.Numerics.LinearAlgebra
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Training
open ImplicitBias.Tests.TestUtil

/// Seeded suite: D not only powers of two, N below and above D.
let suite = [ for d in [ 8; 12; 15; 16; 24 ] do for n in [ max 2 (d / 3); d + 5 ] -> n, d ]

let private data (n: int) (d: int) seed = SyntheticData.GaussianTeacher(n, d, seed)

let private oneMinusCos (a: float[]) (b: float[]) = 1.0 - Geometry.Cosine(ReadOnlySpan a, ReadOnlySpan b)

/// The certificate recomputed from scratch: margins of A_K(Factor) (A_K from the 1-D formula of the issue
/// when the grid is a line), nuclear and operator norms by our own SVD calls, relative gap.
/// Singular values of m computed on m / max|m_ij| and scaled back (entries of 1e150 overflow inside an SVD).
let singular (m: Matrix<float>) =
    let top = m.Enumerate() |> Seq.map abs |> Seq.max
    if top = 0.0 then [| 0.0 |] else (m / top).Svd(false).S.ToArray() |> Array.map (fun v -> v * top)

let recompute (d: Dataset) (s: KernelMaxMarginSolution) =
    let dim = d.Dimension
    let z = s.Factor
    let lift = KernelLift(s.Grid, s.Kernel)
    let beta = lift.Apply z
    let margins = Array.init d.Count (fun n ->
        d.Labels.[n] * Array.fold2 (fun a x b -> a + x * b) 0.0 (d.Point(n).ToArray()) beta)
    let g = Array.init dim (fun i ->
        Seq.sum (seq { for n in 0 .. d.Count - 1 -> s.Dual.[n] * d.Labels.[n] * d.Features.[n * dim + i] }))
    let op = singular (lift.Adjoint(ReadOnlySpan g)) |> Array.max
    let primal = 2.0 * (singular z |> Array.sum)
    let dual = Array.sum s.Dual
    Array.min margins, op, (primal - dual) / primal, Array.min s.Dual

/// Checks the recomputed certificate: margins >= 1, op norm <= 2, gap <= bound, alpha >= 0, and the status
/// Optimal exactly when the gap meets the default tolerance 1e-8.
let checkWithin bound (d: Dataset) (s: KernelMaxMarginSolution) what =
    let minMargin, op, gap, minAlpha = recompute d s
    Expect.equal (s.Status = SolverStatus.Optimal) (gap <= 1e-8) $"{what}: status {s.Status} with gap {gap}"

    Expect.isGreaterThanOrEqual minMargin (1.0 - 1e-10) $"{what}: margins"
    Expect.isLessThanOrEqual op (2.0 * (1.0 + 1e-10)) $"{what}: dual operator norm"
    Expect.isLessThanOrEqual gap bound $"{what}: recomputed gap"
    Expect.isGreaterThanOrEqual minAlpha 0.0 $"{what}: alpha >= 0"
    Expect.floatClose Accuracy.high gap s.RelativeGap $"{what}: reported gap is the recomputed one"

/// Optimal: the recomputed gap is at most 1e-8.
let checkCertified d s what =
    checkWithin 1e-8 d s what
    Expect.equal s.Status SolverStatus.Optimal $"{what}: {s.Message}"

[<Tests>]
let tests =
    testList "KernelNorm" [
        testCase "A_K and its adjoint: <A_K Z, g> = <Z, A_K^* g>; A_K(u v^T) is the 1-D formula of the issue"
        <| fun () ->
            for grid, kernel in [ Grid.Line 7, KernelSize.Line 3; Grid.Line 12, KernelSize.Line 12;
                                  Grid(3, 4), KernelSize(2, 3); Grid(4, 5), KernelSize(4, 5) ] do
                let lift = KernelLift(grid, kernel)
                let dim = grid.Count
                let z = Matrix<float>.Build.Dense(kernel.Count, dim, gaussian 3UL (kernel.Count * dim))
                let g = gaussian 4UL dim
                let lhs = dot (lift.Apply z) g
                let rhs = (z.PointwiseMultiply(lift.Adjoint(ReadOnlySpan g))).Enumerate() |> Seq.sum
                Expect.floatClose Accuracy.high lhs rhs $"adjoint on {grid} with {kernel}"
            let d, k = 11, 4
            let u, v = gaussian 5UL k, gaussian 6UL d
            let z = Matrix<float>.Build.Dense(k, d, fun t i -> u.[t] * v.[i])
            let expected = Array.init d (fun j ->
                Seq.sum (seq { for t in 0 .. k - 1 -> u.[t] * v.[((j - t) % d + d) % d] }) / sqrt (float d))
            Expect.isLessThan (relativeError (KernelLift(Grid.Line d, KernelSize.Line k).Apply z) expected) 1e-14
                "beta[j] = D^-1/2 sum_k u[k] v[(j-k) mod D]"

        testCase "K = 1: R_1 = 2 sqrt(D) ||beta||_2 and the l2 max-margin direction" <| fun () ->
            for n, d in suite do
                let data = data n d (uint64 (100 + 7 * n + d))
                let s = KernelNormMaxMargin.Solve(data, Grid.Line d, KernelSize.Line 1)
                checkCertified data s $"N={n} D={d}"
                let l2 = L2MaxMargin.Solve data
                Expect.floatClose { absolute = 0.0; relative = 1e-7 } s.PrimalObjective
                    (2.0 * sqrt (float d) * l2.PrimalObjective) $"N={n} D={d}: objective"
                Expect.isLessThan (oneMinusCos s.Beta l2.Beta) 1e-8 $"N={n} D={d}: direction"

        testCase "K = D: R_D = 2 ||beta_hat||_1 and the Fourier-l1 max-margin direction" <| fun () ->
            for n, d in suite do
                let data = data n d (uint64 (300 + 7 * n + d))
                let s = KernelNormMaxMargin.Solve(data, Grid.Line d, KernelSize.Line d)
                checkCertified data s $"N={n} D={d}"
                let f = FourierL1MaxMargin.Solve data
                Expect.floatClose { absolute = 0.0; relative = 1e-7 } s.PrimalObjective (2.0 * f.PrimalObjective)
                    $"N={n} D={d}: objective"
                Expect.isLessThan (oneMinusCos s.Beta f.Beta) 1e-6 $"N={n} D={d}: direction"

        testCase "1 < K < D and 2-D kernels: certified with gap <= 1e-8" <| fun () ->
            // No closed form here: the certificate (recomputed above) is the check.
            for grid, kernel, n in [ Grid.Line 12, KernelSize.Line 3, 5; Grid.Line 16, KernelSize.Line 4, 20;
                                     Grid.Line 15, KernelSize.Line 2, 6
                                     Grid(3, 4), KernelSize(2, 2), 5; Grid(4, 4), KernelSize(2, 3), 20 ] do
                let data = data n grid.Count (uint64 (500 + n + grid.Count))
                let s = KernelNormMaxMargin.Solve(data, grid, kernel)
                checkCertified data s $"{grid} kernel {kernel} N={n}"

        testCase "the certificate catches a wrong answer: a perturbed factor or dual fails the gap" <| fun () ->
            let data = data 6 12 77UL
            let grid, kernel = Grid.Line 12, KernelSize.Line 3
            let lift = KernelLift(grid, kernel)
            let s = KernelNormMaxMargin.Solve(data, grid, kernel)
            checkCertified data s "unperturbed"
            let noise = Matrix<float>.Build.Dense(s.Factor.RowCount, s.Factor.ColumnCount,
                                                  gaussian 8UL (s.Factor.RowCount * s.Factor.ColumnCount))
            let wrongZ = KernelCertificate.Certify(data, lift,
                                                   s.Factor + noise * (1e-3 * s.Factor.L2Norm() / noise.L2Norm()),
                                                   ReadOnlySpan s.Dual, 0, 0.0, "perturbed", 1e-8)
            Expect.notEqual wrongZ.Status SolverStatus.Optimal "perturbed factor"
            Expect.isGreaterThan wrongZ.RelativeGap 1e-7 "perturbed factor's gap"
            let wrongAlpha = s.Dual |> Array.mapi (fun n a -> if n % 2 = 0 then a * 1.01 else a)
            let w2 = KernelCertificate.Certify(data, lift, s.Factor, ReadOnlySpan wrongAlpha, 0, 0.0, "perturbed", 1e-8)
            Expect.notEqual w2.Status SolverStatus.Optimal "perturbed dual"
            // and a factor of the wrong kernel's answer (full width) for this kernel is not optimal either
            let full = KernelNormMaxMargin.Solve(data, grid, KernelSize.Line 12)
            let beta = full.Beta
            let zFull = Matrix<float>.Build.Dense(3, 12)
            for i in 0 .. 11 do
                zFull.[0, i] <- beta.[i] * sqrt 12.0 // A_K(e_0 beta^T sqrt D) = beta: feasible, not optimal
            let w3 = KernelCertificate.Certify(data, lift, zFull, ReadOnlySpan s.Dual, 0, 0.0, "wrong kernel", 1e-8)
            Expect.isGreaterThan w3.RelativeGap 1e-4 "another problem's optimum"

        testCase "data of any scale (1e-150, 1e150, 3): the same direction and R_K times the scale, certified"
        <| fun () ->
            let d0 = data 7 12 31UL
            let reference = KernelNormMaxMargin.Solve(d0, Grid.Line 12, KernelSize.Line 3)
            for f in [ 1e-150; 1e150; 3.0 ] do
                let scaled = Dataset(d0.Features |> Array.map (fun v -> v * f), Array.copy d0.Labels, 12, "scaled")
                let s = KernelNormMaxMargin.Solve(scaled, Grid.Line 12, KernelSize.Line 3)
                checkCertified scaled s $"scale {f}"
                Expect.floatClose { absolute = 0.0; relative = 1e-8 } (s.PrimalObjective * f) reference.PrimalObjective
                    $"scale {f}: R_K scales as 1/f"
                Expect.isLessThan (oneMinusCos s.Beta reference.Beta) 1e-12 $"scale {f}: direction"

        testCase "not separable: status NotSeparable, finite numbers" <| fun () ->
            let x = gaussian 9UL 6
            let data = Dataset(Array.append x x, [| 1.0; -1.0 |], 6, "contradiction")
            let s = KernelNormMaxMargin.Solve(data, Grid.Line 6, KernelSize.Line 2)
            Expect.equal s.Status SolverStatus.NotSeparable s.Message
            for v in Array.concat [ s.Beta; s.Dual;
                                    [| s.PrimalObjective; s.DualObjective; s.RelativeGap; s.MinMargin |] ] do
                Expect.isTrue (Double.IsFinite v) "finite"

        testCase "usage errors are named" <| fun () ->
            let data = data 4 12 1UL
            throws<ArgumentException>
                (fun () -> KernelNormMaxMargin.Solve(data, Grid(3, 5), KernelSize.Line 2) |> ignore)
                "grid of the wrong size" |> ignore
            throws<ArgumentException>
                (fun () -> KernelNormMaxMargin.Solve(data, Grid(3, 4), KernelSize(4, 1)) |> ignore)
                "kernel larger than the grid" |> ignore
        testCase
            ("R_K(beta) evaluator: a bracket around the closed forms (K = 1: 2 sqrt(D) ||beta||_2; full kernel: "
             + "2 ||beta_hat||_1, 1-D and 2-D)") <| fun () ->
            for grid in [ Grid.Line 7; Grid.Line 12; Grid.Line 16; Grid(3, 4); Grid(2, 5) ] do
                let dim = grid.Count
                let beta = gaussian (uint64 (600 + dim + grid.Rows)) dim
                let cases =
                    [ KernelSize(1, 1), 2.0 * sqrt (float dim) * sqrt (dot beta beta)
                      KernelSize.Full grid,
                      2.0 * (TestGridFourierL1.naive beta grid |> Array.sumBy (fun c -> c.Magnitude)) ]
                for kernel, expected in cases do
                    let v = KernelNormValue.Evaluate(grid, kernel, ReadOnlySpan beta)
                    let what = $"{grid} kernel {kernel}"
                    Expect.isLessThanOrEqual v.RelativeGap 1e-8 $"{what}: gap ({v.Message})"
                    Expect.isLessThanOrEqual v.Lower (expected * (1.0 + 1e-12)) $"{what}: lower bound"
                    Expect.isGreaterThanOrEqual v.Upper (expected * (1.0 - 1e-12)) $"{what}: upper bound"
                    // Recomputed: A_K(Factor) = beta, ||A_K^* g||_op = 2, Lower = <g, beta>, Upper = 2 ||Factor||_*.
                    let lift = KernelLift(grid, kernel)
                    Expect.isLessThan (relativeError (lift.Apply v.Factor) beta) 1e-12 $"{what}: A_K(Z) = beta"
                    Expect.floatClose Accuracy.high
                        ((lift.Adjoint(ReadOnlySpan v.DualVector)).Svd(false).S |> Seq.max) 2.0 $"{what}: op norm"
                    Expect.floatClose Accuracy.high (dot v.DualVector beta) v.Lower $"{what}: lower = <g, beta>"
                    Expect.floatClose Accuracy.high (2.0 * (v.Factor.Svd(false).S |> Seq.sum)) v.Upper
                        $"{what}: upper = 2 ||Z||_*"

        testCase "R_K(beta) evaluator at the max-margin solution gives the solver's objective" <| fun () ->
            for grid, kernel, n in [ Grid.Line 12, KernelSize.Line 3, 5; Grid(3, 4), KernelSize(2, 2), 7 ] do
                let data = data n grid.Count (uint64 (700 + n))
                let s = KernelNormMaxMargin.Solve(data, grid, kernel)
                let v = KernelNormValue.Evaluate(grid, kernel, ReadOnlySpan s.Beta)
                Expect.isLessThanOrEqual v.Lower (s.PrimalObjective * (1.0 + 1e-10)) $"{grid}: R_K(beta*) <= 2 ||Z*||_*"
                Expect.isGreaterThanOrEqual v.Upper (s.DualObjective * (1.0 - 1e-10))
                    $"{grid}: R_K(beta*) >= the dual bound"
    ]
