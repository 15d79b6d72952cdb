/// ReweightedInEntries: the reweighted-l2 local solver's step in the domain's entries (the default) against the
/// same iteration through time-domain points and the l2 reference solver (the slow twin, given as the delegate).
module ImplicitBias.Tests.TestReweightedInEntries

open System
open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Theory
open ImplicitBias.Tests.TestUtil

[<Tests>]
let tests =
    testList "ReweightedInEntries" [
        testCase
            ("local solver in entries = through time-domain points, on 24 seeded sets (Fourier and time, 1-D and 2-D, "
             + "p = 2/3, 1/2, 2/5)") <| fun _ ->
            for seed in 1UL .. 24UL do
                let d = [| 12; 20; 33; 16 |][int seed % 4]
                let n = d / 2 + int seed % 5
                let data =
                    if seed % 2UL = 0UL then SyntheticData.GaussianTeacher(n, d, seed)
                    else SyntheticData.FourierSparseTeacher(n, d, 3, seed)
                let p = [| 2.0 / 3.0; 0.5; 0.4 |][int (seed / 3UL) % 3]
                let grid = if d = 16 && seed % 3UL = 0UL then Grid(4, 4) else Grid.Line d
                let space = EntrySpace((if seed % 4UL < 2UL then PenaltyDomain.Fourier else PenaltyDomain.Time), grid)
                let start = TestUtil.gaussian (seed + 50UL) d
                let s = space.Of(ReadOnlySpan start) |> Array.map (fun e -> Math.Pow(e.Magnitude, 1.0 - p / 2.0))
                Expect.isNotNull (ReweightedInEntries(data, space).Step s)
                    $"seed {seed}: the step in entries applies (no fallback)"
                let fast = BridgeLocalSolver.Solve(data, p, space, ReadOnlySpan start, 1e-10, 300)
                let slow = BridgeLocalSolver.Solve(data, p, space, ReadOnlySpan start, 1e-10, 300,
                                                   Func<_, _>(BridgeLocalSolver.L2MaxMargin))
                Expect.equal fast.Outcome slow.Outcome $"seed {seed}: same outcome"
                Expect.equal fast.Iterations slow.Iterations $"seed {seed}: same iterations"
                Expect.isLessThan (relativeDifference fast.Beta slow.Beta) 1e-9 $"seed {seed}: same point"
    ]
