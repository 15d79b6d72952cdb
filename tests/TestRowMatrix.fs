/// RowMatrix products against naive loops, and their independence of the thread count.
module ImplicitBias.Tests.TestRowMatrix

open Expecto
open ImplicitBias.Engine.Numerics
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
                let naiveG = Array.init cols (fun d -> -(Array.init rows (fun n -> a.[n * cols + d] * q.[n]) |> Array.sum))
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
    ]
