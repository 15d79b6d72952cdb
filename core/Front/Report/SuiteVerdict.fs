namespace ImplicitBias

open System
open System.Globalization

/// One dataset's measurement of a claim: the value compared with the threshold, the dataset's own
/// verdict, and whether its certificate was degenerate (e.g. an active set too small to pin alpha).
type SuiteMeasurement =
    { Dataset: string
      Value: float
      Passed: bool
      Degenerate: bool
      Note: string }

/// A dataset's outcome for a claim: measured, or could not be computed (and why).
type SuiteOutcome =
    | Measured of SuiteMeasurement
    | NotComputed of dataset: string * reason: string

/// Which end of the values is the bad one: residuals and angles are worst when Largest, margins
/// and ratios that must stay above a bound are worst when Smallest.
type WorseWhen =
    | Larger
    | Smaller

/// A claim of the paper checked on every dataset of a suite, as one report row.
type SuiteClaim =
    { Claim: string
      Prediction: string
      /// The tolerance as the report states it, e.g. "angle <= 0.05 rad".
      Tolerance: string
      /// The bound every value must meet (value <= Threshold when WorseWhen = Larger, >= when Smaller).
      Threshold: float
      WorseWhen: WorseWhen
      /// The figure or script the evidence comes from.
      Evidence: string }

/// The verdict of a claim over a suite: PASS only when every dataset passed; one failure, one NaN
/// or one dataset that could not be computed makes it FAIL; no datasets at all is NOT AVAILABLE.
module SuiteVerdict =
    let private g (x: float) = x.ToString("G3", CultureInfo.InvariantCulture)

    /// A measured dataset passes when its own check passed and its value is a number within the threshold.
    let passes (claim: SuiteClaim) (m: SuiteMeasurement) =
        let within =
            match claim.WorseWhen with
            | Larger -> m.Value <= claim.Threshold
            | Smaller -> m.Value >= claim.Threshold
        m.Passed && within // NaN compares false, so a NaN value fails

    /// True when the outcome makes the row FAIL: a measurement that does not pass, or one not computed.
    let fails (claim: SuiteClaim) (outcome: SuiteOutcome) =
        match outcome with
        | Measured m -> not (passes claim m)
        | NotComputed _ -> true

    /// The worst measurement: a NaN value if any, else the largest (or smallest) value.
    let worst (claim: SuiteClaim) (measured: SuiteMeasurement list) =
        match measured |> List.tryFind (fun m -> Double.IsNaN m.Value) with
        | Some m -> Some m
        | None when measured.IsEmpty -> None
        | None ->
            match claim.WorseWhen with
            | Larger -> Some(List.maxBy (fun m -> m.Value) measured)
            | Smaller -> Some(List.minBy (fun m -> m.Value) measured)

    /// Passing values this close to the threshold (a fraction of it) are named a near miss in the row: a PASS that
    /// a little more noise, another seed or a slightly shorter run would turn into a FAIL (the quick report's
    /// Theorem 4 row passed at 0.0494 against 0.05 on 2026-12-03).
    let nearMissFraction = 0.1

    /// True when a passing value lies within nearMissFraction of the threshold, on the good side.
    let isNearMiss (claim: SuiteClaim) (value: float) =
        let band = nearMissFraction * abs claim.Threshold
        match claim.WorseWhen with
        | Larger -> value <= claim.Threshold && value > claim.Threshold - band
        | Smaller -> value >= claim.Threshold && value < claim.Threshold + band

    /// The median of the finite measured values (None when there is none).
    let median (measured: SuiteMeasurement list) =
        let values = measured |> List.map (fun m -> m.Value) |> List.filter Double.IsFinite |> List.sort
        match values with
        | [] -> None
        | _ when values.Length % 2 = 1 -> Some values[values.Length / 2]
        | _ -> Some(0.5 * (values[values.Length / 2 - 1] + values[values.Length / 2]))

    /// The report row: Measured reads e.g. "19 of 20 sets pass; median 0.002; worst 0.07 on SET; 2 degenerate
    /// certificates; 1 could not be computed (SET: reason)".
    let row (claim: SuiteClaim) (outcomes: SuiteOutcome list) : ClaimRow =
        if outcomes.IsEmpty then
            Claims.unavailable claim.Claim claim.Prediction "no datasets in the suite" claim.Evidence
        else
            let measured = outcomes |> List.choose (function Measured m -> Some m | NotComputed _ -> None)
            let missing =
                outcomes |> List.choose (function NotComputed(d, reason) -> Some(d, reason) | Measured _ -> None)
            let passed = measured |> List.filter (passes claim) |> List.length
            let failed = measured |> List.filter (passes claim >> not)
            let total = outcomes.Length
            let degenerate = measured |> List.filter (fun m -> m.Degenerate) |> List.length
            let parts =
                [ yield $"{passed} of {total} sets pass"
                  match median measured with
                  | Some m -> yield $"median {g m}"
                  | None -> ()
                  match worst claim measured with
                  | Some w ->
                      let note = if String.IsNullOrWhiteSpace w.Note then "" else $" ({w.Note})"
                      yield $"worst {g w.Value} on {w.Dataset}{note}"
                      if passes claim w && isNearMiss claim w.Value then
                          yield ($"near miss: the worst is within {nearMissFraction * 100.0:F0} %% of the tolerance " +
                                 $"{g claim.Threshold}")
                  | None -> ()
                  if not failed.IsEmpty then
                      let named (m: SuiteMeasurement) =
                          if String.IsNullOrWhiteSpace m.Note then m.Dataset else $"{m.Dataset} ({m.Note})"
                      yield $"""failed on {failed |> List.map named |> String.concat ", "}"""
                  yield $"{degenerate} degenerate certificate(s)"
                  if not missing.IsEmpty then
                      let reasons = missing |> List.map (fun (d, r) -> $"{d}: {r}") |> String.concat "; "
                      yield $"{missing.Length} could not be computed ({reasons})" ]
            Claims.check claim.Claim claim.Prediction (String.concat "; " parts) claim.Tolerance (passed = total)
                claim.Evidence
