/// Non-negative least squares and least distance programming, against their own optimality
/// conditions, a brute-force search over active sets, and closed forms.
module ImplicitBias.Tests.TestNnls

open Expecto
open MathNet.Numerics.LinearAlgebra
open ImplicitBias.Engine.Numerics
open ImplicitBias.Tests.TestUtil

/// w = A^T (b - A x) for row-major A.
let private gradient (a: float[]) rows cols (b: float[]) (x: float[]) =
    let r = Nnls.Residual(a, rows, cols, b, x)
    Array.init cols (fun j -> Seq.sum (seq { for i in 0 .. rows - 1 -> a.[i * cols + j] * r.[i] }))

/// The slow, obviously correct twin: every subset of columns, unconstrained least squares on it,
/// keep the feasible (x >= 0) candidate of smallest residual.
let private bruteForce (a: float[]) rows cols (b: float[]) =
    let mutable best = (infinity, Array.zeroCreate<float> cols)
    for mask in 0 .. (1 <<< cols) - 1 do
        let index = [| for j in 0 .. cols - 1 do if mask &&& (1 <<< j) <> 0 then yield j |]
        let x = Array.zeroCreate cols
        let ok =
            if index.Length = 0 then true
            else
                let m = Matrix<float>.Build.Dense(rows, index.Length, fun i k -> a.[i * cols + index.[k]])
                let s = m.Svd().Solve(Vector<float>.Build.DenseOfArray b)
                index |> Array.iteri (fun k j -> x.[j] <- s.[k])
                index |> Array.forall (fun j -> x.[j] >= 0.0)
        if ok then
            let r = Nnls.Residual(a, rows, cols, b, x) |> Array.sumBy (fun v -> v * v) |> sqrt
            if r < fst best then best <- (r, x)
    best

[<Tests>]
let tests =
    testList "Nnls" [
        for (rows, cols, seed) in [ (10, 4, 1UL); (5, 8, 2UL); (30, 20, 3UL); (60, 40, 4UL) ] do
            testCase $"KKT conditions of the answer hold ({rows}x{cols})" <| fun () ->
                let a = gaussian seed (rows * cols)
                let b = gaussian (seed + 100UL) rows
                let fit = Nnls.Solve(a, rows, cols, b)
                Expect.isTrue fit.Converged "converged"
                let w = gradient a rows cols b fit.X
                // Scale of w: ||A|| ||b|| is O(sqrt(rows * cols)) here; 1e-9 of it is far above round-off.
                let tol = 1e-9 * sqrt (float (rows * cols * rows))
                for j in 0 .. cols - 1 do
                    Expect.isGreaterThanOrEqual fit.X.[j] 0.0 "x >= 0"
                    if fit.X.[j] > 0.0 then Expect.isLessThan (abs w.[j]) tol $"w_{j} = 0 on the passive set"
                    else Expect.isLessThan w.[j] tol $"w_{j} <= 0 on the active set"
        for (rows, cols, seed) in [ (6, 4, 11UL); (4, 6, 12UL); (8, 5, 13UL) ] do
            testCase $"residual equals the brute-force minimum over active sets ({rows}x{cols})" <| fun () ->
                let a = gaussian seed (rows * cols)
                let b = gaussian (seed + 100UL) rows
                let fit = Nnls.Solve(a, rows, cols, b)
                let (best, xBest) = bruteForce a rows cols b
                Expect.floatClose Accuracy.high fit.ResidualNorm best "same minimum"
                // With full column rank the minimizer is unique.
                if rows >= cols then Expect.isLessThan (relativeError fit.X xBest) 1e-8 "same minimizer"
        testCase "b in the cone of the columns is fitted exactly" <| fun () ->
            let a = gaussian 21UL (12 * 5)
            let x0 = [| 0.5; 0.0; 2.0; 0.0; 1.0 |]
            let b = Array.init 12 (fun i -> Seq.sum (seq { for j in 0 .. 4 -> a.[i * 5 + j] * x0.[j] }))
            let fit = Nnls.Solve(a, 12, 5, b)
            Expect.isLessThan fit.ResidualNorm 1e-12 "residual 0"
            Expect.isLessThan (relativeError fit.X x0) 1e-10 "recovers x0"
        testCase "least distance: one constraint gives h g / ||g||^2" <| fun () ->
            let g = [| 3.0; -4.0; 12.0 |]
            let r = LeastDistance.Solve(g, 1, 3, [| 2.0 |])
            let expected = g |> Array.map (fun v -> 2.0 * v / 169.0)
            Expect.isLessThan (relativeError r.X expected) 1e-12 "closed form"
        testCase "least distance: KKT conditions on random feasible constraints" <| fun () ->
            let m, n = 15, 6
            let g = gaussian 31UL (m * n)
            // Feasible by construction: G x0 >= 1 for x0 chosen so that every row has margin >= 1.
            let x0 = gaussian 32UL n
            let h = Array.init m (fun i -> min 1.0 (Seq.sum (seq { for j in 0 .. n - 1 -> g.[i * n + j] * x0.[j] })))
            let r = LeastDistance.Solve(g, m, n, h)
            let x = r.X
            let gx = Array.init m (fun i -> Seq.sum (seq { for j in 0 .. n - 1 -> g.[i * n + j] * x.[j] }))
            for i in 0 .. m - 1 do
                Expect.isGreaterThan (gx.[i] - h.[i]) -1e-10 "feasible"
                Expect.isLessThan (abs (r.Multipliers.[i] * (gx.[i] - h.[i]))) 1e-10 "complementary slackness"
            let combo =
                Array.init n (fun j -> Seq.sum (seq { for i in 0 .. m - 1 -> g.[i * n + j] * r.Multipliers.[i] }))
            Expect.isLessThan (relativeError combo x) 1e-9 "x = G^T lambda, lambda >= 0"
            Expect.isTrue (r.Multipliers |> Array.forall (fun v -> v >= 0.0)) "lambda >= 0"
        testCase "least distance: contradictory constraints are reported infeasible" <| fun () ->
            // x1 >= 1 and -x1 >= 1 cannot both hold.
            let r = LeastDistance.Solve([| 1.0; 0.0; -1.0; 0.0 |], 2, 2, [| 1.0; 1.0 |])
            Expect.isNone (Option.ofObj r.X) "infeasible"
    ]
