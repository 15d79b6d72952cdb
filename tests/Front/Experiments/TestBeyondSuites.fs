/// The runs beyond the paper (core/Front/Experiments/BeyondSuites.fs): which networks on which sets, and the combined
/// sweep that trains them once.
module ImplicitBias.Tests.TestBeyondSuites

open System
open System.IO
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Theory
open ImplicitBias.Engine.Training

let private quick = { Scale = Quick; OutDirectory = ""; StoreDirectory = "" }

[<Tests>]
let tests =
    testList "BeyondSuites" [
        test ("kernel suite: K in 1, 2, 4, 8, D with C in 1, K on the built-in set and D = 10, 12, 16 of both "
              + "generators") {
            let sets = BeyondSuites.kernelSets quick
            Expect.equal sets.Head Reproduction.dataset "the built-in set first (F6)"
            let dims = sets |> List.map (fun s -> (DataSpec.create s).Dimension) |> List.distinct |> List.sort
            Expect.equal dims [ 10; 12; 16 ] "D not only powers of two"
            Expect.equal (sets |> List.map DataSpec.generator |> List.distinct |> List.sort)
                [ "fourier-sparse-teacher"; "gaussian-teacher" ] "two generators"
            Expect.equal (BeyondSuites.kernelChannels 12) [ 1, 1; 2, 1; 2, 2; 4, 1; 4, 4; 8, 1; 8, 8; 12, 1; 12, 12 ]
                "nine (K, C) at D = 12"
            let points = (BeyondSuites.kernelRuns quick).Points
            Expect.equal points.Length (sets.Length * 9) "every (set, K, C)"
            for c in points do
                Expect.equal (c.Model, c.Depth) (Convolutional, 2) "2-layer conv"
                Expect.isTrue (c.Channels = 1 || Some c.Channels = (c.Kernel |> Option.map (fun k -> k.Columns)))
                    "C in 1, K"
            let groups = points |> List.map Beyond.kernelGroup |> List.distinct
            Expect.equal groups [ "1", "1"; "2", "1"; "2", "K"; "4", "1"; "4", "K"; "8", "1"; "8", "K"
                                  "D", "1"; "D", "K" ] "one row per (K, C) across D"
        }

        test "2-D suite and digits: every set fits its grid; digits on 8 x 8 at depths 1..4 (F7) and 2, 3 (rows)" {
            for set, grid in BeyondSuites.gridSets quick do
                Expect.equal (DataSpec.create set).Dimension grid.Count $"{DataSpec.describe set} on {grid}"
            let digits = (BeyondSuites.digitRuns quick).Points
            Expect.isTrue (digits |> List.forall (fun c -> c.Shape = Some(Grid(8, 8)))) "8 x 8 images"
            let depthsOf task =
                digits |> List.filter (fun c -> c.Data = task) |> List.map (fun c -> c.Depth)
                |> List.distinct |> List.sort
            let tasks = BeyondSuites.digitTasks quick
            Expect.equal (depthsOf tasks[0]) [ 1; 2; 3; 4 ] "the first task at every depth"
            Expect.equal (depthsOf tasks[1]) [ 2; 3 ] "the other at the rows' depths"
        }

        test "the combined sweep holds exactly the three scripts' runs, fc on the digits first" {
            let all = (BeyondSuites.allRuns quick).Points
            let parts =
                (BeyondSuites.kernelRuns quick).Points @ (BeyondSuites.gridRuns quick).Points
                @ (BeyondSuites.digitRuns quick).Points
            Expect.equal (Set.ofList (all |> List.map RunSpec.hash)) (Set.ofList (parts |> List.map RunSpec.hash))
                "the same runs (hashes)"
            Expect.equal all.Length parts.Length "no run twice"
            Expect.equal (all.Head.Model, all.Head.Depth) (FullyConnected, 4) "the longest run first"
        }

    ]
