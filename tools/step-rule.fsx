// Does the default step rule follow the small-step path, and how long does it take to the certified limit? (issue 9)
// dotnet fsi tools/step-rule.fsx [--quick] [--step settling:ETA:FLOOR:KAPPA:CAP[:midpoint]] [--sets N]
//   [--set-indices 0,5,..] [--models "conv L=3,fc L=3"] [--levels -1e2,-1e4] [--seconds S] [--path-only]
//   [--convergence-only] [--converge-seconds S] [--out STEM] [--merge STEM1,STEM2,..]
// 1. Path: for each model and each set of DataSuite.create N 1 (D in 8, 12, 16, 24, 32), trains the rule
//    and its SettlingStep.Smaller 10 twin to each log-loss level (both land exactly on it) and reports
//    1 - cos between the two directions: "k of n within 1e-9", median, worst (with its set).
// 2. Convergence: Run.defaults (stop as Converged at 1e-6 rad to the certified limit) with a step and
//    time budget: how many Converged, median/worst steps and seconds, final angles of the others.
// Writes out/bench/STEM.md (tables) and out/bench/STEM.csv (every run); --merge rebuilds the tables from
// the CSVs of several processes (split with --set-indices / --models).
// Cost: every comparison trains the twin with 10x the steps (about 5e6, the capped ones midpoint steps of
// two gradients): about 5 to 30 s each on an idle core, 60 to 95 s on the saturated 2 cores of 2026-11-30.
// The full run (30 sets x 6 models x 3 levels) did not fit in an hour there. Measured with
// settling:0.5:1e-05:0.2:1e-05:midpoint (engine 2.2, docs/performance.md, 2026-11-30): 176 of 180 (model, set)
// pairs within 1e-9 at -1e2, -1e3, -1e4; the four misses at -1e4, after the capped phase (#27 on conv L=3..5
// with 1.5e-9 .. 8.9e-9, #3 on conv L=5 with 1.1e-9), from the floor carried over from the capped phase.
// With the default since engine 2.3, settling:0.5:1e-05:0.2:1e-05:midpoint:floor-after-cap (2026-12-03, pinned
// to core 1 while another process ran on core 0; 4 to 30 s a comparison): those four 3.4e-10, 4.8e-10, 1.7e-10,
// 4.4e-11, and all 180 pairs within 1e-9 at -1e2, -1e3, -1e4 (conv L=3, 4, 5 measured again at -1e4 on all
// 30 sets, worst 4.8e-10; conv L=2, fc L=3, diag L=2 on 11 sets; the rest identical to the bit to the 2.2 runs,
// which the new rule is until its capped phase ends, or measured again where not). At -1e6 (not required),
// conv L=5 sets 0-5: #4 2.5e-9 (2.2: 7.9e-9), the others that reached it 1.0e-12 to 6.3e-10.
// Time to the certified limit (engine 2.2, deep conv, sets 0-9, 3 M steps): 4 to 5 of 10 Converged per depth,
// median 0.8 M to 1.6 M steps, worst 2.8 M.
#load "tools.fsx"

open System
open System.IO
open ImplicitBias
open ImplicitBias.Engine.Training

let args = fsi.CommandLineArgs
let quick = args |> Array.contains "--quick"
let option name = args |> Array.tryFindIndex ((=) name) |> Option.map (fun i -> args[i + 1])
let rule =
    match option "--step" with
    | Some text -> StepRule.Parse text :?> SettlingStep
    | None -> Run.defaults.Step :?> SettlingStep
let setCount = option "--sets" |> Option.map int |> Option.defaultValue (if quick then 10 else 30)
let levels =
    option "--levels" |> Option.map (fun t -> t.Split ',' |> Array.map float |> List.ofArray)
    |> Option.defaultValue (if quick then [ -1e2; -1e4 ] else [ -1e2; -1e3; -1e4 ])
let pathSteps = if quick then 2_000_000L else 5_000_000L // the rule's budget; the 10x run gets 10x
let pathSeconds = option "--seconds" |> Option.map float |> Option.defaultValue (if quick then 10.0 else 40.0)
let convergeSteps = if quick then 2_000_000L else 3_000_000L
let convergeSeconds = option "--converge-seconds" |> Option.map float
                      |> Option.defaultValue (if quick then 2.0 else 3.0)
