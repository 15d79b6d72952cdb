/// RowMatrix products against naive loops, and their independence of the thread count.
module ImplicitBias.Tests.TestRowMatrix

open Expecto
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Steppers
open ImplicitBias.Engine.Networks
open ImplicitBias.Tests.TestUtil

[<Tests>]
let tests =
    testList "RowMatrix" [
        testCase "A v and -A^T q match naive sums; 1, 2 and 3 threads give the same bits" <| fun () ->
            for (rows, cols) in [ (1, 1); (5, 17); (33, 64); (40, 123) ] do
                let a = gaussian 1UL (rows * cols)
                let v = gaussian 2UL cols
                let q = gaussian 3UL rows
                let naiveM = Array.init rows (fun n -> Array.init cols (fun d -> a.[n * cols + d] * v.[d]) |> Array.sum)
                let naiveG =
                    Array.init cols (fun d -> -(Array.init rows (fun n -> a.[n * cols + d] * q.[n]) |> Array.sum))
                let results =
                    [ for threads in [ 1; 2; 3 ] ->
                        use m = new RowMatrix(a, rows, cols, threads)
                        let mv = Array.zeroCreate rows
                        let g = Array.zeroCreate cols
                        m.Multiply(v, mv)
                        m.NegativeTransposeMultiply(q, g)
                        mv, g ]
                let m1, g1 = results.Head
                Expect.isLessThan (relativeError m1 naiveM) 1e-12 $"A v, {rows} x {cols}"
                Expect.isLessThan (relativeError g1 naiveG) 1e-12 $"-A^T q, {rows} x {cols}"
                for (m, g) in results.Tail do
                    Expect.sequenceEqual m m1 "A v identical across thread counts"
                    Expect.sequenceEqual g g1 "-A^T q identical across thread counts"
    
        testCase
            ("one-pass loss and gradient = Multiply, LogLossAndWeights, -A^T q (both losses, margins up to 1e6); "
             + "same bits for 1, 2, 3 threads") <| fun () ->
            for (rows, cols, scale) in [ (7, 5, 1.0); (300, 64, 1.0); (129, 256, 1e4); (50, 40, 1e6); (1030, 8, 1.0);
                                         (203, 1024, 30.0) ] do
                for loss in [ ExponentialLoss() :> ILoss; LogisticLoss() ] do
                    let a = gaussian 4UL (rows * cols)
                    let v = gaussian 5UL cols |> Array.map (fun x -> x * scale)
                    let terms = LossTerms.For(loss)
                    // Twin: the two passes and the loss's own LogLossAndWeights.
                    use twin = new RowMatrix(a, rows, cols, 1)
                    let m0, q0, g0 = Array.zeroCreate rows, Array.zeroCreate rows, Array.zeroCreate cols
                    twin.Multiply(v, m0)
                    let l0 = loss.LogLossAndWeights(System.ReadOnlySpan m0, System.Span q0)
                    twin.NegativeTransposeMultiply(q0, g0)
                    let runs =
                        [ for threads in [ 1; 2; 3 ] ->
                            use fused = new RowMatrix(a, rows, cols, threads)
                            let m, g = Array.zeroCreate rows, Array.zeroCreate cols
                            let l = fused.FusedLogLossGradient(v, terms.LogTerm, terms.LogWeight, m, g)
                            l, m, g ]
                    let l1, m1, g1 = runs.Head
                    Expect.isLessThan (abs (l1 - l0)) (1e-12 * (1.0 + abs l0))
                        $"log L, {rows} x {cols}, scale {scale}, {loss.Name}"
                    Expect.isLessThan (relativeError m1 m0) 1e-12 "margins"
                    Expect.isLessThan (relativeError g1 g0) 1e-10 "gradient"
                    for (l, m, g) in runs.Tail do
                        Expect.equal l l1 "log L identical across thread counts"
                        Expect.sequenceEqual g g1 "gradient identical across thread counts"
    
        testCase
            ("one-pass loss and gradient when the largest term keeps rising within a chunk (the shift moves and "
             + "the partial is rescaled)") <| fun () ->
            // Rows whose margins fall by 50 each: every block's largest term exceeds the last by 200,
            // more than RowMatrix.ShiftSlack, so the running shift moves at every block.
            let rows, cols = 41, 16
            let v = Array.init cols (fun j -> if j = 0 then 1.0 else 0.0)
            let a = Array.init (rows * cols) (fun i ->
                let n, j = i / cols, i % cols in if j = 0 then 1000.0 - 50.0 * float n else 0.1 * float (j + n % 3))
            let loss = ExponentialLoss()
            use twin = new RowMatrix(a, rows, cols, 1)
            let m0, q0, g0 = Array.zeroCreate rows, Array.zeroCreate rows, Array.zeroCreate cols
            twin.Multiply(v, m0)
            let l0 = loss.LogLossAndWeights(System.ReadOnlySpan m0, System.Span q0)
            twin.NegativeTransposeMultiply(q0, g0)
            let terms = LossTerms.For(loss)
            let m, g = Array.zeroCreate rows, Array.zeroCreate cols
            let l = twin.FusedLogLossGradient(v, terms.LogTerm, terms.LogWeight, m, g)
            Expect.isGreaterThan (m0.[0] - m0.[rows - 1]) (10.0 * RowMatrix.ShiftSlack) "terms span many shifts"
            Expect.isLessThan (abs (l - l0)) (1e-12 * (1.0 + abs l0)) "log L"
            Expect.isLessThan (relativeError g g0) 1e-12 "gradient"
    ]
