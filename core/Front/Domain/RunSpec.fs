namespace ImplicitBias

open System
open System.Globalization
open System.Security.Cryptography
open System.Text
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Training
open ImplicitBias.Engine.Training.Late

/// Everything that determines one training run: plain data (the step rule and the late phase are C# records with
/// value equality, the loss a LossKind), so it has a canonical text and a hash, the run's id. Data names the set of a
/// swept or stored run; Run.train takes the data itself. (docs/training.md, "One run specification")
type RunSpec =
    { Model: ModelKind
      Depth: int
      /// Hidden width of fully connected networks (None: D, the paper's setting).
      Width: int option
      InitScale: float
      /// Seed of the initialization.
      Seed: uint64
      Step: StepRule
      Loss: LossKind
      /// The data set of a swept or stored run (part of its id); Run.train does not read it.
      Data: DataSpec
      MaxSteps: int64
      /// A safety net only: a run stopped by the clock is recorded with outcome TimeLimit and is not deterministic;
      /// sweeps should stop on MaxSteps.
      TimeLimitSeconds: float
      /// Stop once log L is at most this (-infinity: never).
      LogLossTarget: float
      RecordsPerDecade: int
      /// Keep beta's direction at every record (train.fsx's directions.csv, the store's trajectories).
      RecordDirections: bool
      /// Stop as Converged once the angle (radians) to the certified limit is below this, still shrinking, and the
      /// limit is certified (Limits.tracker); 0 disables the test.
      ConvergenceAngle: float
      /// The inputs' grid (--shape MxN, row-major images): makes conv 2-D; for diag, fc and linear only metadata
      /// (the same network on the flattened image). None: the 1-D line of the data's D.
      Shape: Grid option
      /// The support of conv's kernels in layers 1..L-1 (--kernel K or K1xK2). None: full width (the paper's).
      Kernel: KernelSize option
      /// Channels of the depth-2 conv network (--channels C; 1 is the paper's).
      Channels: int
      /// The finite group of gconv (--group NAME, read by StandardGroups.Parse; features in its element order).
      Group: string option
      /// The late phase (--late HANDOVER:SLIDING:TOLERANCE, or --late off): once the data is fit, the gradient flow is
      /// followed by the late-phase integrators (docs/late-phase.md). None: the step rule all the way.
      Late: LatePhaseSettings option }

