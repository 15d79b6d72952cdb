/// The warm starts that make a certified limit take seconds at D = 1024, N = 512 (issue 21) against their
/// cold slow twins: NNLS from a guessed passive set, Wolfe's min-norm point from a guessed corral, and
/// the affine minimizer by Cholesky of G + 1 1^T against the bordered LU system.
module ImplicitBias.Tests.TestWarmStarts

open System
open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Reference
open ImplicitBias.Tests.TestUtil

let private maxDiff (a: float[]) (b: float[]) = Array.map2 (fun x y -> abs (x - y)) a b |> Array.max

[<Tests>]
let tests =
    testList "WarmStarts" [
        testCase "NNLS warm = cold on 40 seeded problems (tall, square, wide; right, partial and wrong guesses)"
        <| fun _ ->
            for seed in 1UL .. 40UL do
                let rows, cols = [| (30, 12); (17, 17); (9, 14); (50, 7) |][int seed % 4]
                let a = gaussian (seed * 7UL) (rows * cols)
                let b = gaussian (seed * 7UL + 1UL) rows
                let cold = Nnls.Solve(a, rows, cols, b)
                let rnd = Random(int seed)
                let guesses =
                    [ cold.X |> Array.map (fun v -> v > 0.0)           // the answer's own passive set
                      Array.init cols (fun _ -> true)                    // everything
                      Array.init cols (fun _ -> rnd.NextDouble() < 0.5) ] // a random guess
                for guess in guesses do
                    let warm = Nnls.Solve(a, rows, cols, b, guess = guess)
                    Expect.isTrue warm.Converged $"seed {seed}: converged"
                    Expect.floatClose Accuracy.high warm.ResidualNorm cold.ResidualNorm $"seed {seed}: same residual"
                    if rows >= cols then
                        Expect.isLessThan (maxDiff warm.X cold.X) 1e-9
                            $"seed {seed}: same x (unique when A has full column rank)"
                    Expect.all warm.X (fun v -> v >= 0.0) "x >= 0"

        testCase "NNLS warm start with the right guess takes no outer iteration" <| fun _ ->
            let rows, cols = 40, 10
            let a = gaussian 3UL (rows * cols)
            let xTrue = Array.init cols (fun j -> 1.0 + float j)
            let b = Array.init rows (fun i -> Seq.sum (seq { for j in 0 .. cols - 1 -> a[i * cols + j] * xTrue[j] }))
            let warm = Nnls.Solve(a, rows, cols, b, guess = Array.create cols true)
            Expect.equal warm.Iterations 0 "the guess was the answer"
            Expect.isGreaterThan (Nnls.Solve(a, rows, cols, b).Iterations) 0 "the cold start brings each column in"

        testCase "Wolfe warm = cold: the same min-norm point from guessed corrals (N < D and N > D, dependent guesses)"
        <| fun _ ->
            for seed in 1UL .. 30UL do
                let n, d = [| (12, 20); (40, 9); (25, 25) |][int seed % 3]
                let data = SyntheticData.GaussianTeacher(n, d, seed)
                let z = data.SignedFeatures()
                let cold = MinNormPoint.Solve(z, n, d)
                let support = [ for i in 0 .. n - 1 do if cold.Lambda[i] > 0.0 then yield i ]
                let rnd = Random(int seed)
                let guesses =
                    [ support; [ 0 .. n - 1 ]; [ for i in 0 .. n - 1 do if rnd.NextDouble() < 0.3 then yield i ] ]
                for guess in guesses do
                    let warm = MinNormPoint.Solve(z, n, d, corralGuess = guess)
                    Expect.isTrue warm.Converged $"seed {seed}: converged"
                    let scale = sqrt (dot cold.Point cold.Point)
                    Expect.isLessThan (maxDiff warm.Point cold.Point / scale) 1e-9
                        $"seed {seed}, guess of {guess.Length}: the same point"
                let right = MinNormPoint.Solve(z, n, d, corralGuess = support)
                Expect.isLessThanOrEqual right.Iterations 2
                    $"seed {seed}: the right corral needs at most the final check"

        testCase "affine minimizer: Cholesky of G + 1 1^T = the bordered LU system; both null on a dependent corral"
        <| fun _ ->
            for seed in 1UL .. 20UL do
                let n, d = 10, 14
                let z = gaussian seed (n * d)
                let gram = Array.init (n * n) (fun k ->
                    dot z[(k / n) * d .. (k / n) * d + d - 1] z[(k % n) * d .. (k % n) * d + d - 1])
                let corral = [ 0 .. 2 .. n - 1 ] @ [ 1; 3 ]
                let a = MinNormPoint.CholeskyMinimizer(gram, Array.create n 1.0, n, corral)
                Expect.isNotNull a $"seed {seed}: the Cholesky form applies (an independent corral)"
                let b = MinNormPoint.BorderedMinimizer(gram, n, corral)
                Expect.isLessThan (maxDiff a b) 1e-10 $"seed {seed}: same mu"
                Expect.floatClose Accuracy.high (Array.sum a) 1.0 "sum mu = 1"
            // Rows 0, 1 and their midpoint: affinely dependent.
            let z = [| 1.0; 0.0; 0.0; 1.0; 0.5; 0.5 |]
            let gram = Array.init 9 (fun k -> dot z[(k / 3) * 2 .. (k / 3) * 2 + 1] z[(k % 3) * 2 .. (k % 3) * 2 + 1])
            Expect.isNull (MinNormPoint.BorderedMinimizer(gram, 3, [ 0; 1; 2 ])) "LU: singular"
            Expect.isNull (MinNormPoint.AffineMinimizer(gram, 3, [ 0; 1; 2 ])) "Cholesky then LU: singular"
    ]
