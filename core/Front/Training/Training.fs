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
      RecordDirections: bool
      /// Stop as Converged once the angle (radians) to the certified limit is below this, still
      /// shrinking, and the limit is certified (Limits.tracker); 0 disables the test.
      ConvergenceAngle: float }

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
