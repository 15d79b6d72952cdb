namespace ImplicitBias

open System
open System.Globalization
open System.IO
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Training

/// Writing a finished run to a folder: beta.csv, summary.json, trajectory.csv, spectra.csv.
module RunFiles =
    let private inv (x: float) = x.ToString("R", CultureInfo.InvariantCulture)

    /// The summary of a run as JSON fields.
    let summary (s: RunSettings) (data: Dataset) (r: TrainingResult) =
        let direction = r.Direction
        JObject [
            "steps", JInt r.Steps
            "seconds", JNumber r.Seconds
            "steps_per_second", JNumber r.StepsPerSecond
            "log_beta_norm", JNumber r.Final.LogBetaNorm
            "smoothed_margin", JNumber r.Final.SmoothedMargin
            "normalized_margin", JNumber r.Final.NormalizedMargin
            "outcome", JString(string r.Outcome)
            "log_parameter_norm", JNumber r.LogParameterNorm
            "last_angle_change", (if Double.IsNaN r.Final.AngleToPrevious then JNull else JNumber r.Final.AngleToPrevious)
            "fourier_effective_count", JNumber(Sparsity.fourierEffectiveCount direction)
            "time_effective_count", JNumber(Sparsity.effectiveCount direction)
            "model", JString(Model.name s.Model)
            "depth", JInt(int64 s.Depth)
            "step_rule", JString(s.Step.Describe())
            "loss", JString s.Loss.Name
            "init_scale", JNumber s.InitScale
            "seed", JInt(int64 s.Seed)
            "data", JString data.Name
            "N", JInt(int64 data.Count)
            "D", JInt(int64 data.Dimension) ]

    /// Writes every file of a run into dir (created if missing); each file is written atomically.
    let write (dir: string) (s: RunSettings) (data: Dataset) (r: TrainingResult) =
        Directory.CreateDirectory dir |> ignore
        AtomicFile.writeAllLines (Path.Combine(dir, "beta.csv")) (r.Direction |> Seq.map inv)
        let header = "step,seconds,log_beta_norm,smoothed_margin,normalized_margin,log_parameter_norm,angle_to_previous"
        let optional (x: float) = if Double.IsNaN x then "" else inv x
        let rows =
            r.Records
            |> Seq.map (fun x ->
                String.Join(",", [ string x.Step; inv x.Seconds; inv x.LogBetaNorm; inv x.SmoothedMargin; inv x.NormalizedMargin
                                   inv x.LogParameterNorm; optional x.AngleToPrevious ]))
        AtomicFile.writeAllLines (Path.Combine(dir, "trajectory.csv")) (Seq.append [ header ] rows)
        if s.RecordDirections then
            let table (pick: TrainingRecord -> float[]) name =
                let head = "step," + String.Join(",", [ for d in 0 .. data.Dimension - 1 -> $"{name}{d}" ])
                let lines = r.Records |> Seq.map (fun x -> string x.Step + "," + String.Join(",", pick x |> Array.map inv))
                Seq.append [ head ] lines
            AtomicFile.writeAllLines (Path.Combine(dir, "directions.csv")) (table (fun x -> x.Direction) "beta")
            AtomicFile.writeAllLines (Path.Combine(dir, "spectra.csv")) (table (fun x -> x.FourierMagnitudes) "abs_hat")
        AtomicFile.writeAllText (Path.Combine(dir, "summary.json")) (Json.serialize (summary s data r))

