/// The 2-D unitary DFT on a grid, its real basis, and the 2-D Fourier-l1 max margin (full-width 2-D
/// convolutional networks of depth 2), checked against an O(D^2) DFT, the 1-D solver, transposed images
/// and the R_K solver with the full 2-D kernel (R = 2 ||beta_hat||_1, an independent algorithm).
module ImplicitBias.Tests.TestGridFourierL1

open System
open System.Numerics
open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Training
open ImplicitBias.Tests.TestUtil

/// The 2-D unitary DFT as the plain double sum over the grid (slow twin).
let naive (v: float[]) (grid: Grid) =
    let m, n = grid.Rows, grid.Columns
    Array.init (m * n) (fun k ->
        let k1, k2 = k / n, k % n
        let mutable s = Complex.Zero
        for p in 0 .. m * n - 1 do
            let p1, p2 = p / n, p % n
            s <- s + v.[p] * Complex.FromPolarCoordinates(1.0, -2.0 * Math.PI * (float (p1 * k1) / float m
                                                                                  + float (p2 * k2) / float n))
        s / sqrt (float (m * n)))

let grids = [ Grid(1, 7); Grid(3, 4); Grid(4, 6); Grid(5, 5); Grid(2, 8); Grid(3, 3) ]

/// Features of every image transposed (M x N -> N x M).
let transposeData (data: Dataset) (grid: Grid) =
    let m, n = grid.Rows, grid.Columns
    let f = Array.init data.Features.Length (fun idx ->
        let point, q = idx / (m * n), idx % (m * n)
        let j, i = q / m, q % m // q = j * m + i on the N x M grid holds pixel (i, j)
        data.Features.[point * m * n + i * n + j])
    Dataset(f, Array.copy data.Labels, m * n, data.Name + " transposed")

let transposeVector (v: float[]) (grid: Grid) =
    Array.init v.Length (fun q -> let j, i = q / grid.Rows, q % grid.Rows in v.[i * grid.Columns + j])

/// Certificate recomputed with the naive 2-D DFT: margins >= 1, dual norm <= 1, gap.
let recomputedGap (data: Dataset) (grid: Grid) (s: MaxMarginSolution) =
    let dim = data.Dimension
    let margins = Array.init data.Count (fun n -> data.Labels.[n] * dot (data.Point(n).ToArray()) s.Beta)
    let g = Array.init dim (fun i ->
        Seq.sum (seq { for n in 0 .. data.Count - 1 -> s.Dual.[n] * data.Labels.[n] * data.Features.[n * dim + i] }))
    let primal = naive s.Beta grid |> Array.sumBy (fun c -> c.Magnitude)
    let dualNorm = naive g grid |> Array.map (fun c -> c.Magnitude) |> Array.max
    Array.min margins, dualNorm, (primal - Array.sum s.Dual) / primal

