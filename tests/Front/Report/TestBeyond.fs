/// The report's rows "Beyond the paper" (core/Front/Report/Beyond.fs): how runs are grouped into rows, and that a
/// stored kernel-size or 2-D run is certified against the limit of its own architecture (R_K, 2-D Fourier-l1) rather
/// than the paper's 1-D one. (Which runs: TestBeyondSuites.)
module ImplicitBias.Tests.TestBeyond

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

let private tempStore () = Path.Combine(Path.GetTempPath(), "ib-beyond-" + Guid.NewGuid().ToString("N"))

[<Tests>]
let tests =
    testList "Beyond" [
        test "rows: beyond the paper, C = 1 rows asked as a question, the others predicted" {
            let points = (BeyondSuites.kernelRuns quick).Points
            let claimOf k channels =
                Beyond.kernelClaim (points |> List.find (fun c -> Beyond.kernelGroup c = (k, channels)))
            for k, channels in [ "2", "1"; "4", "1"; "8", "1" ] do
                Expect.stringContains (claimOf k channels).Prediction "a question" $"K={k} C=1"
            for k, channels in [ "1", "1"; "4", "K"; "D", "1"; "D", "K" ] do
                Expect.stringContains (claimOf k channels).Prediction "R_K max-margin" $"K={k} C={channels}"
            for c in points @ (BeyondSuites.gridRuns quick).Points do
                let claim = match c.Shape with Some _ -> Beyond.gridClaim c | None -> Beyond.kernelClaim c
                Expect.isTrue (claim.Claim.StartsWith Claims.beyondPrefix) claim.Claim
                Expect.equal claim.Threshold Evidence.suiteAngleTolerance "the paper's rows' tolerance"
        }

        test ("a stored kernel-size run is certified against R_K, a 2-D run against the 2-D Fourier-l1, not the "
              + "paper's limits") {
            let store = tempStore ()
            let data = GaussianTeacher(5, 8, 4UL)
            let kernelRun =
                { Sweep.defaults with
                    Data = data; Depth = 2; Kernel = Some(KernelSize.Line 2); Channels = 2; MaxSteps = 2000L }
            let gridRun = { Sweep.defaults with Data = data; Depth = 2; Shape = Some(Grid(2, 4)); MaxSteps = 2000L }
            let result = Runner.run (Runner.options store |> Runner.withProgress ignore)
                                    { Name = "t"; Points = [ kernelRun; gridRun ] }
            let stored (c: RunSpec) = (result.Runs |> List.find (fst >> (=) c) |> snd).Run
            Expect.equal ((stored kernelRun).Shape, (stored kernelRun).Kernel, (stored kernelRun).Channels)
                ("", "1x2", 2) "the runs table's architecture columns"
            Expect.equal ((stored gridRun).Shape, (stored gridRun).Kernel, (stored gridRun).Channels)
                ("2x4", "", 1) "a 2-D run's"
            let limitOf (c: RunSpec) =
                SuiteEvidence.certify c (result.Runs |> List.find (fst >> (=) c) |> snd).Run.Direction
            let k = limitOf kernelRun
            Expect.equal k.Kind LimitKind.KernelNorm "R_K for a kernel of size 2"
            Expect.equal k.Status LimitStatus.Certified k.Message
            let g = limitOf gridRun
            Expect.equal g.Kind LimitKind.FourierL1 "Fourier-l1 for full-width conv L=2"
            let paper2d =
                (TheoryChecks.referenceOn Engine.Reference.MarginBias.FourierL1 data (Some(Grid(2, 4)))).Direction
            let paper1d = (TheoryChecks.reference Engine.Reference.MarginBias.FourierL1 data).Direction
            Expect.isLessThan (Geometry.Angle(g.Direction, paper2d)) 1e-6 "the 2-D reference"
            Expect.isGreaterThan (Geometry.Angle(paper1d, paper2d)) 1e-3 "which differs from the 1-D one on this set"
            Directory.Delete(store, true)
        }
    ]
