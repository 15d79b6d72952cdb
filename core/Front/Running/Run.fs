namespace ImplicitBias

open System
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Theory
open ImplicitBias.Engine.Training
open ImplicitBias.Engine.Training.Late

/// A finished run with what the theory says about it.
type TrackedRun =
    { Result: TrainingResult
      /// The certified limit at the final direction (None when the data is not separable).
      Limit: LimitCertificate option
      /// The final direction's angle (radians) to Limit (None when there is no limit or beta = 0).
      AngleToLimit: float option
      /// GD's angle to the certified limit of the time at the decade records (1, 10, 100, ...) and the final record.
      AnglesToLimit: LimitAngle list
      /// Set when training was refused because the data is not separable.
      NotSeparable: NotSeparableEvidence option
      /// Seconds the limit tracker spent solving during the run (part of Result.Seconds), and solves made.
      TrackingSeconds: float
      TrackingSolves: int
      /// Seconds spent after training on the final limit (0 when the run's last limit was still current).
      FinalLimitSeconds: float
      /// How fast the angle to the limit fell with theta over the run's measurements (None: too few after the fit).
      AngleRate: AngleRate option }

/// Pipeable training: the run specification first, data last.
module Run =
    /// The defaults a researcher should use to see the paper's limits: RunSpec.defaults. (docs/training.md,
    /// "Run.defaults")
    let defaults = RunSpec.defaults

    let withModel kind depth (s: RunSpec) = { s with Model = kind; Depth = depth }
    let withSeed seed (s: RunSpec) = { s with Seed = seed }
    let withInitScale scale (s: RunSpec) = { s with InitScale = scale }
    let withStep step (s: RunSpec) = { s with Step = step }
    let withLoss loss (s: RunSpec) = { s with Loss = loss }
    let withSteps steps (s: RunSpec) = { s with MaxSteps = steps }
    let withTimeLimit seconds (s: RunSpec) = { s with TimeLimitSeconds = seconds }
    let withLogLossTarget target (s: RunSpec) = { s with LogLossTarget = target }
    /// The convergence angle in radians (0 disables the Converged stop).
    let withConvergenceAngle radians (s: RunSpec) = { s with ConvergenceAngle = radians }
    /// The inputs' grid M x N (2-D conv; metadata for the other models).
    let withShape (grid: Grid) (s: RunSpec) = { s with Shape = Some grid }
    /// Conv's kernel support in layers 1..L-1.
    let withKernel (kernel: KernelSize) (s: RunSpec) = { s with Kernel = Some kernel }
    /// Channels of the depth-2 conv network.
    let withChannels channels (s: RunSpec) = { s with Channels = channels }
    /// gconv's group by name (Cn, Dn, Q8, A4, S4, products, SmallGroup(n,k)): `Run.withModel GroupConvolutional L`
    /// with `Run.withGroup "D4"`.
    let withGroup (name: string) (s: RunSpec) = { s with Group = Some name }
    /// The late phase (None: the step rule all the way).
    let withLate late (s: RunSpec) = { s with Late = late }

    /// The result of a run refused because the data is not separable: outcome NotSeparable, 0 steps, and one record,
    /// the initial state (step 0: the loss, margins and direction of P(w0), all finite; only AngleToPrevious is NaN, as
    /// at every first record). (docs/training.md, "Run.refused")
    let refused (model: IParameterization) (w0: float[]) (s: RunSpec) (data: Dataset) onRecord =
        let r = GradientDescent.Train(model, data, ReadOnlySpan w0,
                                      RunSpec.engineSettings { s with MaxSteps = 0L; LogLossTarget = -infinity },
                                      Action<_> onRecord)
        TrainingResult(TrainingOutcome.NotSeparable, 0L, r.Seconds, r.Parameters, r.LogParameterNorm, r.Direction,
                       r.LogBetaNorm, r.Records)

    /// Everything training a model on a dataset needs besides the loop (see prepare): the initial
    /// parameters, the engine's settings, the record callback, the convergence test and the tracker.
    type Prepared =
        { Initial: float[]
          Settings: TrainingSettings
          Observe: Action<TrainingRecord>
          Converged: Func<TrainingRecord, bool>
          Tracker: LimitTracker option }

    /// The first half of trainModel: data that is not separable is refused (Error: the refused run's result, outcome
    /// NotSeparable, with the evidence); separable data whose points' norms differ by more than training can follow
    /// raises ArgumentException (UnitScale.SpreadProblem). (docs/training.md, "Run.prepare")
    let prepare (model: IParameterization) (track: bool) (onRecord: TrainingRecord -> LimitAngle option -> unit)
                (s: RunSpec) (data: Dataset) =
        let w0 = model.Initialize(s.InitScale, s.Seed)
        match Separability.check data with
        | Some evidence -> Error(refused model w0 s data (fun r -> onRecord r None), evidence)
        | None ->
            match UnitScale.SpreadProblem data with
            | null -> ()
            | problem -> raise (ArgumentException problem)
            let tracker = if track || s.ConvergenceAngle > 0.0 then Limits.tracker s data else None
            let observe =
                Action<TrainingRecord>(fun r ->
                    tracker |> Option.iter (fun t -> t.Observe r)
                    onRecord r (tracker |> Option.bind (fun t -> t.Latest)))
            let converged =
                match tracker with
                | Some t when s.ConvergenceAngle > 0.0 -> Func<TrainingRecord, bool>(fun _ -> t.Converged)
                | _ -> null
            Ok { Initial = w0; Settings = RunSpec.engineSettings s; Observe = observe; Converged = converged;
                 Tracker = tracker }

    /// The training both train.fsx (trainTracked) and the sweep runner use, for a given parameterization: data that is
    /// not separable is refused before the first step (outcome NotSeparable, with the evidence); otherwise GD runs with
    /// a callback at every record. (docs/training.md, "Run.trainModel")
    let trainModel (model: IParameterization) (track: bool) (onRecord: TrainingRecord -> LimitAngle option -> unit)
                   (cancel: Threading.CancellationToken) (s: RunSpec) (data: Dataset) =
        match prepare model track onRecord s data with
        | Error(result, evidence) -> result, None, Some evidence
        | Ok p -> GradientDescent.Train(model, data, ReadOnlySpan p.Initial, p.Settings, p.Observe, cancel,
                                        p.Converged), p.Tracker, None

    /// Trains with a callback at every record (given the latest angle to the certified limit, when
    /// one has been measured) and returns the result with its certified limit (see trainModel; the
    /// cost of tracking: LimitTracker).
    let trainTracked (onRecord: TrainingRecord -> LimitAngle option -> unit) (s: RunSpec)
                     (data: Dataset) : TrackedRun =
        let model = RunSpec.parameterization s data.Dimension
        match trainModel model true onRecord Threading.CancellationToken.None s data with
        | result, Some tracker, None ->
            let during, solves = tracker.TrackingSeconds, tracker.Solves
            let finalTheta = result.Final.LogNegativeLogLoss
            let limit, angle = tracker.Finish(result.Steps, result.Direction, finalTheta)
            let measured = [ for a in tracker.Trace -> a.Theta, a.Angle ] @ [ finalTheta, angle ]
            { Result = result; Limit = Some limit
              AngleToLimit = (if Double.IsFinite angle then Some angle else None)
              AnglesToLimit = tracker.Angles; NotSeparable = None
              TrackingSeconds = during; TrackingSolves = solves; FinalLimitSeconds = tracker.TrackingSeconds - during
              AngleRate = AngleRate.fit measured }
        | result, _, evidence ->
            { Result = result; Limit = None; AngleToLimit = None; AnglesToLimit = []; NotSeparable = evidence
              TrackingSeconds = 0.0; TrackingSolves = 0; FinalLimitSeconds = 0.0; AngleRate = None }

    /// Trains with a callback at every record (for progress output); as trainTracked, the result only.
    let trainWith (onRecord: TrainingRecord -> unit) (s: RunSpec) (data: Dataset) =
        (trainTracked (fun r _ -> onRecord r) s data).Result

    /// Trains the network of the settings on the data.
    let train (s: RunSpec) (data: Dataset) = trainWith ignore s data
