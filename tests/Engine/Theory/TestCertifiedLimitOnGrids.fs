/// CertifiedLimit on grids and with kernels (issue 10): EntrySpace (the 2-D half spectrum), For's grid/kernel
/// overload, and Find for 2-D Fourier-l1, the 2-D bridge (p = 2/L), R_K and Theorem-4-only.
module ImplicitBias.Tests.TestCertifiedLimitOnGrids

open System
open System.Numerics
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Theory
open ImplicitBias.Engine.Training
open ImplicitBias.Tests.TestUtil

open ImplicitBias.Tests.TestCertifiedLimit

/// Grids of the 2-D cases.
let private grids = [ Grid(3, 4); Grid(4, 4); Grid(2, 5); Grid(3, 5); Grid(4, 6) ]

/// On grids and with kernels (issue 10).
let gridsAndKernels =
    testList "on grids and with kernels" [
        testCase
            "EntrySpace: the line is DomainEntries bit for bit; on grids Parseval, inverse, and each frequency once"
        <| fun () ->
            for d in [ 7; 8; 12 ] do
                let v = gaussian (uint64 d) d
                for domain in [ PenaltyDomain.Time; PenaltyDomain.Fourier ] do
                    let space = EntrySpace.Line(d, domain)
                    Expect.equal (space.Of(ReadOnlySpan v)) (DomainEntries.Of(ReadOnlySpan v, domain)) $"D={d} {domain}"
            for grid in grids do
                let v = gaussian (uint64 (50 + grid.Count)) grid.Count
                let space = EntrySpace(PenaltyDomain.Fourier, grid)
                let e = space.Of(ReadOnlySpan v)
                let energy =
                    Seq.sum (seq { for j in 0 .. e.Length - 1 ->
                                       float (space.Multiplicity j) * e.[j].Magnitude ** 2.0 })
                Expect.floatClose Accuracy.high energy (dot v v) $"{grid}: Parseval with multiplicities"
                Expect.isLessThan (relativeError (space.ToVector(ReadOnlySpan e)) v) 1e-13 $"{grid}: inverse"
                let all = [ for j in 0 .. e.Length - 1 do yield! space.FullIndices j ] |> List.sort
                Expect.equal all [ 0 .. grid.Count - 1 ] $"{grid}: every frequency exactly once"
                let spectrum = TestGridFourierL1.naive v grid
                for j in 0 .. e.Length - 1 do
                    for k in space.FullIndices j do
                        Expect.floatClose Accuracy.high spectrum.[k].Magnitude e.[j].Magnitude
                            $"{grid}: |entry {j}| = |v_hat[{k}]|"

        testCase
            ("For(model, depth, grid, kernel, channels): 1-D is For(model, depth); full conv kernels as the paper; "
             + "smaller kernels R_K then Theorem 4 only") <| fun () ->
            for model in [ NetworkKind.Linear; NetworkKind.FullyConnected; NetworkKind.Diagonal;
                           NetworkKind.Convolutional ] do
                for depth in 1 .. 5 do
                    Expect.equal (CertifiedLimit.For(model, depth, Grid.Line 12, KernelSize.Line 12, 1))
                        (CertifiedLimit.For(model, depth)) $"{model} L={depth} on a line"
                    Expect.equal (CertifiedLimit.For(model, depth, Grid(3, 4), KernelSize(3, 4), 1))
                        (CertifiedLimit.For(model, depth)) $"{model} L={depth} full kernel on 3x4"
            for c in [ 1; 4 ] do
                Expect.equal (CertifiedLimit.For(NetworkKind.Convolutional, 2, Grid.Line 12, KernelSize.Line 3, c))
                    (LimitKind.KernelNorm, 1.0) $"1-D K=3, C={c}"
                Expect.equal (CertifiedLimit.For(NetworkKind.Convolutional, 2, Grid(4, 4), KernelSize(2, 2), c))
                    (LimitKind.KernelNorm, 1.0) $"2-D 2x2, C={c}"
            Expect.equal (CertifiedLimit.For(NetworkKind.Convolutional, 3, Grid.Line 12, KernelSize.Line 3, 1))
                (LimitKind.TheoremFourOnly, 2.0 / 3.0) "K=3 at L=3"
            Expect.equal (CertifiedLimit.For(NetworkKind.Convolutional, 1, Grid.Line 12, KernelSize.Line 3, 1))
                (LimitKind.L2, 2.0) "depth 1"
            Expect.equal (CertifiedLimit.For(NetworkKind.Diagonal, 3, Grid(3, 4), KernelSize(2, 2), 1))
                (LimitKind.TimeBridge, 2.0 / 3.0) "diag ignores the grid"
            throws<ArgumentException>
                (fun () -> CertifiedLimit.For(NetworkKind.Convolutional, 2, Grid(3, 4), KernelSize(4, 1), 1) |> ignore)
                "kernel larger than the grid" |> ignore
            throws<ArgumentException>
                (fun () -> CertifiedLimit.For(NetworkKind.Convolutional, 2, Grid(3, 4), KernelSize(2, 2), 0) |> ignore)
                "no channels" |> ignore

        testCase "Find on the line is the 1-D Find, bit for bit" <| fun () ->
            let data = SyntheticData.GaussianTeacher(8, 12, 5UL)
            let start = gaussian 6UL 12
            for kind, p in [ LimitKind.FourierL1, 1.0; LimitKind.FourierBridge, 2.0 / 3.0;
                             LimitKind.TimeBridge, 0.5; LimitKind.L2, 2.0 ] do
                let a = CertifiedLimit.Find(data, kind, p, ReadOnlySpan start)
                let b = CertifiedLimit.Find(data, kind, p, ReadOnlySpan start, Grid.Line 12, KernelSize.Line 12)
                Expect.equal b.Direction a.Direction $"{kind}"
                Expect.equal b.Residual a.Residual $"{kind}: residual"

        testCase "FourierL1 on a grid: certified, the 2-D solver's direction, not the 1-D one" <| fun () ->
            for grid in grids do
                let data = SyntheticData.GaussianTeacher(grid.Count / 2, grid.Count, uint64 (200 + grid.Count))
                let c = CertifiedLimit.Find(data, LimitKind.FourierL1, 1.0, ReadOnlySpan(Array.zeroCreate grid.Count),
                                            grid, KernelSize.Full grid)
                Expect.equal c.Status LimitStatus.Certified $"{grid}: {c.Message}"
                // The limit is the solver's point polished (TestConvexPolish); the interior point's direction is
                // good to ~1e-6 rad.
                Expect.isLessThan (angle c.Direction (FourierL1MaxMargin.Solve(data, grid).Direction)) 1e-5
                    $"{grid}: 2-D solver"
                Expect.stringContains c.Message "polished" $"{grid}: polished"
                Expect.isGreaterThan (angle c.Direction (FourierL1MaxMargin.Solve(data).Direction)) 1e-4
                    $"{grid}: not the 1-D limit"
                Expect.isTrue (c.Support |> Array.forall (fun k -> k >= 0 && k < grid.Count))
                    "support indices on the grid"

        testCase
            ("FourierBridge on a grid (p = 2/L): certified, confirmed by the independent 2-D BridgeStationarity, "
             + "and not 1-D stationary") <| fun () ->
            let mutable certified = 0
            let mutable total = 0
            let mutable distinguished = 0
            for grid in grids do
                for depth in [ 3; 4 ] do
                    let p = 2.0 / float depth
                    let data =
                        SyntheticData.GaussianTeacher(grid.Count / 2, grid.Count, uint64 (300 + grid.Count + depth))
                    let start = L2MaxMargin.Solve(data).Beta
                    let c = CertifiedLimit.Find(data, LimitKind.FourierBridge, p, ReadOnlySpan start,
                                                grid, KernelSize.Full grid)
                    total <- total + 1
                    if c.Status = LimitStatus.Certified then
                        certified <- certified + 1
                        let s = BridgeStationarity.Certify(data, ReadOnlySpan c.Direction, p, PenaltyDomain.Fourier,
                                                           grid, StationarityOptions(1e-8, 1e-8))
                        Expect.isLessThan s.Residual 1e-7 $"{grid} L={depth}: independent 2-D certificate"
                        // The 1-D certificate of a 2-D stationary point usually fails. Not always: 2-D frequencies
                        // (0, k2) are 1-D frequencies M k2 of the flattened image, so a point supported there is
                        // stationary in both; and a degenerate fit (equations <= active points) meets any target.
                        let flat = BridgeStationarity.Certify(data, ReadOnlySpan c.Direction, p, PenaltyDomain.Fourier,
                                                              StationarityOptions(1e-8, 1e-8))
                        if flat.Residual > 1e-4 then distinguished <- distinguished + 1
            printfn "2-D FourierBridge certified on %d of %d (the 1-D certificate fails on %d)"
                certified total distinguished
            Expect.isGreaterThanOrEqual distinguished (total / 2) "the grid matters on most sets"
            Expect.isGreaterThanOrEqual certified (total - 1) "certified on all (at most one miss) of the suite"

        testCase "2-D stationarity is transpose-invariant: transposed images and beta give the same residual"
        <| fun () ->
            for grid in [ Grid(3, 4); Grid(2, 5) ] do
                let data = SyntheticData.GaussianTeacher(6, grid.Count, uint64 (400 + grid.Count))
                let c = CertifiedLimit.Find(data, LimitKind.FourierBridge, 0.5,
                                            ReadOnlySpan(L2MaxMargin.Solve(data).Beta), grid, KernelSize.Full grid)
                let t = Grid(grid.Columns, grid.Rows)
                let a = BridgeStationarity.Certify(data, ReadOnlySpan c.Direction, 0.5, PenaltyDomain.Fourier, grid)
                let b = BridgeStationarity.Certify(TestGridFourierL1.transposeData data grid,
                                                   ReadOnlySpan(TestGridFourierL1.transposeVector c.Direction grid),
                                                   0.5, PenaltyDomain.Fourier, t)
                Expect.floatClose { absolute = 1e-12; relative = 1e-6 } b.Residual a.Residual $"{grid}"
                Expect.equal b.ActiveSet a.ActiveSet $"{grid}: active set"

        testCase "KernelNorm: certified by the R_K solver's gap; TheoremFourOnly: NoReference with the run's direction"
        <| fun () ->
            let data = SyntheticData.GaussianTeacher(6, 12, 11UL)
            let grid, kernel = Grid.Line 12, KernelSize.Line 3
            let c =
                CertifiedLimit.Find(data, LimitKind.KernelNorm, 1.0, ReadOnlySpan(Array.zeroCreate 12), grid, kernel)
            let s = KernelNormMaxMargin.Solve(data, grid, kernel)
            // Certified exactly when the R_K solver reaches its gap tolerance (its accuracy is TestKernelNorm's
            // business).
            Expect.equal (c.Status = LimitStatus.Certified) (s.Status = SolverStatus.Optimal) c.Message
            Expect.equal c.Status LimitStatus.Certified c.Message
            Expect.isLessThan (angle c.Direction s.Direction) 1e-12 "the R_K direction"
            Expect.equal c.Residual s.RelativeGap "the residual is the solver's recomputed gap"
            Expect.isLessThanOrEqual c.Residual 1e-8 "the gap"
            Expect.isGreaterThan
                (angle c.Direction
                    (CertifiedLimit.Find(data, LimitKind.FourierL1, 1.0, ReadOnlySpan(Array.zeroCreate 12)).Direction))
                1e-3 "not the full-kernel limit"
            let gd = gaussian 12UL 12
            let n = CertifiedLimit.Find(data, LimitKind.TheoremFourOnly, 2.0 / 3.0, ReadOnlySpan gd, grid, kernel)
            Expect.equal n.Status LimitStatus.NoReference n.Message
            Expect.isLessThan (angle n.Direction gd) 1e-12 "the given direction"
            Expect.isTrue (Array.forall Double.IsFinite (Array.append n.Direction [| n.Residual |])) "finite"
    ]

[<Tests>]
let tests = testList "CertifiedLimit" [ gridsAndKernels ]
