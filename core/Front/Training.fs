namespace ImplicitBias

open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Models
open ImplicitBias.Engine.Training

/// The network architectures of the paper, plus the direct linear model.
type ModelKind =
    /// beta = w.
    | Linear
    /// Fully connected, eq. (1).
    | FullyConnected
    /// Diagonal, Section 5.
    | Diagonal
    /// Convolutional, eq. (2)-(3), evaluated in the Fourier domain (Lemma 3).
    | Convolutional
    /// Convolutional, evaluated in the time domain exactly as eq. (2)-(3) (the slow twin).
    | ConvolutionalTime

/// Building parameterizations by name.
module Model =
    /// The command-line name of a kind: linear, fc, diag, conv, conv-time.
    let name kind =
        match kind with
        | Linear -> "linear"
        | FullyConnected -> "fc"
        | Diagonal -> "diag"
        | Convolutional -> "conv"
        | ConvolutionalTime -> "conv-time"

    /// Every kind, in the order figures show them.
    let all = [ Linear; FullyConnected; Diagonal; Convolutional; ConvolutionalTime ]

    /// Parses a command-line name; the error lists the valid names.
    let parse (text: string) =
        match all |> List.tryFind (fun k -> name k = text) with
        | Some k -> Ok k
        | None ->
            let names = all |> List.map name |> String.concat ", "
            Error $"unknown model '{text}'; expected one of: {names}"

    /// The parameterization of a kind at a depth and input dimension (hidden widths D for fc).
    let create kind (depth: int) (dimension: int) : IParameterization =
        match kind with
        | Linear -> LinearModel(dimension)
        | FullyConnected -> FullyConnectedNetwork(dimension, depth)
        | Diagonal -> DiagonalNetwork(dimension, depth)
        | Convolutional -> ConvolutionalFourierNetwork(dimension, depth)
        | ConvolutionalTime -> ConvolutionalNetwork(dimension, depth)

/// Losses by name.
module Loss =
    /// "exp" or "logistic".
    let parse (text: string) : Result<ILoss, string> =
        match text with
        | "exp" -> Ok(ExponentialLoss())
        | "logistic" -> Ok(LogisticLoss())
        | _ -> Error $"unknown loss '{text}'; expected exp or logistic"

/// Everything a training run needs besides the data. Build one from Run.defaults with the
/// Run.with* functions, then pass it to Run.train.
type RunSettings =
    { Model: ModelKind
      Depth: int
      InitScale: float
      Seed: uint64
      Step: StepRule
      Loss: ILoss
      MaxSteps: int64
      TimeLimitSeconds: float
      LogLossTarget: float
      RecordsPerDecade: int
      RecordDirections: bool }

/// Pipeable training: settings first, data last.
module Run =
    /// The defaults a researcher should use to see the paper's limits: exponential loss, the
    /// settling step rule "settling:0.5:1e-05:1:0.0001" (SettlingStep: eta = 0.5, every step moves w by
    /// at most 1e-4 ||w|| and, once the data is fit, by at least a floor of up to 1e-5 ||w|| that
    /// shrinks with the direction's speed; at equal loss it stays within 1 - cos 1e-9 of the run with
    /// ten times smaller steps, docs/performance.md), initialization scale 0.5, a 20 s wall-clock budget.
    let defaults =
        { Model = Convolutional
          Depth = 2
          InitScale = 0.5
          Seed = 1UL
          Step = SettlingStep(0.5, 1e-5, 1.0, 1e-4)
          Loss = ExponentialLoss()
          MaxSteps = System.Int64.MaxValue
          TimeLimitSeconds = 20.0
          LogLossTarget = -infinity
          RecordsPerDecade = 20
          RecordDirections = true }

    let withModel kind depth (s: RunSettings) = { s with Model = kind; Depth = depth }
    let withSeed seed (s: RunSettings) = { s with Seed = seed }
    let withInitScale scale (s: RunSettings) = { s with InitScale = scale }
    let withStep step (s: RunSettings) = { s with Step = step }
    let withLoss loss (s: RunSettings) = { s with Loss = loss }
    let withSteps steps (s: RunSettings) = { s with MaxSteps = steps }
    let withTimeLimit seconds (s: RunSettings) = { s with TimeLimitSeconds = seconds }
    let withLogLossTarget target (s: RunSettings) = { s with LogLossTarget = target }

    /// The engine's settings object for these run settings.
    let engineSettings (s: RunSettings) =
        TrainingSettings(s.Step, s.Loss, s.MaxSteps, s.TimeLimitSeconds, s.LogLossTarget, s.RecordsPerDecade, s.RecordDirections)

    /// Trains with a callback at every record (for progress output).
    let trainWith (onRecord: TrainingRecord -> unit) (s: RunSettings) (data: Dataset) =
        let model = Model.create s.Model s.Depth data.Dimension
        let w0 = model.Initialize(s.InitScale, s.Seed)
        GradientDescent.Train(model, data, System.ReadOnlySpan w0, engineSettings s, System.Action<_> onRecord)

    /// Trains the network of the settings on the data.
    let train (s: RunSettings) (data: Dataset) = trainWith ignore s data

/// Measures of a predictor's sparsity, in the time and the Fourier domain.
module Sparsity =
    /// ||v||_1^2 / ||v||_2^2: the effective number of non-zero entries (1 .. length).
    let effectiveCount (v: float[]) =
        let l1 = v |> Array.sumBy abs
        let l2 = v |> Array.sumBy (fun x -> x * x)
        if l2 = 0.0 then 0.0 else l1 * l1 / l2

    /// Effective number of Fourier coefficients of beta (|beta_hat| in the unitary DFT).
    let fourierEffectiveCount (beta: float[]) =
        ImplicitBias.Engine.Fourier.UnitaryDft.Magnitudes(System.ReadOnlySpan beta) |> effectiveCount