/// The command line of scripts/train.fsx.
module TrainCli =
    /// The usage text printed by --help.
    let usage =
        """Train a linear network by gradient descent on a CSV dataset (label first, then features).

(dotnet fsi takes a plain --help itself: for this text run the script with no arguments, or with -- --help)

dotnet fsi scripts/train.fsx --data FILE.csv --model linear|fc|diag|conv --depth L
    [--steps N] [--time-limit SECONDS] [--step normalized:ETA[:RHO]|fixed:ETA|degree:ETA] [--loss exp|logistic]
    [--init-scale S] [--seed S] [--log-loss-target T] --out DIR

  --data FILE.csv     first column the label (-1 or +1), the rest the features; optional header
  --model NAME        linear | fc | diag | conv | conv-time (conv evaluated in the time domain)
  --depth L           number of layers (default 2; ignored for linear)
  --steps N           step budget (default: unlimited, the time limit decides)
  --time-limit S      wall-clock budget in seconds (default 20)
  --step RULE         normalized:ETA:RHO (default normalized:0.5:0.0003: log L falls by about ETA a step,
                      and w moves by at least RHO ||w||), normalized:ETA (RHO = 0), fixed:ETA (the
                      paper's eq. 7) or degree:ETA
  --loss NAME         exp (default, the paper's) or logistic
  --init-scale S      each layer starts with Euclidean norm about S (default 0.5)
  --seed S            initialization seed (default 1)
  --log-loss-target T stop once log L <= T (default: never)
  --out DIR           writes beta.csv, summary.json, trajectory.csv, directions.csv, spectra.csv
"""

    /// Parsed command-line arguments.
    type Parsed = { Settings: RunSettings; Data: string option; Out: string option; Help: bool }

    let private number (flag: string) (text: string) parse =
        match parse text with
        | true, v -> Ok v
        | _ -> Error $"{flag}: '{text}' is not a valid value"

    let private float' flag text =
        number flag text (fun (t: string) -> Double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture))

    let private positive flag text =
        float' flag text |> Result.bind (fun v -> if v > 0.0 && Double.IsFinite v then Ok v else Error $"{flag}: must be a positive number (got {text})")

    /// Parses the arguments (without the script name) into settings, data path and output folder.
    let parse (args: string list) =
        let rec go (p: Parsed) args =
            let s = p.Settings
            match args with
            | [] -> Ok p
            | ("--help" | "-h" | "help") :: rest -> go { p with Help = true } rest
            | flag :: value :: rest when flag.StartsWith "--" ->
                let next =
                    match flag with
                    | "--data" -> Ok { p with Data = Some value }
                    | "--out" -> Ok { p with Out = Some value }
                    | "--model" -> Model.parse value |> Result.map (fun k -> { p with Settings = { s with Model = k } })
                    | "--depth" ->
                        number flag value Int32.TryParse
                        |> Result.bind (fun d -> if d >= 1 then Ok { p with Settings = { s with Depth = d } } else Error $"--depth: must be at least 1 (got {value})")
                    | "--steps" ->
                        number flag value Int64.TryParse
                        |> Result.bind (fun n -> if n >= 0L then Ok { p with Settings = { s with MaxSteps = n } } else Error $"--steps: must be >= 0 (got {value})")
                    | "--time-limit" -> positive flag value |> Result.map (fun t -> { p with Settings = { s with TimeLimitSeconds = t } })
                    | "--step" ->
                        try Ok { p with Settings = { s with Step = StepRule.Parse value } }
                        with :? ArgumentException as e -> Error $"--step: {e.Message}"
                    | "--loss" -> Loss.parse value |> Result.map (fun l -> { p with Settings = { s with Loss = l } })
                    | "--init-scale" -> positive flag value |> Result.map (fun v -> { p with Settings = { s with InitScale = v } })
                    | "--seed" -> number flag value UInt64.TryParse |> Result.map (fun v -> { p with Settings = { s with Seed = v } })
                    | "--log-loss-target" -> float' flag value |> Result.map (fun v -> { p with Settings = { s with LogLossTarget = v } })
                    | _ -> Error $"unknown flag '{flag}' (see: dotnet fsi scripts/train.fsx -- --help)"
                next |> Result.bind (fun p -> go p rest)
            | [ flag ] when flag.StartsWith "--" -> Error $"{flag}: missing value"
            | other :: _ -> Error $"unexpected argument '{other}' (see: dotnet fsi scripts/train.fsx -- --help)"
        go { Settings = Run.defaults; Data = None; Out = None; Help = false } args

    /// Progress on stderr: a line at most every two seconds of training.
    let private progress () =
        let mutable last = -infinity
        fun (r: TrainingRecord) ->
            if r.Seconds - last >= 2.0 then
                last <- r.Seconds
                eprintfn "  step %d  %.1fs  log L = %.4g  normalized margin = %.6g" r.Step r.Seconds r.LogLoss r.NormalizedMargin

    /// Runs the command line; returns the process exit code (0 ok, 2 bad input). Note: `dotnet fsi`
    /// itself takes a plain --help, so the script's usage is reached with `-- --help`, `help`, or no arguments.
    let main (args: string list) =
        let args = match args with "--" :: rest -> rest | _ -> args
        match parse (if List.isEmpty args then [ "--help" ] else args) with
        | Error e ->
            eprintfn "error: %s" e
            2
        | Ok p when p.Help ->
            printf "%s" usage
            0
        | Ok p ->
            match p.Data, p.Out with
            | None, _ -> eprintfn "error: --data FILE.csv is required (see: dotnet fsi scripts/train.fsx -- --help)"; 2
            | _, None -> eprintfn "error: --out DIR is required (see: dotnet fsi scripts/train.fsx -- --help)"; 2
            | Some dataPath, Some out ->
                try
                    let data = CsvDataset.Load dataPath
                    let s = p.Settings
                    eprintfn "training %s depth %d on %s (N=%d, D=%d), %s, loss %s" (Model.name s.Model) s.Depth dataPath data.Count data.Dimension (s.Step.Describe()) s.Loss.Name
                    let result = Run.trainWith (progress ()) s data
                    RunFiles.write out s data result
                    printfn "%s after %d steps in %.1f s (%.0f steps/s): log L = %.6g, normalized margin = %.6g; wrote %s"
                        (string result.Outcome) result.Steps result.Seconds result.StepsPerSecond result.Final.LogLoss result.Final.NormalizedMargin out
                    0
                with
                | :? DataFormatException as e -> eprintfn "error: %s" e.Message; 2
                | :? ArgumentException as e -> eprintfn "error: %s" e.Message; 2
