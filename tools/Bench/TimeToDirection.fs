namespace ImplicitBias

open System.Threading
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Training

/// How long training took to reach a reference direction.
type DirectionTiming =
    { /// 1 - cos(beta, reference) reached the tolerance.
      Reached: bool
      /// Steps and wall-clock seconds at the first record within the tolerance (or at the end).
      Steps: int64
      Seconds: float
      /// 1 - cos at that record.
      Gap: float
      /// The smallest 1 - cos seen at any record.
      BestGap: float
      /// The run's direction at that record.
      Direction: float[] }

/// Time to the asymptotic direction: trains with the given run settings and stops at the first record where 1 -
/// cos(beta, reference) <= tolerance. The reference direction is an input (e.g. MaxMargin.Solve(data,
/// MarginBias.FourierL1).Direction, or a run with much smaller steps). (docs/performance.md, "TimeToDirection")
module TimeToDirection =
    /// 1 - cos(a, b).
    let gap (a: float[]) (b: float[]) = 1.0 - Geometry.Cosine(System.ReadOnlySpan a, System.ReadOnlySpan b)

    /// The largest modulus of the Fourier-l1 dual certificate F(sum_n alpha_n y_n x_n) (scaled so that its largest
    /// modulus is 1) over the frequencies where the reference's |beta_hat| is below 1e-6 of its largest: how close the
    /// data is to a second solution. (docs/performance.md, "TimeToDirection.largestOffSupportCertificate")
    let largestOffSupportCertificate (data: Dataset) (reference: ImplicitBias.Engine.Reference.MaxMarginSolution) =
        let combination = ImplicitBias.Engine.Reference.Certificate.Combine(data, System.ReadOnlySpan reference.Dual)
        let certificate = ImplicitBias.Engine.Fourier.UnitaryDft.Magnitudes combination
        let top = Array.max certificate
        let beta = ImplicitBias.Engine.Fourier.UnitaryDft.Magnitudes reference.Beta
        let betaTop = Array.max beta
        Array.zip certificate beta
        |> Array.filter (fun (_, b) -> b < 1e-6 * betaTop)
        |> Array.map (fun (c, _) -> c / top)
        |> fun xs -> if xs.Length = 0 then nan else Array.max xs

    /// Trains until 1 - cos <= tolerance or the settings' step/time limits.
    let measure (reference: float[]) (tolerance: float) (recordsPerDecade: int) (settings: RunSpec)
                (data: Dataset) =
        let model = RunSpec.parameterization settings data.Dimension
        let w0: float[] = ImplicitBias.Engine.Networks.ParameterizationExtensions.Initialize(model, settings.InitScale,
                                                                                             settings.Seed)
        use cancel = new CancellationTokenSource()
        let mutable hit: DirectionTiming option = None
        let mutable best = infinity
        let mutable last = None
        let onRecord (r: TrainingRecord) =
            let g = gap r.Direction reference
            best <- min best g
            let timing = { Reached = g <= tolerance; Steps = r.Step; Seconds = r.Seconds; Gap = g; BestGap = best;
                           Direction = r.Direction }
            last <- Some timing
            if hit.IsNone && g <= tolerance then
                hit <- Some timing
                cancel.Cancel()
        let engine = TrainingSettings(settings.Step, Loss.create settings.Loss, settings.MaxSteps,
                                      settings.TimeLimitSeconds, settings.LogLossTarget, recordsPerDecade, true)
        GradientDescent.Train(model, data, System.ReadOnlySpan<float>(w0), engine, System.Action<_> onRecord,
                              cancel.Token) |> ignore
        match hit, last with
        | Some h, _ -> { h with BestGap = best }
        | None, Some l -> { l with BestGap = best }
        | None, None -> failwith "training produced no record"
