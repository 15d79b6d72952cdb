/// Sweeps as values: cartesian product, zip, the axes (a point's hash: TestRunSpec).
module ImplicitBias.Tests.TestSweep

open Expecto
open ImplicitBias
open ImplicitBias.Engine.Training
open ImplicitBias.Engine.Data

[<Tests>]
let tests =
    testList "Sweep" [
        testCase "vary is the cartesian product, the last axis fastest" <| fun () ->
            let s =
                Sweep.from "t" Sweep.defaults
                |> Sweep.vary (Axis.models [ FullyConnected; Convolutional ])
                |> Sweep.vary (Axis.depths [ 1; 2; 3 ])
            Expect.equal (Sweep.count s) 6 "2 x 3 points"
            Expect.equal [ for p in s.Points -> p.Model, p.Depth ]
                [ for k in [ FullyConnected; Convolutional ] do for l in 1..3 -> k, l ] "order"

        testCase "zip pairs values in lockstep and rejects unequal lengths" <| fun () ->
            let s =
                Sweep.from "t" Sweep.defaults |> Sweep.vary (Axis.zip (Axis.depths [ 1; 2 ]) (Axis.seeds [ 7UL; 8UL ]))
            Expect.equal [ for p in s.Points -> p.Depth, p.Seed ] [ 1, 7UL; 2, 8UL ] "pairs"
            Expect.throws (fun () -> Axis.zip (Axis.depths [ 1 ]) (Axis.seeds [ 1UL; 2UL ]) |> ignore) "lengths differ"

        testCase "dataSeeds changes only the generator's seed" <| fun () ->
            let s =
                Sweep.from "t" { Sweep.defaults with Data = FourierSparseTeacher(6, 16, 2, 1UL) }
                |> Sweep.vary (Axis.dataSeeds [ 5UL ])
            Expect.equal s.Points.Head.Data (FourierSparseTeacher(6, 16, 2, 5UL)) "seed replaced"
    ]
