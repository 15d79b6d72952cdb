namespace ImplicitBias

open ImplicitBias.Engine.Fourier

open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Training

/// Turning a sweep's stored runs into the numbers figures show (no training, no files).
module Results =
    /// |beta_hat| of the final direction (unitary DFT).
    let spectrum (r: StoredRun) = UnitaryDft.Magnitudes(System.ReadOnlySpan r.Run.Direction)

    /// Whether the run ended with every point on the right side (positive normalized margin).
    let separates (r: StoredRun) = r.Run.FinalNormalizedMargin.HasValue && r.Run.FinalNormalizedMargin.Value > 0.0

    /// The runs of one model kind, in sweep order.
    let ofModel kind (result: SweepResult) = result.Runs |> List.filter (fun (c, _) -> c.Model = kind)

    /// F1 input: for each (title, model kind), (depth, |beta_hat|) of the first run at each depth.
    let spectra (columns: (string * ModelKind) list) (result: SweepResult) =
        [ for title, kind in columns ->
            title,
            ofModel kind result
            |> List.distinctBy (fun (c, _) -> c.Depth)
            |> List.map (fun (c, r) -> c.Depth, spectrum r) ]

    let private quantile (q: float) (values: float[]) =
        let s = Array.sort values
        let position = q * float (s.Length - 1)
        let i = int (floor position)
        if i >= s.Length - 1 then s[s.Length - 1] else s[i] + (position - float i) * (s[i + 1] - s[i])

    /// F2 input: per model (name, kind), a band over depth of a measure of each run: median line,
    /// min..max shading, over whatever else varies (seeds).
    let bandsOverDepth (models: (string * ModelKind) list) (measure: RunSpec -> StoredRun -> float)
                       (result: SweepResult) =
        [ for name, kind in models ->
            let groups =
                ofModel kind result
                |> List.groupBy (fun (c, _) -> c.Depth)
                |> List.sortBy fst
                |> List.map (fun (depth, runs) -> float depth, [| for c, r in runs -> measure c r |])
            { Name = name
              X = groups |> List.map fst |> Array.ofList
              Center = groups |> List.map (snd >> quantile 0.5) |> Array.ofList
              Lower = groups |> List.map (snd >> Array.min) |> Array.ofList
              Upper = groups |> List.map (snd >> Array.max) |> Array.ofList } ]

    /// A run's angle (radians) to a reference direction at every recorded step.
    let angleTo (reference: float[]) (name: string) (r: StoredRun) =
        { Name = name
          X = r.Trajectory |> Array.map (fun t -> float t.Step)
          Y = r.Trajectory |> Array.map (fun t -> Geometry.Angle(t.Direction, reference)) }

    /// theta = log(-log L) of a record: log L = -exp(LogBetaNorm) * SmoothedMargin (NaN where not recorded).
    let theta (t: TrajectoryRow) =
        if t.LogBetaNorm.HasValue && t.SmoothedMargin.HasValue && t.SmoothedMargin.Value > 0.0
        then t.LogBetaNorm.Value + log t.SmoothedMargin.Value
        else nan

    /// A run's angle (radians) to a reference direction against theta = log(-log L), after the fit (theta > 0).
    let angleAlongTheta (reference: float[]) (name: string) (r: StoredRun) =
        let rows = r.Trajectory |> Array.filter (fun t -> theta t > 0.0)
        { Name = name
          X = rows |> Array.map theta
          Y = rows |> Array.map (fun t -> Geometry.Angle(t.Direction, reference)) }

    /// A per-record quantity of a run as a series against the step.
    let overSteps (name: string) (f: TrajectoryRow -> float) (r: StoredRun) =
        { Name = name
          X = r.Trajectory |> Array.map (fun t -> float t.Step)
          Y = r.Trajectory |> Array.map f }
