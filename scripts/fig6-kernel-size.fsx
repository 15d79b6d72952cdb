// F6 and the report's kernel-size rows (beyond the paper): 2-layer conv nets with kernels of size K
// and C channels (K in 1, 2, 4, 8, D; C in 1, K) on BeyondSuites.kernelSets, each checked against its
// certified R_K max-margin limit (COLT 2022). F6 shows, on the built-in set, how GD's limit moves from
// the l2 SVM (K = 1) to Fourier-l1 (K = D) as K grows, and the sparsity of |beta_hat|.
//   dotnet fsi scripts/fig6-kernel-size.fsx [--full]
#load "build-check.fsx" // first: says to build when the toolkit is missing
#load "engine.fsx"
open ImplicitBias
open Plotly.NET
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Training

let f6 = Reproduction.fromArgs fsi.CommandLineArgs __SOURCE_DIRECTORY__
let sets = BeyondSuites.kernelSets f6
let runs = BeyondSuites.kernelRuns f6 |> Runner.run (Runner.options f6.StoreDirectory)

ReportFiles.saveClaims f6 "f6" (Beyond.rows Beyond.kernelClaim Beyond.kernelGroup (Beyond.setName sets) runs.Runs)

let builtIn = runs.Runs |> List.filter (fun (c, _) -> c.Data = Reproduction.dataset)
let kernelOf (c: RunSpec) = float c.Kernel.Value.Columns
let reference bias = (TheoryChecks.reference bias Reproduction.dataset).Direction
// Colour: the reference (or the family, for the counts); dashed: C = K channels.
let curve colourKey (name: string) (channels: RunSpec -> bool) (value: RunSpec -> StoredRun -> float) =
    let points = builtIn |> List.filter (fst >> channels) |> List.sortBy (fst >> kernelOf)
    let dash = if name.EndsWith "C = K" then StyleParam.DrawingStyle.Dash else StyleParam.DrawingStyle.Solid
    { FigureStyle.look colourKey name with Dash = dash },
    { Name = name; X = [| for c, _ in points -> kernelOf c |]; Y = [| for c, r in points -> value c r |] }
let one (c: RunSpec) = c.Channels = 1
let many (c: RunSpec) = c.Channels = c.Kernel.Value.Columns
let angleTo (direction: float[]) = fun _ (r: StoredRun) -> Geometry.Angle(r.Run.Direction, direction)
let toOwnLimit = fun c (r: StoredRun) ->
    Geometry.Angle(r.Run.Direction, (SuiteEvidence.certifyAt c r.Run.Direction (SuiteEvidence.finalTheta r)).Direction)
let fourierCount = fun _ (r: StoredRun) -> Sparsity.fourierEffectiveCount r.Run.Direction
BeyondFigures.kernelSize
    ($"F6: 2-layer conv nets with kernel size K on {DataSpec.describe Reproduction.dataset}: from the l2 SVM (K = " +
     $"1) to Fourier-l1 (K = D)")
    [ curve "l2 SVM" "to l2 SVM, C = 1" one (angleTo (reference MarginBias.L2))
      curve "l2 SVM" "to l2 SVM, C = K" many (angleTo (reference MarginBias.L2))
      curve "Fourier-l1" "to Fourier-l1, C = 1" one (angleTo (reference MarginBias.FourierL1))
      curve "Fourier-l1" "to Fourier-l1, C = K" many (angleTo (reference MarginBias.FourierL1))
      curve "own limit" "to its R_K limit, C = 1" one toOwnLimit
      curve "own limit" "to its R_K limit, C = K" many toOwnLimit ]
    [ curve "kernel-conv" "|β̂| count, C = 1" one fourierCount
      curve "kernel-conv" "|β̂| count, C = K" many fourierCount ]
|> ReportFiles.saveFigure f6 "f6-kernel-size"
