namespace ImplicitBias

open System
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Theory

/// How fast a depth-2 run sheds what its l1 limit does not have (issue 22, point 6), measured and predicted.
/// (docs/theory-checks.md, "OffSupportRate")
type OffSupportRate =
    { Dataset: string
      Model: string
      /// 1 - OffSupportMax of the run's certified l1 limit.
      Predicted: float
      /// The fitted delta of share ~ exp(-delta theta), its R^2, and the measurements it used.
      Measured: float
      R2: float
      Points: int
      ThetaFrom: float
      ThetaTo: float
      /// (theta, off-support share) at every record after the fit.
      Curve: (float * float)[] }

module Rates =
    /// The share of a direction's entries off a support: ||e off S|| / ||e||, e its unitary spectrum (Fourier-l1)
    /// or itself (time-l1); `support` holds full-domain indices.
    let offSupportShare (kind: LimitKind) (support: int[]) (direction: float[]) =
        let magnitudes =
            if kind = LimitKind.FourierL1 then UnitaryDft.Magnitudes(ReadOnlySpan direction)
            else direction |> Array.map abs
        let on = Collections.Generic.HashSet support
        let total = magnitudes |> Array.sumBy (fun m -> m * m)
        let off = magnitudes |> Array.indexed |> Array.sumBy (fun (j, m) -> if on.Contains j then 0.0 else m * m)
        if total > 0.0 then sqrt (off / total) else nan

    /// Shares below this are rounding of the transform, not the flow: left out of the fit.
    let shareFloor = 1e-12

    /// The measured and predicted rate of one run with its certified l1 limit; None when the limit is not an l1
    /// limit, is not certified, or fewer than three records after the fit lie above the rounding floor.
    let ofRun (name: string) (model: string) (limit: LimitCertificate) (trajectory: TrajectoryRow[]) =
        let l1 = limit.Kind = LimitKind.FourierL1 || limit.Kind = LimitKind.TimeL1
        if not l1 || limit.Status <> LimitStatus.Certified || not (Double.IsFinite limit.OffSupportMax) then None
        else
            let curve =
                [| for t in trajectory do
                     let th = Results.theta t
                     if not (isNull t.Direction) && Double.IsFinite th && th > 0.0 then
                         yield th, offSupportShare limit.Kind limit.Support t.Direction |]
            let usable = curve |> Array.filter (fun (_, s) -> s > shareFloor && s < 0.5)
            // The prediction is asymptotic (the loss weights tend to the certificate's alpha): fitted on the later half
            // of the usable theta range.
            let tail =
                if usable.Length = 0 then usable
                else
                    let middle = 0.5 * (fst usable[0] + fst usable[usable.Length - 1])
                    usable |> Array.filter (fun (th, _) -> th >= middle)
            AngleRate.fit tail
            |> Option.map (fun fit ->
                { Dataset = name; Model = model; Predicted = 1.0 - limit.OffSupportMax
                  Measured = fit.Delta; R2 = fit.DeltaR2
                  Points = fit.Points; ThetaFrom = fit.ThetaFrom; ThetaTo = fit.ThetaTo; Curve = curve })
