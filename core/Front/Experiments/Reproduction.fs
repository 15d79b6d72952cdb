namespace ImplicitBias

open System.IO
open ImplicitBias.Engine.Training

/// How large a reproduction is: Quick fits the 10-minute main job on 2 cores; Full is the
/// publication size (more steps, more seeds).
type Scale =
    | Quick
    | Full

/// Where a reproduction writes, and at which scale.
type Reproduction = { Scale: Scale; OutDirectory: string; StoreDirectory: string }

/// The shared settings of the figure scripts: the dataset, step budgets, seeds, output folders.
module Reproduction =
    /// From a script's command line (`--full` selects Full) and the scripts/ folder. Quick writes
    /// to out/, Full to out/full/; both share the store out/store (results are keyed by content).
    let fromArgs (args: string[]) (scriptsDirectory: string) =
        let scale = if args |> Array.contains "--full" then Full else Quick
        let root = Path.GetFullPath(Path.Combine(scriptsDirectory, "..", "out"))
        { Scale = scale
          OutDirectory = (if scale = Full then Path.Combine(root, "full") else root)
          StoreDirectory = Path.Combine(root, "store") }

    /// The default dataset: few points in a small dimension, where depth-dependent bias shows best.
    let dataset = GaussianTeacher(6, 16, 1UL)

    /// Steps of the long runs (F1, F3, F4).
    let steps r = if r.Scale = Full then 10_000_000L else 1_000_000L

    /// Steps of the stationarity runs (F4): deep networks approach stationarity slowest
    /// (conv L=4: residual 0.36 at 1e5 steps, 7e-3 at 1e6).
    let stationaritySteps r = if r.Scale = Full then 5_000_000L else 1_000_000L

    /// Steps of each run of the many-seed sparsity sweep (F2).
    let sparsitySteps r = if r.Scale = Full then 200_000L else 30_000L

    /// Seeds of F2 (dataset and initialization together).
    let seeds r = if r.Scale = Full then [ 1UL .. 30UL ] else [ 1UL .. 10UL ]

    /// The sets every training claim of the report is checked on: the built-in set (#0, the data of
    /// the figures) and DataSuite.quick (20 sets; Full: DataSuite.full, 60 sets).
    let suite r = dataset :: (if r.Scale = Full then DataSuite.full else DataSuite.quick)

    /// Model kind and depth of each training claim: Theorem 1 (linear, fc L=1..4), Theorem 2
    /// (conv L=2), Lemma 6 with Theorem 4 (diag L=2), Theorem 2a (conv L=3..5, diag L=3).
    let suiteModels =
        [ Linear, 1; FullyConnected, 1; FullyConnected, 2; FullyConnected, 3; FullyConnected, 4
          Convolutional, 2; Diagonal, 2; Convolutional, 3; Convolutional, 4; Convolutional, 5; Diagonal, 3 ]

    /// Steps of each suite run at most; runs stop earlier as Stationary once GD's direction stops moving, which the
    /// late phase (docs/late-phase.md) reaches within a few thousand steps on the suite's sets: the budget is a guard.
    let suiteSteps r (kind: ModelKind) (depth: int) =
        if r.Scale = Full then 50_000_000L else 10_000_000L

    /// A run's expected share of the suite's time, to start the long runs first (the runner trains a sweep's units in
    /// order, so the last to finish are short ones and both cores stay busy to the end): the mean seconds per run of
    /// each. (docs/theory-checks.md, "Reproduction.suiteCost")
    let suiteCost (c: RunSpec) =
        let perRun =
            match c.Model, c.Depth with
            | Convolutional, 2 -> 12.4 | Convolutional, 5 -> 6.1 | Convolutional, 4 -> 4.6 | FullyConnected, 4 -> 4.3
            | Diagonal, 2 -> 3.9 | Convolutional, 3 -> 3.5 | FullyConnected, 3 -> 3.1 | FullyConnected, 2 -> 2.4
            | Diagonal, 3 -> 1.1 | _ -> 0.15
        let data = DataSpec.create c.Data
        perRun * float (data.Count * data.Dimension) / 200.0

    /// Runs beyond the paper stop as Converged below this angle (radians) to their certified limit, a hundredth of
    /// the rows' angle tolerance (Evidence).
    let suiteConvergenceAngle = 1e-6

    /// The paper's suite runs have no convergence target: they run until their direction stops moving (outcome
    /// Stationary, docs/late-phase.md), because Theorem 4 is checked on the parameters, which approach a KKT point of
    /// eq. (14) more slowly than beta its direction. (docs/theory-checks.md, "Reproduction.suiteRunsToStationary")
    let suiteRunsToStationary = 0.0

    /// The report header's account of the suite: sizes, generators, seeds, steps, and every set.
    let describeSuite r =
        let sets = suite r
        let drawn = sets.Length - 1
        let budgets =
            suiteModels
            |> List.map (fun (k, l) -> suiteSteps r k l)
            |> List.distinct
            |> List.map string
            |> String.concat ", "
        [ yield ($"Suite: {sets.Length} sets per claim and depth: #0 the built-in set of the figures, " +
                 $"{DataSpec.describe dataset}, and #1..#{drawn} DataSuite.create {drawn} 1 (D cycling 8, 12, 16, " +
                 $"24, 32; N uniform in max(2, D/4)..D; Gaussian teachers at even and Fourier-sparse teachers with " +
                 $"K = 1..3 frequencies at odd positions; data seeds drawn from xoshiro256** seed 1).")
          yield ($"Each (model, depth) of {suiteModels.Length} is trained on every set with Sweep.defaults " +
                 $"({Sweep.defaults.Step.Describe()}, exp loss, init scale {Sweep.defaults.InitScale}, init " +
                 $"seed {Sweep.defaults.Seed}) for at most {budgets} steps, ")
              + ("stopping as Stationary once GD's direction stops moving (docs/late-phase.md), so that Theorem 4 " +
                 "sees the parameters' limit too.")
          yield "Sets: " + (sets |> List.mapi (fun i spec -> $"#{i} {DataSpec.describe spec}") |> String.concat "; ")
                + "." ]
        |> String.concat "\n"

    /// The base configuration: Run.defaults (normalized step rule with eta = 0.5, exponential loss, init scale 0.5).
    /// eta = 0.5 reaches the same directions as eta = 0.01 to 1. (docs/theory-checks.md, "Reproduction.baseConfig")
    let baseConfig r =
        { Sweep.defaults with Data = dataset; MaxSteps = steps r }

    /// The suite's runs (scripts/fig4-stationarity.fsx): every (model, depth) of suiteModels on every set of
    /// `suite`, from baseConfig with the suite's step budget and no convergence target, longest runs first.
    let suiteSweep r =
        Sweep.from "suite" (baseConfig r)
        |> Sweep.vary (Axis.modelDepths suiteModels)
        |> Sweep.vary (Axis.data (suite r))
        |> Sweep.map (fun c ->
            { c with MaxSteps = suiteSteps r c.Model c.Depth; ConvergenceAngle = suiteRunsToStationary })
        |> fun sweep -> { sweep with Points = sweep.Points |> List.sortByDescending suiteCost }

    /// The fixed step (eq. 7) that F3 compares with the normalized rule.
    let fixedStep = FixedStep(0.1)
