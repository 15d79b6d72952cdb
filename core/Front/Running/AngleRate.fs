namespace ImplicitBias

open System

/// How fast a run's angle to its certified limit falls with theta = log(-log L) (issue 22, point 6): the least-squares
/// fits of log(angle) against theta (angle ~ exp(-delta theta), the rate seen for conv L = 2) and against log theta
/// (angle ~ theta^-power, the rate the potential of diagonal nets suggests). (docs/training.md, "AngleRate")
type AngleRate =
    { /// Measurements used.
      Points: int
      /// The theta range they span.
      ThetaFrom: float
      ThetaTo: float
      /// angle ~ exp(-Delta theta), and R^2 of that fit.
      Delta: float
      DeltaR2: float
      /// angle ~ theta^-Power, and R^2 of that fit.
      Power: float
      PowerR2: float }

module AngleRate =
    /// Slope and R^2 of the least-squares line y = a + b x (None for fewer than 3 points or no spread in x).
    let private line (xs: float[]) (ys: float[]) =
        let n = float xs.Length
        let mx, my = (if xs.Length > 0 then Array.average xs, Array.average ys else nan, nan)
        let sxx = Array.sumBy (fun x -> (x - mx) * (x - mx)) xs
        let sxy = Array.fold2 (fun s x y -> s + (x - mx) * (y - my)) 0.0 xs ys
        let syy = Array.sumBy (fun y -> (y - my) * (y - my)) ys
        if xs.Length < 3 || not (sxx > 1e-12 * n) then None
        else
            let b = sxy / sxx
            let r2 = if syy > 0.0 then b * sxy / syy else 1.0
            Some(b, r2)

    /// The fits over the (theta, angle) measurements; None with fewer than three usable ones.
    let fit (measurements: (float * float) seq) =
        let afterFit (theta, angle) = theta > 0.0 && Double.IsFinite theta && angle > 0.0 && angle < 0.5
        let usable = measurements |> Seq.filter afterFit |> Array.ofSeq
        let thetas = usable |> Array.map fst
        let logs = usable |> Array.map (snd >> log)
        match line thetas logs, line (Array.map log thetas) logs with
        | Some(slope, r2), Some(powerSlope, powerR2) ->
            Some { Points = usable.Length; ThetaFrom = Array.min thetas; ThetaTo = Array.max thetas
                   Delta = -slope; DeltaR2 = r2; Power = -powerSlope; PowerR2 = powerR2 }
        | _ -> None