[<Tests>]
let tests =
    testList "GridFourierL1" [
        testCase "GridDft agrees with the O(D^2) sum and inverts; 1 x D is the 1-D DFT" <| fun () ->
            for grid in grids do
                let v = gaussian (uint64 grid.Count) grid.Count
                let fast = GridDft.Forward(grid, ReadOnlySpan v)
                let slow = naive v grid
                let err = Array.map2 (fun (a: Complex) (b: Complex) -> (a - b).Magnitude) fast slow |> Array.max
                Expect.isLessThan err 1e-12 $"{grid}"
                Expect.isLessThan (relativeError (GridDft.InverseReal(grid, ReadOnlySpan fast)) v) 1e-13
                    $"{grid}: inverse"
            let v = gaussian 3UL 9
            Expect.equal (GridDft.Forward(Grid.Line 9, ReadOnlySpan v)) (UnitaryDft.Forward(ReadOnlySpan v))
                "1 x 9 is the 1-D DFT, bit for bit"

        testCase "the real basis on a grid is orthonormal and its weighted group norms are ||beta_hat||_1" <| fun () ->
            for grid in grids do
                let v = gaussian (uint64 (10 + grid.Count)) grid.Count
                let c = RealFourierBasis.Forward(ReadOnlySpan v, grid)
                Expect.floatClose Accuracy.high (Geometry.Norm(ReadOnlySpan c)) (Geometry.Norm(ReadOnlySpan v))
                    $"{grid}: Parseval"
                Expect.isLessThan (relativeError (RealFourierBasis.Inverse(ReadOnlySpan c, grid)) v) 1e-13
                    $"{grid}: inverse"
                let struct (start, size, weight) = RealFourierBasis.Groups grid
                let groupSum =
                    Array.init start.Length (fun j ->
                        weight.[j]
                        * sqrt (Seq.sum (seq { for i in start.[j] .. start.[j] + size.[j] - 1 -> c.[i] * c.[i] })))
                    |> Array.sum
                let l1 = naive v grid |> Array.sumBy (fun z -> z.Magnitude)
                Expect.floatClose Accuracy.high groupSum l1 $"{grid}: sum of group norms"
                Expect.equal (Array.sum size) grid.Count $"{grid}: the groups cover the coordinates"

        testCase
            ("2-D Fourier-l1: certified (recomputed with the naive DFT), and R_K with the full 2-D kernel is twice "
             + "its objective") <| fun () ->
            for grid, n in [ Grid(3, 4), 5; Grid(4, 4), 20; Grid(3, 5), 8; Grid(4, 6), 10 ] do
                let data = SyntheticData.GaussianTeacher(n, grid.Count, uint64 (40 + n + grid.Count))
                let s = FourierL1MaxMargin.Solve(data, grid)
                Expect.equal s.Status SolverStatus.Optimal s.Message
                let margin, dualNorm, gap = recomputedGap data grid s
                Expect.isGreaterThanOrEqual margin (1.0 - 1e-10) $"{grid}: margins"
                Expect.isLessThanOrEqual dualNorm (1.0 + 1e-10) $"{grid}: dual norm"
                Expect.isLessThanOrEqual gap 1e-8 $"{grid}: gap"
                let k = KernelNormMaxMargin.Solve(data, grid, KernelSize.Full grid)
                Expect.floatClose { absolute = 0.0; relative = 1e-7 } k.PrimalObjective (2.0 * s.PrimalObjective)
                    $"{grid}: R_full = 2 ||beta_hat||_1"
                Expect.isLessThan (1.0 - Geometry.Cosine(ReadOnlySpan k.Beta, ReadOnlySpan s.Beta)) 1e-6
                    $"{grid}: same direction"
                // The 2-D problem is not the 1-D one on the flattened images (unless M = 1).
                let flat = FourierL1MaxMargin.Solve data
                Expect.isGreaterThan (abs (flat.PrimalObjective - s.PrimalObjective) / s.PrimalObjective) 1e-6
                    $"{grid}: differs from 1-D"

        testCase "2-D Fourier-l1: a 1 x D grid is the 1-D solution; transposed images give the transposed solution"
        <| fun () ->
            for d, n in [ 8, 5; 12, 15 ] do
                let data = SyntheticData.GaussianTeacher(n, d, uint64 (70 + d))
                let a = FourierL1MaxMargin.Solve(data, Grid.Line d)
                let b = FourierL1MaxMargin.Solve data
                Expect.isLessThan (relativeError a.Beta b.Beta) 1e-12 $"D={d}"
            for grid, n in [ Grid(3, 4), 6; Grid(2, 5), 12; Grid(4, 6), 9 ] do
                let data = SyntheticData.GaussianTeacher(n, grid.Count, uint64 (90 + grid.Count))
                let s = FourierL1MaxMargin.Solve(data, grid)
                let t = FourierL1MaxMargin.Solve(transposeData data grid, Grid(grid.Columns, grid.Rows))
                Expect.equal t.Status SolverStatus.Optimal t.Message
                Expect.floatClose { absolute = 0.0; relative = 1e-8 } t.PrimalObjective s.PrimalObjective
                    $"{grid}: objective"
                Expect.isLessThan
                    (1.0 - Geometry.Cosine(ReadOnlySpan t.Beta, ReadOnlySpan(transposeVector s.Beta grid))) 1e-7
                    $"{grid}: transposed direction"
    ]
