namespace ImplicitBias

open System
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Training

/// One dataset, one loss level: a settling rule against its twin with every step length divided by
/// a factor (SettlingStep.Smaller), both stopped exactly at the level (Run.withLogLossTarget lands on it).
type PathComparison =
    { Level: float
      /// Outcomes of the rule's run and of the smaller-step run (LossTargetReached when they got there).
      Outcome: TrainingOutcome
      SmallOutcome: TrainingOutcome
      Steps: int64
      SmallSteps: int64
      Seconds: float
      SmallSeconds: float
      /// 1 - cos between the two directions at the level; NaN unless both runs reached it.
      Gap: float }

/// A run with the convergence test on (Run.trainTracked): how and when it stopped.
type ConvergenceTiming =
    { Outcome: TrainingOutcome
      Steps: int64
      Seconds: float
      /// The final angle (radians) to the certified limit, when there is one.
      Angle: float option
      /// The log-loss at the end.
      LogLoss: float }

/// Measurements behind tools/step-rule.fsx: does a step rule follow the path of ten times smaller
/// steps at equal loss, and how long does it take to reach the certified limit?
module StepRuleCheck =
    /// 1 - cos(a, b), computed as ||a/|a| - b/|b|||^2 / 2 so that values near 1e-16 are not lost to
    /// cancellation (1 - cos formed from cos has an absolute error of about 1e-16).
    let oneMinusCos (a: float[]) (b: float[]) =
        let na = sqrt (Array.sumBy (fun x -> x * x) a)
        let nb = sqrt (Array.sumBy (fun x -> x * x) b)
        let mutable s = 0.0
        for i in 0 .. a.Length - 1 do
            let d = a[i] / na - b[i] / nb
            s <- s + d * d
        0.5 * s

    /// Trains `rule` and `rule.Smaller factor` from the same start (settings `s`, convergence stop off)
    /// until log L = level. The rule's run gets `maxSteps` steps, the small run `factor` times as many,
    /// each at most `timeLimit` seconds; a run that stops short is reported by its outcome.
    let compareAt (rule: SettlingStep) (factor: float) (maxSteps: int64) (timeLimit: float) (s: RunSpec)
                  (data: Dataset) (level: float) =
        let settings (step: StepRule) steps =
            s |> Run.withStep step |> Run.withConvergenceAngle 0.0 |> Run.withLogLossTarget level
              |> Run.withSteps steps |> Run.withTimeLimit timeLimit
        let a = Run.train (settings rule maxSteps) data
        let b = Run.train (settings (rule.Smaller factor) (int64 (float maxSteps * factor))) data
        let both = a.Outcome = TrainingOutcome.LossTargetReached && b.Outcome = TrainingOutcome.LossTargetReached
        { Level = level; Outcome = a.Outcome; SmallOutcome = b.Outcome; Steps = a.Steps; SmallSteps = b.Steps
          Seconds = a.Seconds; SmallSeconds = b.Seconds
          Gap = (if both then oneMinusCos a.Direction b.Direction else nan) }

    /// Trains with the convergence test of `s` (Run.trainTracked) and reports how it stopped.
    let timeToLimit (s: RunSpec) (data: Dataset) =
        let t = Run.trainTracked (fun _ _ -> ()) s data
        { Outcome = t.Result.Outcome; Steps = t.Result.Steps; Seconds = t.Result.Seconds; Angle = t.AngleToLimit
          LogLoss = (Seq.last t.Result.Records).LogLoss }

    /// The median of a non-empty list (mean of the middle two for even length); NaN when empty.
    let median (xs: float list) =
        match List.sort xs with
        | [] -> nan
        | sorted ->
            let n = sorted.Length
            if n % 2 = 1 then sorted[n / 2] else 0.5 * (sorted[n / 2 - 1] + sorted[n / 2])

    /// A short label for a suite's set: "#i gauss N=.. D=.." or "#i fourier-K N=.. D=..".
    let label (index: int) (spec: DataSpec) =
        match spec with
        | GaussianTeacher(n, d, _) -> $"#{index} gauss N={n} D={d}"
        | FourierSparseTeacher(n, d, k, _) -> $"#{index} fourier{k} N={n} D={d}"
        | CsvFile _ -> $"#{index} csv"
        | Digits(a, b, _) -> $"#{index} digits {a} vs {b}"