let skipConvergence = args |> Array.contains "--path-only"
let models =
    [ "conv L=2", Convolutional, 2; "conv L=3", Convolutional, 3; "conv L=4", Convolutional, 4
      "conv L=5", Convolutional, 5; "fc L=3", FullyConnected, 3; "diag L=2", Diagonal, 2 ]
let only = option "--models" |> Option.map (fun t -> t.Split ',' |> Set.ofArray)
let models' = models |> List.filter (fun (m, _, _) -> only |> Option.forall (fun o -> o.Contains m))
let pick = option "--set-indices" |> Option.map (fun t -> t.Split ',' |> Array.map int |> Set.ofArray)
let sets =
    DataSuite.create setCount 1UL |> List.mapi (fun i spec -> i, (StepRuleCheck.label i spec, spec))
    |> List.filter (fun (i, _) -> pick |> Option.forall (fun p -> p.Contains i)) |> List.map snd
let clock = Diagnostics.Stopwatch.StartNew()
let say (text: string) = eprintfn "[%6.0f s] %s" clock.Elapsed.TotalSeconds text

// --merge STEM1,STEM2,..: no training; the tables from out/bench/STEM.csv files of earlier runs (e.g. the
// suite split by --set-indices over several processes), written as --out.
let merge = option "--merge" |> Option.map (fun t -> t.Split ',' |> List.ofArray)
let outDir = Path.Combine(__SOURCE_DIRECTORY__, "..", "out", "bench")
let merged =
    merge |> Option.map (fun stems ->
        let rows =
            [ for stem in stems do
                for line in File.ReadAllLines(Path.Combine(outDir, stem + ".csv")) do
                    if line <> "" && not (line.StartsWith "part,") then yield line.Split ',' ]
        let number (t: string) = if t = "" then nan else Double.Parse(t, Globalization.CultureInfo.InvariantCulture)
        let outcome (t: string) = Enum.Parse<TrainingOutcome> t
        let path =
            [ for r in rows do
                if r[0] = "path" then
                    yield r[1], r[2],
                          { Level = number r[3]; Outcome = outcome r[4]; SmallOutcome = outcome r[5];
                            Steps = int64 r[6]; SmallSteps = int64 r[7]
                            Seconds = number r[8]; SmallSeconds = number r[9]; Gap = number r[10] } ]
        let convergence =
            [ for r in rows do
                if r[0] = "converge" then
                    yield r[1], r[2],
                          { ConvergenceTiming.Outcome = outcome r[4]; Steps = int64 r[6]; Seconds = number r[8]
                            Angle = (let a = number r[11] in if Double.IsNaN a then None else Some a); LogLoss = nan } ]
        path, convergence)

// 1. The path at equal loss.
let path =
    match merged with
    | Some (p, _) -> p
    | None ->
    if args |> Array.contains "--convergence-only" then [] else
    [ for (model, kind, depth) in models' do
        for (name, spec) in sets do
            let data = DataSpec.create spec
            let s = Run.defaults |> Run.withModel kind depth
            for level in levels do
                let c = StepRuleCheck.compareAt rule 10.0 pathSteps pathSeconds s data level
                say ($"{model} {name} {level:g}: {c.Outcome}/{c.SmallOutcome} steps {c.Steps}/{c.SmallSteps} 1-cos " +
                     $"{c.Gap:e1}")
                yield model, name, c ]

// 2. Time to the certified limit with the rule.
let convergence =
    match merged with
    | Some (_, c) -> c
    | None ->
    if skipConvergence then [] else
    [ for (model, kind, depth) in models' do
        for (name, spec) in sets do
            let s = Run.defaults |> Run.withModel kind depth |> Run.withStep rule |> Run.withSteps convergeSteps
                    |> Run.withTimeLimit convergeSeconds
            let t = StepRuleCheck.timeToLimit s (DataSpec.create spec)
            say $"{model} {name}: {t.Outcome} steps {t.Steps} {t.Seconds:f2} s angle %A{t.Angle}"
            yield model, name, t ]

