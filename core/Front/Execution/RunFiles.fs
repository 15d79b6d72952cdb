namespace ImplicitBias

open System
open System.Globalization
open System.IO
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Groups
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Theory
open ImplicitBias.Engine.Training

/// Writing a finished run to a folder: beta.csv, limit.csv, summary.json, trajectory.csv,
/// directions.csv, spectra.csv. No file holds NaN or an infinity: a value that does not exist is an
/// empty CSV cell or JSON null.
module RunFiles =
    let private inv (x: float) = x.ToString("R", CultureInfo.InvariantCulture)

    /// A JSON number, or null when x is NaN or infinite.
    let private num = Json.finiteNumber

    let private ints (xs: int[]) = JArray [ for x in xs -> JInt(int64 x) ]

    /// The dimension d of each irrep of a group, in the order of its Fourier blocks (a limit's block_ranks).
    let blockDimensions (fourier: GroupFourier) = JArray [ for r in fourier.Irreps -> JInt(int64 r.Dimension) ]

    /// The certified limit as JSON: kind, p, status, residual, angle to GD's final direction, support,
    /// active set, degeneracy, smallest multiplier, complementary slackness, the group kinds' block ranks, message.
    let limitJson (limit: LimitCertificate) (angle: float option) =
        JObject [
            "kind", JString(string limit.Kind)
            "p", num limit.P
            "status", JString(string limit.Status)
            "residual", num limit.Residual
            "angle_to_gd", (match angle with Some a -> num a | None -> JNull)
            "support", ints limit.Support
            "active", ints limit.Active
            "degenerate", JBool limit.Degenerate
            "min_alpha", num limit.MinAlpha
            "complementary_slackness", num limit.ComplementarySlackness
            if limit.BlockRanks.Length > 0 then ("block_ranks", ints limit.BlockRanks)
            "message", JString limit.Message ]

    /// The not-separable evidence as JSON.
    let evidenceJson (e: NotSeparableEvidence) =
        JObject [
            "weights", JArray [ for w in e.Weights -> num w ]
            "relative_combination_norm", num e.RelativeCombination
            "tolerance", num e.Tolerance
            "message", JString e.Message ]

    /// The Theorem 4 KKT residual of the final parameters (w/||w||: the certificate is scale-free);
    /// None when it does not exist (beta does not separate the data, or w = 0).
    let theorem4Residual (s: RunSpec) (data: Dataset) (r: TrainingResult) =
        let model = RunSpec.parameterization s data.Dimension
        let c = ParameterStationarity.Certify(model, data, ReadOnlySpan r.Parameters)
        if c.Outcome = CertificateOutcome.Computed && Double.IsFinite c.Residual then Some c.Residual else None

    /// The run's answer in the issue's words: Converged; NotConverged (stopped by the step budget or the time limit
    /// before the angle to the certified limit fell below the target); NotSeparable; NonFinite (real divergence); or
    /// the engine's own outcome. (docs/training.md, "RunFiles.verdict")
    let verdict (r: TrainingResult) =
        match r.Outcome with
        | TrainingOutcome.StepLimit | TrainingOutcome.TimeLimit -> "NotConverged"
        | other -> string other

    /// The summary of a run as JSON fields.
    let summary (s: RunSpec) (data: Dataset) (run: TrackedRun) =
        let r = run.Result
        let direction = r.Direction
        JObject [
            "steps", JInt r.Steps
            "seconds", num r.Seconds
            "steps_per_second", num r.StepsPerSecond
            "log_beta_norm", num r.Final.LogBetaNorm
            "smoothed_margin", num r.Final.SmoothedMargin
            "normalized_margin", num r.Final.NormalizedMargin
            "verdict", JString(verdict r)
            "outcome", JString(string r.Outcome)
            "log_parameter_norm", num r.LogParameterNorm
            "last_angle_change", num r.Final.AngleToPrevious
            "fourier_effective_count",
                num (match s.Shape with
                     | Some g when not g.IsLine -> Sparsity.gridFourierEffectiveCount g direction
                     | _ -> Sparsity.fourierEffectiveCount direction)
            "time_effective_count", num (Sparsity.effectiveCount direction)
            "limit", (match run.Limit with Some l -> limitJson l run.AngleToLimit | None -> JNull)
            "limit_available", JBool (Limits.kindOf s data.Dimension).IsSome
            "limit_solves", JInt(int64 run.TrackingSolves)
            "limit_seconds_during_run", num run.TrackingSeconds
            "limit_seconds_after_run", num run.FinalLimitSeconds
            "angles_to_limit",
                JArray [ for a in run.AnglesToLimit ->
                           JObject [ "step", JInt a.Step; "theta", num a.Theta; "angle", num a.Angle
                                     "certified", JBool a.Certified ] ]
            "angle_rate",
                (match run.AngleRate with
                 | Some r ->
                     JObject [ "points", JInt(int64 r.Points); "theta_from", num r.ThetaFrom; "theta_to", num r.ThetaTo
                               "delta", num r.Delta; "delta_r2", num r.DeltaR2; "power", num r.Power
                               "power_r2", num r.PowerR2 ]
                 | None -> JNull)
            // conv L=2 (Fourier-l1 limit): the rate delta the dual certificate suggests, 1 - max off-support |sum alpha
            // z_hat|.
            "predicted_delta",
                (match run.Limit with
                 | Some l when l.Kind = LimitKind.FourierL1 && Double.IsFinite l.OffSupportMax ->
                     num (1.0 - l.OffSupportMax)
                 | _ -> JNull)
            "late_phase",
                (match r.Late with
                 | null -> JNull
                 | l ->
                     JObject [ "hand_over_step", JInt l.HandOverStep; "hand_over_theta", num l.HandOverTheta
                               "stiff_steps", JInt l.StiffSteps; "sliding_steps", JInt l.SlidingSteps
                               "rejected_steps", JInt l.RejectedSteps; "sliding_from_theta", num l.SlidingFromTheta
                               "active_points", JInt(int64 l.ActivePoints)
                               "weighted_points", JInt(int64 l.WeightedPoints)
                               "seconds", num l.Seconds; "final_theta", num r.Final.LogNegativeLogLoss
                               "final_speed", num l.FinalSpeed ])
            "late_phase_settings", (match s.Late with Some l -> JString(l.Describe()) | None -> JNull)
            "theorem4_kkt_residual", (match theorem4Residual s data r with Some x -> num x | None -> JNull)
            "not_separable", (match run.NotSeparable with Some e -> evidenceJson e | None -> JNull)
            "model", JString(Model.name s.Model)
            "depth", JInt(int64 s.Depth)
            "shape", (match s.Shape with Some g -> JString $"{g.Rows}x{g.Columns}" | None -> JNull)
            "kernel", (match s.Kernel with Some k -> JString $"{k.Rows}x{k.Columns}" | None -> JNull)
            "channels", JInt(int64 s.Channels)
            "group", (match s.Group with Some g -> JString g | None -> JNull)
            // The dimension d of each irrep, in the order of the limit's block_ranks (docs/outputs.md).
            "block_dimensions", (match s.Group with Some g -> blockDimensions (GroupName.fourier g) | None -> JNull)
            "parameterization", JString((RunSpec.parameterization s data.Dimension).Name)
            "step_rule", JString(s.Step.Describe())
            "loss", JString(Loss.name s.Loss)
            "init_scale", num s.InitScale
            "seed", JUInt s.Seed
            "converged_angle", num s.ConvergenceAngle
            "log_loss_target", num s.LogLossTarget
            "data", JString data.Name
            "N", JInt(int64 data.Count)
            "D", JInt(int64 data.Dimension) ]

    /// Writes every file of a run into dir (created if missing); each file is written atomically.
    /// A run refused as not separable gets summary.json only (outcome NotSeparable and the evidence).
    let write (dir: string) (s: RunSpec) (data: Dataset) (run: TrackedRun) =
        Directory.CreateDirectory dir |> ignore
        let r = run.Result
        if run.NotSeparable.IsNone then
            AtomicFile.writeAllLines (Path.Combine(dir, "beta.csv")) (r.Direction |> Seq.map inv)
            match run.Limit with
            | Some l -> AtomicFile.writeAllLines (Path.Combine(dir, "limit.csv")) (l.Direction |> Seq.map inv)
            | None -> ()
            let header =
                "step,seconds,log_beta_norm,smoothed_margin,normalized_margin,log_parameter_norm,angle_to_previous"
            let optional (x: float) = if Double.IsFinite x then inv x else ""
            let rows =
                r.Records
                |> Seq.map (fun x ->
                    String.Join(",", [ string x.Step; optional x.Seconds; optional x.LogBetaNorm;
                                       optional x.SmoothedMargin; optional x.NormalizedMargin
                                       optional x.LogParameterNorm; optional x.AngleToPrevious ]))
            AtomicFile.writeAllLines (Path.Combine(dir, "trajectory.csv")) (Seq.append [ header ] rows)
            if s.RecordDirections then
                let table (pick: TrainingRecord -> float[]) name =
                    let head = "step," + String.Join(",", [ for d in 0 .. data.Dimension - 1 -> $"{name}{d}" ])
                    let lines =
                        r.Records
                        |> Seq.map (fun x -> string x.Step + "," + String.Join(",", pick x |> Array.map optional))
                    Seq.append [ head ] lines
                AtomicFile.writeAllLines (Path.Combine(dir, "directions.csv")) (table (fun x -> x.Direction) "beta")
                // On a 2-D --shape the spectrum is the image's 2-D DFT (row-major over (k1, k2)); else the engine's 1-D
                // one.
                let spectrum =
                    match s.Shape with
                    | Some g when not g.IsLine ->
                        fun (x: TrainingRecord) ->
                            match x.Direction with
                            | null -> Array.create data.Dimension nan
                            | d -> ImplicitBias.Engine.Fourier.GridDft.Forward(g, ReadOnlySpan d)
                                   |> Array.map (fun z -> z.Magnitude)
                    | _ -> fun x -> x.FourierMagnitudes
                AtomicFile.writeAllLines (Path.Combine(dir, "spectra.csv")) (table spectrum "abs_hat")
        AtomicFile.writeAllText (Path.Combine(dir, "summary.json")) (Json.serialize (summary s data run))
