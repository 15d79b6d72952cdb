namespace ImplicitBias

open ImplicitBias.Engine.Data

open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Training

/// One axis of a sweep: a name and a list of labelled settings, each a function on a run
/// configuration. Build axes with the Axis functions; combine them with Sweep.vary (cartesian
/// product) or Axis.zip (lockstep).
type Axis =
    { Name: string
      Values: (string * (RunSpec -> RunSpec)) list }

/// Axes over every field of a run configuration.
module Axis =
    /// An axis from values, a label for each and a setter.
    let create name (label: 'a -> string) (set: 'a -> RunSpec -> RunSpec) (values: 'a seq) =
        { Name = name; Values = [ for v in values -> label v, set v ] }

    let models kinds = create "model" Model.name (fun k c -> { c with Model = k }) kinds
    let depths depths = create "depth" string (fun l c -> { c with Depth = l }) depths
    /// Hidden widths of fully connected networks.
    let widths widths = create "width" string (fun w c -> { c with Width = Some w }) widths
    let initScales scales = create "init" string (fun s c -> { c with InitScale = s }) scales
    let steps (rules: StepRule seq) =
        create "step" (fun (s: StepRule) -> s.Describe()) (fun s c -> { c with Step = s }) rules
    let losses kinds = create "loss" Loss.name (fun l c -> { c with Loss = l }) kinds
    let data specs = create "data" DataSpec.describe (fun d c -> { c with Data = d }) specs
    /// Seeds of the dataset generator (the generator and its other parameters are kept).
    let dataSeeds seeds = create "data-seed" string (fun s c -> { c with Data = DataSpec.withSeed s c.Data }) seeds
    /// Dataset sizes (N, D), keeping the generator.
    let dataSizes sizes =
        create "data-size" (fun (n, d) -> $"N={n},D={d}")
            (fun (n, d) c -> { c with Data = DataSpec.withSize n d c.Data }) sizes
    /// Seeds of the initialization.
    let seeds seeds = create "seed" string (fun s c -> { c with Seed = s }) seeds
    /// Seeds used for both the dataset and the initialization (independent repeats).
    let repeats seeds =
        create "repeat" string (fun s c -> { c with Seed = s; Data = DataSpec.withSeed s c.Data }) seeds
    let maxSteps counts = create "steps" string (fun n c -> { c with MaxSteps = n }) counts
    /// (model, depth) pairs as one axis.
    let modelDepths pairs =
        create "model-depth" (fun (k, l) -> $"{Model.name k} L={l}") (fun (k, l) c -> { c with Model = k; Depth = l })
            pairs
    /// Conv's kernel supports (issue 10): KernelSize(1, K) in 1-D, KernelSize(K1, K2) with a shape.
    let kernels (sizes: KernelSize seq) =
        create "kernel" (fun (k: KernelSize) -> $"{k.Rows}x{k.Columns}") (fun k c -> { c with Kernel = Some k }) sizes
    /// Channels of the depth-2 conv network.
    /// gconv's groups (RunSpec.Group), by the names --group reads.
    let groups (names: string seq) = create "group" id (fun g c -> { c with Group = Some g }) names
    let channels counts = create "channels" string (fun n c -> { c with Channels = n }) counts
    /// Image shapes M x N of the inputs.
    let shapes (grids: Grid seq) =
        create "shape" (fun (g: Grid) -> $"{g.Rows}x{g.Columns}") (fun g c -> { c with Shape = Some g }) grids

    /// Two axes in lockstep: the i-th value of one with the i-th of the other. They must have the
    /// same length.
    let zip (a: Axis) (b: Axis) =
        if a.Values.Length <> b.Values.Length then
            invalidArg "b" ($"Axis.zip: axis '{a.Name}' has {a.Values.Length} values but '{b.Name}' has " +
                            $"{b.Values.Length}.")
        { Name = $"{a.Name}+{b.Name}"
          Values = List.map2 (fun (la, fa) (lb, fb) -> $"{la},{lb}", fa >> fb) a.Values b.Values }

/// A sweep: a name and its points, in a fixed order. A value; nothing runs until Runner.run.
type Sweep = { Name: string; Points: RunSpec list }

/// Pipeable construction of sweeps (settings first, the sweep last):
///   Sweep.from "f1" Sweep.defaults |> Sweep.vary (Axis.models [...]) |> Sweep.vary (Axis.depths [1..5])
module Sweep =
    /// The base point of a sweep: Run.defaults on a small Gaussian-teacher set, stopping after 20 000 steps (no
    /// convergence stop, so a point is deterministic; 600 s only as a safety net). (docs/sweeps.md)
    let defaults =
        { RunSpec.defaults with
            Data = GaussianTeacher(8, 16, 1UL); MaxSteps = 20_000L; TimeLimitSeconds = 600.0; ConvergenceAngle = 0.0 }

    /// A sweep of one point.
    let from name (baseConfig: RunSpec) = { Name = name; Points = [ baseConfig ] }

    /// Applies a function to every point (for settings shared by the whole sweep).
    let map (f: RunSpec -> RunSpec) (sweep: Sweep) = { sweep with Points = List.map f sweep.Points }

    /// The cartesian product with an axis: every point with every value of the axis (the axis
    /// varies fastest).
    let vary (axis: Axis) (sweep: Sweep) =
        { sweep with Points = [ for p in sweep.Points do for (_, set) in axis.Values -> set p ] }

    /// Keeps the points that satisfy a predicate.
    let filter predicate (sweep: Sweep) = { sweep with Points = List.filter predicate sweep.Points }

    /// The points of both sweeps (the first one's name).
    let append (other: Sweep) (sweep: Sweep) = { sweep with Points = sweep.Points @ other.Points }

    /// The distinct points (by content hash), first occurrence kept.
    let distinct (sweep: Sweep) = { sweep with Points = List.distinctBy RunSpec.hash sweep.Points }

    /// Number of points.
    let count (sweep: Sweep) = sweep.Points.Length