let levels' =
    match merged with
    | Some _ -> path |> List.map (fun (_, _, c) -> c.Level) |> List.distinct |> List.sortDescending
    | None -> levels
let models'' =
    match merged with
    | Some _ -> models' |> List.filter (fun (m, _, _) -> path |> List.exists (fun (m', _, _) -> m' = m))
    | None -> models'
let setNames =
    match merged with Some _ -> path |> List.map (fun (_, n, _) -> n) |> List.distinct | None -> sets |> List.map fst
let skipConvergence' = convergence.IsEmpty

let e (x: float) = if Double.IsNaN x then "-" else x.ToString("0.0e+0")
let f0 (x: float) = if Double.IsNaN x then "-" else x.ToString("0")
let f2 (x: float) = if Double.IsNaN x then "-" else x.ToString("0.00")
let pathRows =
    [ for (model, _, _) in models'' do
        // Levels without a row for this model (a merged run) are left out.
        for level in levels'
                     |> List.filter (fun l -> path |> List.exists (fun (m, _, c) -> m = model && c.Level = l)) do
            let cs: (string * string * PathComparison) list =
                path |> List.filter (fun (m, _, c) -> m = model && c.Level = level)
            let reached = cs |> List.filter (fun (_, _, c) -> not (Double.IsNaN c.Gap))
            let missed = cs |> List.filter (fun (_, _, c) -> Double.IsNaN c.Gap)
                         |> List.map (fun (_, n, c) -> $"{n} ({c.Outcome}/{c.SmallOutcome})")
            let pass = reached |> List.filter (fun (_, _, c) -> c.Gap <= 1e-9) |> List.length
            let gaps = reached |> List.map (fun (_, _, c) -> c.Gap)
            let worst =
                if reached.IsEmpty then "-"
                else reached |> List.maxBy (fun (_, _, c) -> c.Gap) |> fun (_, n, c) -> $"{e c.Gap} ({n})"
            let steps = StepRuleCheck.median (reached |> List.map (fun (_, _, c) -> float c.Steps))
            let smallSteps = StepRuleCheck.median (reached |> List.map (fun (_, _, c) -> float c.SmallSteps))
            let missedText = if missed.IsEmpty then "0" else $"{missed.Length}: " + String.concat "; " missed
            yield ($"| {model} | {level:g} | {pass} of {cs.Length} | {e (StepRuleCheck.median gaps)} | {worst} | " +
                   $"{f0 steps} / {f0 smallSteps} | {missedText} |") ]
