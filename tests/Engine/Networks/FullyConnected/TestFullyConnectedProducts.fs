/// The fully connected network (matrix-vector products from the right) against its naive twin
/// with explicit product matrices.
module ImplicitBias.Tests.TestFullyConnectedProducts

open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Training
open ImplicitBias.Tests.TestUtil

[<Tests>]
let tests =
    testList "FullyConnectedProducts" [
        testCase "beta and gradients equal the explicit product matrices' (square and custom widths)" <| fun () ->
            for (d, widths) in [ (5, [ 5; 5 ]); (6, [ 3; 7; 2 ]); (4, []); (7, [ 7 ]) ] do
                let l = widths.Length + 1
                let fast = FullyConnectedNetwork(d, l, widths)
                let naive = FullyConnectedProducts(d, l, widths)
                let w = fast.Initialize(1.0, uint64 d)
                let g = gaussian 8UL d
                Expect.isLessThan
                    (relativeError (fast.Predictor(System.ReadOnlySpan w)) (naive.Predictor(System.ReadOnlySpan w)))
                    1e-12 $"beta, D = {d}, L = {l}"
                Expect.isLessThan
                    (relativeError (fast.PullBack(System.ReadOnlySpan w, System.ReadOnlySpan g))
                                   (naive.PullBack(System.ReadOnlySpan w, System.ReadOnlySpan g)))
                    1e-12 $"gradient, D = {d}, L = {l}"

        testCase "30 steps of training give the same iterates (L = 3)" <| fun () ->
            let data = SyntheticData.GaussianTeacher(6, 5, 3UL)
            let fast = FullyConnectedNetwork(5, 3)
            let naive = FullyConnectedProducts(5, 3)
            let w0 = fast.Initialize(0.5, 2UL)
            let s = TrainingSettings(NormalizedStep(0.5), ExponentialLoss(), 30L)
            let a = GradientDescent.Train(fast, data, System.ReadOnlySpan w0, s)
            let b = GradientDescent.Train(naive, data, System.ReadOnlySpan w0, s)
            Expect.isLessThan (relativeError a.Parameters b.Parameters) 1e-10 "parameters"
            Expect.isLessThan (relativeError a.Beta b.Beta) 1e-10 "beta"
    ]
