namespace ImplicitBias

open System
open System.Globalization
open System.IO
open System.Security.Cryptography
open System.Text
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Training

/// Everything that determines one training run: a point of a sweep. Plain data (the step rule is a
/// C# record with value equality, the loss a name), so that it has a canonical text and a hash.
type RunConfig =
    { Model: ModelKind
      Depth: int
      /// Hidden width of fully connected networks (None: D, the paper's setting).
      Width: int option
      InitScale: float
      Step: StepRule
      /// "exp" or "logistic".
      Loss: string
      Data: DataSpec
      /// Seed of the initialization.
      Seed: uint64
      MaxSteps: int64
      /// A safety net only: a run stopped by the clock is recorded with outcome TimeLimit and is
      /// not deterministic; sweeps should stop on MaxSteps.
      TimeLimitSeconds: float
      RecordsPerDecade: int
      /// Stop as Converged once the angle to the certified limit is below this (radians), still
      /// shrinking, and the limit certified (Limits.tracker); 0: train to MaxSteps.
      ConvergenceAngle: float
      /// The inputs' grid M x N (RunSettings.Shape); None: the 1-D line.
      Shape: Grid option
      /// Conv's kernel support (RunSettings.Kernel); None: full width.
      Kernel: KernelSize option
      /// Channels of the depth-2 conv network (RunSettings.Channels); 1: the paper's.
      Channels: int
      /// The late phase (RunSettings.Late); None: the step rule all the way.
      Late: ImplicitBias.Engine.Training.Late.LatePhaseSettings option }

/// Run configurations: defaults, canonical text, content hash, and the engine objects they build.
module RunConfig =
    /// The engine's version (the assembly version of ImplicitBias.Engine): part of every hash, so
    /// bumping it invalidates stored results.
    let engineVersion = typeof<GradientDescent>.Assembly.GetName().Version.ToString()

    /// Run.defaults (the settling step rule, the late phase, exponential loss, init scale 0.5) on a small
    /// Gaussian-teacher set, stopping after 20 000 steps.
    let defaults =
        { Model = Run.defaults.Model
          Depth = Run.defaults.Depth
          Width = None
          InitScale = Run.defaults.InitScale
          Step = Run.defaults.Step
          Loss = "exp"
          Data = GaussianTeacher(8, 16, 1UL)
          Seed = Run.defaults.Seed
          MaxSteps = 20_000L
          TimeLimitSeconds = 600.0
          RecordsPerDecade = Run.defaults.RecordsPerDecade
          ConvergenceAngle = 0.0
          Shape = None
          Kernel = None
          Channels = 1
          Late = Run.defaults.Late }

    let private r (x: float) = x.ToString("R", CultureInfo.InvariantCulture)

    /// Canonical text: every field in a fixed order, invariant culture, round-trip floats; the late phase
    /// (late=H:S:TOL) only when there is one. The architecture options (shape, kernel, channels) come last and
    /// only when not the default.
    let describe (c: RunConfig) =
        let width = c.Width |> Option.map string |> Option.defaultValue "D"
        String.concat ";"
            [ $"model={Model.name c.Model}"; $"depth={c.Depth}"; $"width={width}"; $"init={r c.InitScale}"
              $"step={c.Step.Describe()}"; $"loss={c.Loss}"; $"data={DataSpec.describe c.Data}"; $"seed={c.Seed}"
              $"steps={c.MaxSteps}"; $"time={r c.TimeLimitSeconds}"; $"rpd={c.RecordsPerDecade}"
              $"converge={r c.ConvergenceAngle}"
              match c.Late with Some l -> $"late={l.Describe()}" | None -> ()
              match c.Shape with Some g -> $"shape={g.Rows}x{g.Columns}" | None -> ()
              match c.Kernel with Some k -> $"kernel={k.Rows}x{k.Columns}" | None -> ()
              if c.Channels <> 1 then $"channels={c.Channels}" ]

    /// The content hash: the first 16 hex digits of SHA-256(canonical text + engine version).
    /// Stable across processes and machines (unlike GetHashCode).
    let hash (c: RunConfig) =
        let text = describe c + ";engine=" + engineVersion
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes text)).Substring(0, 16).ToLowerInvariant()

    /// A short human label, e.g. "conv L=3 seed=1".
    let label (c: RunConfig) =
        let shape = match c.Shape with Some g -> $" {g.Rows}x{g.Columns}" | None -> ""
        let kernel = match c.Kernel with Some k -> $" K={k.Rows}x{k.Columns}" | None -> ""
        let channels = if c.Channels <> 1 then $" C={c.Channels}" else ""
        $"{Model.name c.Model} L={c.Depth}{shape}{kernel}{channels} {c.Step.Describe()} {DataSpec.describe c.Data} "
        + $"seed={c.Seed}"

    /// The parameterization of the configuration for data of dimension D (Model.createOn for the architecture options).
    let parameterization (c: RunConfig) (dimension: int) : IParameterization =
        match c.Model, c.Width with
        | FullyConnected, Some width ->
            Model.checkArchitecture c.Model c.Depth c.Shape c.Kernel c.Channels dimension
            FullyConnectedNetwork(dimension, c.Depth, Array.create (c.Depth - 1) width)
        | kind, _ -> Model.createOn kind c.Depth c.Shape c.Kernel c.Channels dimension

    /// The front library's run settings for the configuration.
    let settings (c: RunConfig) : RunSettings =
        let loss =
            match Loss.parse c.Loss with
            | Ok l -> l
            | Error message -> invalidArg "Loss" message
        { Run.defaults with
            Model = c.Model
            Depth = c.Depth
            InitScale = c.InitScale
            Seed = c.Seed
            Step = c.Step
            Loss = loss
            MaxSteps = c.MaxSteps
            TimeLimitSeconds = c.TimeLimitSeconds
            LogLossTarget = -infinity
            RecordsPerDecade = c.RecordsPerDecade
            RecordDirections = true
            ConvergenceAngle = c.ConvergenceAngle
            Shape = c.Shape
            Kernel = c.Kernel
            Channels = c.Channels
            Late = c.Late }