let overallRows =
    [ for (model, _, _) in models'' do
        let cs: (string * string * PathComparison) list = path |> List.filter (fun (m, _, _) -> m = model)
        // Only the sets measured for this model (a merged run may hold some sets of a model only).
        let measured = setNames |> List.filter (fun n -> cs |> List.exists (fun (_, n', _) -> n' = n))
        let setsPassing =
            measured |> List.filter (fun n -> cs |> List.forall (fun (_, n', c) -> n' <> n || c.Gap <= 1e-9))
            |> List.length
        yield $"| {model} | {setsPassing} of {measured.Length} |" ]
let convergenceRows =
    [ for (model, _, _) in models'' do
        let ts: (string * string * ConvergenceTiming) list = convergence |> List.filter (fun (m, _, _) -> m = model)
        if not ts.IsEmpty then
            let conv = ts |> List.filter (fun (_, _, t: ConvergenceTiming) -> t.Outcome = TrainingOutcome.Converged)
            let others = ts |> List.filter (fun (_, _, t: ConvergenceTiming) -> t.Outcome <> TrainingOutcome.Converged)
            let med f xs = StepRuleCheck.median (xs |> List.map f)
            let worstBy f xs =
                if List.isEmpty xs then "-" else xs |> List.maxBy f |> fun x -> let (_, n, _) = x in $"{f x:g4} ({n})"
            let angle (_, _, t: ConvergenceTiming) = defaultArg t.Angle nan
            let outcomes =
                if others.IsEmpty then "-"
                else
                    others
                    |> List.countBy (fun (_, _, t: ConvergenceTiming) -> t.Outcome)
                    |> List.map (fun (o, k) -> $"{k} {o}")
                    |> String.concat ", "
            let worstAngle =
                if others.IsEmpty then "-"
                else others |> List.maxBy angle |> fun ((_, n, _) as x) -> $"{e (angle x)} ({n})"
            let stepsOf (_, _, t: ConvergenceTiming) = float t.Steps
            let secondsOf (_, _, t: ConvergenceTiming) = t.Seconds
            yield
                $"| {model} | {conv.Length} of {ts.Length} | {f0 (med stepsOf conv)} | {worstBy stepsOf conv} "
                + $"| {f2 (med secondsOf conv)} | {worstBy secondsOf conv} "
                + $"| {outcomes} | {e (med angle others)} | {worstAngle} |" ]

let md =
    [ "# Step rule: the small-step path at equal loss, and the time to the certified limit"
      ""
      ($"Rule: `{rule.Describe()}` against `{(rule.Smaller 10.0).Describe()}` (SettlingStep.Smaller 10). Sets: " +
       $"DataSuite.create {setCount} 1 ")
      + ("(D cycles 8, 12, 16, 24, 32; N from D/4 to D; Gaussian and Fourier-sparse teachers alternate). Init scale " +
         "0.5, seed 1, exponential loss.")
      ""
      "## 1. Path: 1 - cos between the rule and its 10x smaller-step twin at equal log L"
      ""
      ($"Both runs stop exactly at the level (regula falsi on the last step), no Converged stop. Budget: " +
       $"{pathSteps} steps for the rule, ")
      + ($"{10L * pathSteps} for the twin, at most {pathSeconds:g} s each. Steps: median over the sets that reached " +
         $"the level (rule / twin).")
      ""
      "| model | log L | within 1e-9 | median 1 - cos | worst 1 - cos (set) | median steps | did not reach |"
      "| --- | ---: | ---: | ---: | --- | ---: | --- |"
      yield! pathRows
      ""
      "Sets within 1e-9 at every level:"
      ""
      "| model | sets |"
      "| --- | ---: |"
      yield! overallRows
      ""
      if not skipConvergence' then
          "## 2. Time to the certified limit (Converged: angle below 1e-6 rad, shrinking, limit certified)"
          ""
          ($"Run.defaults with `{rule.Describe()}`, budget {convergeSteps} steps or {convergeSeconds:g} s (wall " +
           $"clock on 2 cores shared with other jobs: seconds are indicative).")
          ""
          ("| model | Converged | median steps | worst steps (set) | median s | worst s (set) | the others | their " +
           "median final angle (rad) | their worst final angle (set) |")
          "| --- | ---: | ---: | --- | ---: | --- | --- | ---: | --- |"
          yield! convergenceRows
          ""
      $"Total runtime {clock.Elapsed.TotalSeconds:f0} s." ]
    |> String.concat "\n"

/// A CSV cell: empty where the value does not exist (a run that did not reach its level).
let cell (x: float) = if Double.IsFinite x then x.ToString("R", Globalization.CultureInfo.InvariantCulture) else ""
let csv =
    [ yield ("part,model,set,level,outcome,small_outcome,steps,small_steps,seconds,small_seconds,one_minus_cos,"
             + "final_angle")
      for (m, n, c) in path do
          yield ($"path,{m},{n},{c.Level:g},{c.Outcome},{c.SmallOutcome},{c.Steps},{c.SmallSteps},{c.Seconds:f3},"
                 + $"{c.SmallSeconds:f3},{cell c.Gap},")
      for (m, n, t) in convergence do
          yield $"converge,{m},{n},,{t.Outcome},,{t.Steps},,{t.Seconds:f3},,,{cell (defaultArg t.Angle nan)}" ]
    |> String.concat "\n"
Directory.CreateDirectory outDir |> ignore
let stem = option "--out" |> Option.defaultValue "step-rule"
File.WriteAllText(Path.Combine(outDir, stem + ".md"), md + "\n")
File.WriteAllText(Path.Combine(outDir, stem + ".csv"), csv + "\n")
printfn "%s" md