/// Run specifications: the defaults, the canonical text, the content hash, the network, and train.fsx's flags.
module RunSpec =
    /// The engine's version (the assembly version of ImplicitBias.Engine): part of every hash, so bumping it
    /// invalidates stored results.
    let engineVersion = typeof<GradientDescent>.Assembly.GetName().Version.ToString()

    /// The defaults a researcher should use to see the paper's limits (Run.defaults): conv L=2, exponential loss, the
    /// settling step rule "settling:0.01:1e-05:0.2:0.0001:midpoint:floor-after-cap", the late phase, training until
    /// Converged (1e-6 rad) or 20 s. (docs/training.md, "Run.defaults")
    let defaults =
        { Model = Convolutional
          Depth = 2
          Width = None
          InitScale = 0.5
          Seed = 1UL
          Step = SettlingStep(0.01, 1e-5, 0.2, 1e-4, true, true)
          Loss = Exponential
          Data = GaussianTeacher(8, 16, 1UL)
          MaxSteps = Int64.MaxValue
          TimeLimitSeconds = 20.0
          LogLossTarget = -infinity
          RecordsPerDecade = 20
          RecordDirections = true
          ConvergenceAngle = 1e-6
          Shape = None
          Kernel = None
          Channels = 1
          Group = None
          Late = Some(LatePhaseSettings()) }

    let private r (x: float) = x.ToString("R", CultureInfo.InvariantCulture)

    /// Canonical text: every field in a fixed order, invariant culture, round-trip floats. The late phase, the
    /// architecture options, the group, a log-loss target and directions off only when set (so ids of older runs stay).
    let describe (c: RunSpec) =
        let width = c.Width |> Option.map string |> Option.defaultValue "D"
        String.concat ";"
            [ $"model={Model.name c.Model}"; $"depth={c.Depth}"; $"width={width}"; $"init={r c.InitScale}"
              $"step={c.Step.Describe()}"; $"loss={Loss.name c.Loss}"; $"data={DataSpec.describe c.Data}"
              $"seed={c.Seed}"; $"steps={c.MaxSteps}"; $"time={r c.TimeLimitSeconds}"; $"rpd={c.RecordsPerDecade}"
              $"converge={r c.ConvergenceAngle}"
              match c.Late with Some l -> $"late={l.Describe()}" | None -> ()
              match c.Shape with Some g -> $"shape={g.Rows}x{g.Columns}" | None -> ()
              match c.Kernel with Some k -> $"kernel={k.Rows}x{k.Columns}" | None -> ()
              if c.Channels <> 1 then $"channels={c.Channels}"
              match c.Group with Some g -> $"group={g}" | None -> ()
              if not (Double.IsNegativeInfinity c.LogLossTarget) then $"target={r c.LogLossTarget}"
              if not c.RecordDirections then "directions=off" ]

    /// The content hash, the run's id: the first 16 hex digits of SHA-256(canonical text + engine version). Stable
    /// across processes and machines (unlike GetHashCode).
    let hash (c: RunSpec) =
        let text = describe c + ";engine=" + engineVersion
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes text)).Substring(0, 16).ToLowerInvariant()

    /// A short human label, e.g. "conv L=3 seed=1".
    let label (c: RunSpec) =
        let shape = match c.Shape with Some g -> $" {g.Rows}x{g.Columns}" | None -> ""
        let kernel = match c.Kernel with Some k -> $" K={k.Rows}x{k.Columns}" | None -> ""
        let channels = if c.Channels <> 1 then $" C={c.Channels}" else ""
        let group = match c.Group with Some g -> $" G={g}" | None -> ""
        $"{Model.name c.Model} L={c.Depth}{group}{shape}{kernel}{channels} {c.Step.Describe()} "
        + $"{DataSpec.describe c.Data} "
        + $"seed={c.Seed}"

    /// The network for data of dimension D (Model.createOn: ArgumentException for options that do not fit).
    let parameterization (c: RunSpec) (dimension: int) : IParameterization =
        match c.Model, c.Width with
        | FullyConnected, Some width ->
            Model.checkGroup c.Model c.Shape c.Kernel c.Channels c.Group dimension
            Model.checkArchitecture c.Model c.Depth c.Shape c.Kernel c.Channels dimension
            FullyConnectedNetwork(dimension, c.Depth, Array.create (c.Depth - 1) width)
        | kind, _ -> Model.createOn kind c.Depth c.Shape c.Kernel c.Channels c.Group dimension

    /// The engine's settings object for the run.
    let engineSettings (c: RunSpec) =
        TrainingSettings(c.Step, Loss.create c.Loss, c.MaxSteps, c.TimeLimitSeconds, c.LogLossTarget,
                         c.RecordsPerDecade, c.RecordDirections, Option.toObj c.Late)

    /// train.fsx's arguments for the run on `data` (its --data text), written to `out`: every flag spelled out.
    /// Error when no flags give the run: train.fsx has no flag for an fc width, for records a decade or directions
    /// off. (docs/training.md; a test reads the arguments back through TrainCli.parse)
    let arguments (data: string) (out: string) (c: RunSpec) : Result<string list, string> =
        let twoD = c.Shape |> Option.exists (fun g -> not g.IsLine)
        match c.Width with
        | Some w -> Error $"fc hidden width {w} is not a train.fsx flag (a sweep with Axis.widths trains it)"
        | None when c.RecordsPerDecade <> defaults.RecordsPerDecade || not c.RecordDirections ->
            Error($"train.fsx has no flags for these settings (it records {defaults.RecordsPerDecade} a decade, " +
                  $"with directions; the run: {c.RecordsPerDecade}, directions {c.RecordDirections})")
        | None ->
            Ok [ "--data"; data; "--model"; Model.name c.Model; "--depth"; string c.Depth
                 match c.Group with Some g -> yield! [ "--group"; g ] | None -> ()
                 match c.Shape with Some g -> yield! [ "--shape"; $"{g.Rows}x{g.Columns}" ] | None -> ()
                 match c.Kernel with
                 | Some k -> yield! [ "--kernel";
                                      (if k.Rows = 1 && not twoD then string k.Columns else $"{k.Rows}x{k.Columns}") ]
                 | None -> ()
                 if c.Channels <> 1 then yield! [ "--channels"; string c.Channels ]
                 "--step"; c.Step.Describe()
                 "--late"; (match c.Late with Some l -> l.Describe() | None -> "off")
                 "--loss"; Loss.name c.Loss; "--init-scale"; r c.InitScale; "--seed"; string c.Seed
                 if c.MaxSteps <> defaults.MaxSteps then yield! [ "--steps"; string c.MaxSteps ]
                 "--time-limit"; r c.TimeLimitSeconds; "--converged-angle"; r c.ConvergenceAngle
                 if c.LogLossTarget <> defaults.LogLossTarget then yield! [ "--log-loss-target"; r c.LogLossTarget ]
                 "--out"; out ]
