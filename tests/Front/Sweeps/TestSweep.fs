/// Sweeps as values: cartesian product, zip, and the content hash of a point.
module ImplicitBias.Tests.TestSweep

open System.Security.Cryptography
open System.Text
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Training
open ImplicitBias.Engine.Data

open ImplicitBias.Engine.Fourier
[<Tests>]
let tests =
    testList "Sweep" [
        testCase "vary is the cartesian product, the last axis fastest" <| fun () ->
            let s =
                Sweep.from "t" RunConfig.defaults
                |> Sweep.vary (Axis.models [ FullyConnected; Convolutional ])
                |> Sweep.vary (Axis.depths [ 1; 2; 3 ])
            Expect.equal (Sweep.count s) 6 "2 x 3 points"
            Expect.equal [ for p in s.Points -> p.Model, p.Depth ]
                [ for k in [ FullyConnected; Convolutional ] do for l in 1..3 -> k, l ] "order"

        testCase "zip pairs values in lockstep and rejects unequal lengths" <| fun () ->
            let s = Sweep.from "t" RunConfig.defaults |> Sweep.vary (Axis.zip (Axis.depths [ 1; 2 ]) (Axis.seeds [ 7UL; 8UL ]))
            Expect.equal [ for p in s.Points -> p.Depth, p.Seed ] [ 1, 7UL; 2, 8UL ] "pairs"
            Expect.throws (fun () -> Axis.zip (Axis.depths [ 1 ]) (Axis.seeds [ 1UL; 2UL ]) |> ignore) "lengths differ"

        testCase "dataSeeds changes only the generator's seed" <| fun () ->
            let s = Sweep.from "t" { RunConfig.defaults with Data = FourierSparseTeacher(6, 16, 2, 1UL) } |> Sweep.vary (Axis.dataSeeds [ 5UL ])
            Expect.equal s.Points.Head.Data (FourierSparseTeacher(6, 16, 2, 5UL)) "seed replaced"

        testCase "the hash is SHA-256 of the canonical text and the engine version" <| fun () ->
            // Independent computation from the documented canonical form (docs/reproduce.md).
            let text =
                "model=conv;depth=2;width=D;init=0.5;step=settling:0.01:1E-05:0.2:0.0001:midpoint:floor-after-cap;loss=exp;"
                + "data=gaussian-teacher(N=8,D=16,seed=1);seed=1;steps=20000;time=600;rpd=20;converge=0;late=1.5:12:1E-07;engine="
                + RunConfig.engineVersion
            let expected = (System.Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes text))).Substring(0, 16).ToLowerInvariant()
            Expect.equal (RunConfig.hash RunConfig.defaults) expected "hash of the defaults"

        testCase "every field changes the hash; equal configurations hash equally" <| fun () ->
            let c = RunConfig.defaults
            let variants =
                [ { c with Model = Diagonal }; { c with Depth = 3 }; { c with Width = Some 5 }; { c with InitScale = 0.2 }
                  { c with Step = FixedStep(0.5) }; { c with Step = NormalizedStep(0.5) }; { c with Loss = "logistic" }; { c with Data = GaussianTeacher(8, 16, 2UL) }
                  { c with Seed = 2UL }; { c with MaxSteps = 1L }; { c with TimeLimitSeconds = 1.0 }; { c with RecordsPerDecade = 3 }; { c with ConvergenceAngle = 1e-6 }
                  { c with Shape = Some(Grid(4, 4)) }; { c with Kernel = Some(KernelSize(1, 3)) }; { c with Channels = 2 }
                  { c with Shape = Some(Grid(4, 4)); Kernel = Some(KernelSize(2, 2)) }; { c with Shape = Some(Grid(1, 16)) }
                  { c with Late = None }; { c with Late = Some(Late.LatePhaseSettings(2.0, 9.0, 1e-7)) } ]
            let hashes = c :: variants |> List.map RunConfig.hash
            Expect.equal (List.distinct hashes).Length hashes.Length "all distinct"
            Expect.equal (RunConfig.hash { c with Step = SettlingStep(0.01, 1e-5, 0.2, 1e-4, true, true) }) (RunConfig.hash c) "value equality"
            Expect.equal (RunConfig.hash { c with Late = Some(Late.LatePhaseSettings()) }) (RunConfig.hash c) "late phase: value equality"
            Expect.notEqual (RunConfig.hash { c with Step = SettlingStep(0.01, 1e-5, 0.2, 1e-4, false, true) }) (RunConfig.hash c) "the midpoint option is part of the hash"
            Expect.notEqual (RunConfig.hash { c with Step = SettlingStep(0.01, 1e-5, 0.2, 1e-4, true) }) (RunConfig.hash c) "the floor-after-cap option is part of the hash"
    ]
