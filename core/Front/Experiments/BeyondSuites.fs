namespace ImplicitBias

open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier

/// The experiments beyond the paper (issue 10): which networks are trained on which seeded sets (the rows they
/// feed: Beyond). (docs/theory-checks.md, "Beyond")
module BeyondSuites =
    /// Kernel-size suite: the built-in set (#0, F6's) and seeded sets of D = 10, 12 and 16 (not only
    /// powers of two; both generators), seed 2: 3 in the quick report (its 9 networks a set at up to 1e7
    /// steps take about a minute of CPU a set), 20 in the full one.
    let kernelSets r =
        Reproduction.dataset :: DataSuite.createWith [ 10; 12; 16 ] (if r.Scale = Full then 20 else 3) 2UL

    /// D of a set: from its specification where it says it (the generators), else by loading it.
    let dimensionOf (spec: DataSpec) =
        match DataSuite.size spec with
        | Some(_, d) -> d
        | None -> (DataSpec.create spec).Dimension

    /// The kernel sizes of the issue: 1, 2, 4, 8 and D (those that fit).
    let kernelSizes (dimension: int) = [ 1; 2; 4; 8;
                                         dimension ] |> List.filter (fun k -> k <= dimension) |> List.distinct

    /// (K, C) with C in {1, K}.
    let kernelChannels (dimension: int) = [ for k in kernelSizes dimension do for c in List.distinct [ 1; k ] -> k, c ]

    /// The label of a kernel size in the rows: "D" for the full width, else the number.
    let kernelLabel (k: int) (dimension: int) = if k = dimension then "D" else string k

    /// Step budget of the kernel-size and 2-D runs (runs stop earlier as Converged): the paper's suite
    /// budget. At 3e6 steps K-kernel nets were still 0.05..0.18 rad from their R_K limits on half the sets,
    /// closing steadily (on the built-in set K = 2, C = 1 was 0.06 rad at 1e6 steps, 0.01 at 3e6, 2e-4 at 1e7).
    let steps r = Reproduction.suiteSteps r Convolutional 2

    /// Step budget of the digits runs: a fifth of `steps` (fc at D = 64 costs 5-15 us a step through the
    /// generic kernel; fc L=2..4 were within 1e-5 rad at 2.5e6..3.2e6 steps, the rows' tolerance is 0.01 rad).
    let digitSteps r = steps r / 5L

    /// A run of the report's settings on a set, stopping at the suite's convergence angle.
    let private runOn r (data: DataSpec) =
        { Reproduction.baseConfig r with
            Data = data; Depth = 2; MaxSteps = steps r; ConvergenceAngle = Reproduction.suiteConvergenceAngle }

    /// Every (set, K, C) of the kernel suite as a depth-2 conv run with a kernel of size K and C channels.
    let kernelRuns r =
        { Name = "beyond-kernels"
          Points =
            [ for set in kernelSets r do
                let d = dimensionOf set
                for k, c in kernelChannels d ->
                    { runOn r set with Model = Convolutional; Kernel = Some(KernelSize.Line k); Channels = c } ] }

    /// 2-D suite: images on the grids 4x4, 3x5, 4x6 and 3x4 in turn, seeded sets of D = M N (seed 3):
    /// 4 in the quick report, 12 in the full one.
    let grids = [ Grid(4, 4); Grid(3, 5); Grid(4, 6); Grid(3, 4) ]

    let gridSets r =
        let sets = DataSuite.createWith [ for g in grids -> g.Count ] (if r.Scale = Full then 12 else 4) 3UL
        sets |> List.mapi (fun i set -> set, grids[i % grids.Length])

    /// 2-D conv networks of the 2-D suite: full width at L = 2, 3, 4, and a 2x2 kernel with C = 1, 4 at L = 2.
    let gridArchitectures =
        [ 2, None, 1; 3, None, 1; 4, None, 1; 2, Some(KernelSize(2, 2)), 1; 2, Some(KernelSize(2, 2)), 4 ]

    let gridRuns r =
        { Name = "beyond-2d"
          Points =
            [ for set, grid in gridSets r do
                for depth, kernel, channels in gridArchitectures ->
                    { runOn r set with
                        Model = Convolutional; Depth = depth; Shape = Some grid
                        Kernel = kernel; Channels = channels } ] }

    /// Digits tasks: 4 vs 9 and 3 vs 8, the first 10 images of each label (quick) or all (full).
    let digitTasks r =
        let count = if r.Scale = Full then None else Some 10
        [ Digits(4, 9, count); Digits(3, 8, count) ]

    /// The digits' networks (kind, depth): fc, diag and 2-D conv at depths 1..4 on the first task (F7),
    /// at depths 2 and 3 (the rows) on the others.
    let digitModels (first: bool) =
        [ for l in (if first then [ 1 .. 4 ] else [ 2; 3 ]) do for kind in [ FullyConnected; Diagonal;
                                                                             Convolutional ] -> kind, l ]

    let digitRuns r =
        { Name = "beyond-digits"
          Points =
            [ for i, task in List.indexed (digitTasks r) do
                for kind, depth in digitModels (i = 0) ->
                    { runOn r task with
                        Model = kind; Depth = depth; Shape = Some DigitsDataset.ImageGrid; MaxSteps = digitSteps r } ] }

    /// Every run of the part, longest first (fc on the 64-pixel digits, then many channels, then the rest),
    /// so that a sweep of all of them keeps every core busy to its end: scripts/beyond-runs.fsx trains it
    /// once for the three scripts, which then find their runs stored.
    let allRuns r =
        let cost (c: RunSpec) =
            match c.Model, c.Data with
            | FullyConnected, Digits _ -> 1000 * c.Depth
            | _ -> c.Channels * (c.Kernel |> Option.map (fun k -> k.Count) |> Option.defaultValue 1)
        { Name = "beyond"
          Points = (kernelRuns r).Points @ (gridRuns r).Points @ (digitRuns r).Points |> List.sortByDescending cost }

    /// The report header's account of the suites beyond the paper.
    let describeSuites r =
        let kernelSetNames = kernelSets r |> List.mapi (fun i s -> $"#{i} {DataSpec.describe s}") |> String.concat "; "
        let gridSetNames = gridSets r |> List.map (fun (s, g) -> $"{g}: {DataSpec.describe s}") |> String.concat "; "
        let tasks = digitTasks r |> List.map DataSpec.describe |> String.concat ", "
        [ $"Beyond the paper: every run with the report's settings for at most {steps r} steps ({digitSteps r} on " +
          $"the digits), stopping as Converged within {Reproduction.suiteConvergenceAngle} rad of its certified limit."
          $"Kernel sizes: conv L=2 with K in 1, 2, 4, 8, D and C in 1, K on {(kernelSets r).Length} sets: "
              + $"{kernelSetNames}."
          $"2-D: conv L=2, 3, 4 full width and L=2 with a 2x2 kernel (C = 1, 4) on {(gridSets r).Length} sets of "
              + $"random images: {gridSetNames}."
          $"Digits: {tasks} (each image centred), fc, diag and 2-D conv at L = 2, 3 (and 1..4 on the first task "
              + $"for F7)." ]
        |> String.concat "\n"
