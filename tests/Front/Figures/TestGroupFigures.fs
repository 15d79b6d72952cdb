/// F8's numbers (core/Front/Figures/GroupFigures.fs): the block singular values of a predictor.
module ImplicitBias.Tests.TestGroupFigures

open Expecto
open ImplicitBias
open ImplicitBias.Engine.Groups

[<Tests>]
let tests =
    testList "GroupFigures" [
        testCase
            "blockSpectrum: on C_n the blocks are |beta_hat[k]|; on A4 Parseval holds; a floor at 1e-12"
        <| fun _ ->
            let beta = TestUtil.gaussian 3UL 8
            let c8 = GroupName.fourier "C8"
            let spectrum = GroupFigures.blockSpectrum c8 beta
            let magnitudes =
                ImplicitBias.Engine.Fourier.UnitaryDft.Forward(System.ReadOnlySpan beta)
                |> Array.map (fun z -> z.Magnitude)
            let top = Array.max magnitudes
            let fromBlocks = spectrum |> List.collect (snd >> List.ofArray) |> List.sort
            let expected = magnitudes |> Array.map (fun m -> max (m / top) 1e-12) |> List.ofArray |> List.sort
            for a, b in List.zip fromBlocks expected do Expect.floatClose Accuracy.high a b "|beta_hat| / max"
            let a4 = GroupName.fourier "A4"
            let beta = TestUtil.gaussian 4UL 12
            let s = GroupFigures.blockSpectrum a4 beta
            Expect.equal (s |> List.map (snd >> Array.length)) [ for r in a4.Irreps -> r.Dimension ] "d values a block"
            // Parseval: sum_rho ||B_rho||_F^2 = ||beta||^2, in units of the largest singular value.
            let blocks = a4.NewBlocks()
            a4.Forward(System.ReadOnlySpan beta, blocks)
            let frob = blocks |> Array.sumBy (Array.sumBy (fun z -> z.Magnitude * z.Magnitude))
            Expect.floatClose Accuracy.high frob (Array.sumBy (fun x -> x * x) beta) "Parseval"
            Expect.equal (GroupFigures.totalRank 1e-6 [ "x", [| 1.0; 1e-12 |] ]) 1 "rank counts above the threshold"
            Expect.equal (GroupFigures.blockSpectrum a4 (Array.zeroCreate 12) |> List.collect (snd >> List.ofArray)
                          |> List.distinct) [ 1e-12 ] "zero: the floor"
    ]
