namespace ImplicitBias

open System
open System.Globalization
open System.IO
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Reference

/// Writing a reference solution to a folder: beta.csv (unit-norm direction) and certificate.json.
module ReferenceFiles =
    let private inv (x: float) = x.ToString("R", CultureInfo.InvariantCulture)

    /// The certificate of a solution as JSON fields.
    let certificate (data: Dataset) (s: MaxMarginSolution) =
        let separable = s.Status <> SolverStatus.NotSeparable
        JObject [
            "bias", JString(s.Bias.Name())
            "status", JString(string s.Status)
            "message", JString s.Message
            "solver", JString s.Solver
            "objective", JNumber s.PrimalObjective
            "dual_objective", JNumber s.DualObjective
            "relative_duality_gap", JNumber s.RelativeGap
            "min_margin", JNumber s.MinMargin
            "normalized_margin_l2", JNumber(if separable then s.MinMargin / Engine.Training.Geometry.Norm(ReadOnlySpan s.Beta) else nan)
            "beta_norm_l2", JNumber(Engine.Training.Geometry.Norm(ReadOnlySpan s.Beta))
            "support_vectors", JArray [ for n in s.SupportVectors() -> JInt(int64 n) ]
            "dual", JArray [ for a in s.Dual -> JNumber a ]
            "iterations", JInt(int64 s.Iterations)
            "seconds", JNumber s.Seconds
            "data", JString data.Name
            "N", JInt(int64 data.Count)
            "D", JInt(int64 data.Dimension) ]

    /// Writes certificate.json, and beta.csv (the direction Beta/||Beta||_2) only when there is a
    /// predictor: for non-separable data a stale beta.csv is removed rather than left behind.
    let write (dir: string) (data: Dataset) (s: MaxMarginSolution) =
        Directory.CreateDirectory dir |> ignore
        let betaPath = Path.Combine(dir, "beta.csv")
        if s.Status = SolverStatus.NotSeparable then File.Delete betaPath
        else AtomicFile.writeAllLines betaPath (s.Direction |> Seq.map inv)
        AtomicFile.writeAllText (Path.Combine(dir, "certificate.json")) (Json.serialize (certificate data s))

/// The command line of scripts/reference.fsx.
module ReferenceCli =
    /// The usage text printed by --help.
    let usage =
        """Reference solutions the paper predicts, with certificates.

dotnet fsi scripts/reference.fsx --data FILE.csv --bias l2|fourier-l1|l1 --out DIR [--gap-tolerance T]
  --data FILE.csv     first column the label (-1 or +1), the rest the features; optional header
  --bias NAME         l2         min ||beta||_2       (fully connected networks, Theorem 1)
                      fourier-l1 min ||beta_hat||_1   (convolutional depth 2, Theorem 2)
                      l1         min ||beta||_1       (diagonal depth 2, Lemma 6)
                      each subject to y_n <x_n, beta> >= 1 (homogeneous, no bias term)
  --out DIR           writes DIR/beta.csv (unit-norm direction, one value a line) and
                      DIR/certificate.json (objective, dual objective, relative duality gap,
                      minimum margin, status, dual alpha, support vectors, solver, time)
  --gap-tolerance T   status Optimal needs a certified relative gap <= T (default 1e-8)
Exit code: 0 optimal, 1 not separable or not converged (certificate.json says which), 2 bad input.
(dotnet fsi takes --help for itself: run `dotnet fsi scripts/reference.fsx -- --help`, or no arguments.)
"""

    let private biasFlags = set [ "--data"; "--bias"; "--out"; "--gap-tolerance" ]

    /// Collects "--flag value" pairs (and --help); the modes check which flags they accept.
    let parseFlags (args: string list) =
        let rec go (flags: Map<string, string>) help args =
            match args with
            | [] -> Ok(flags, help)
            | ("--help" | "-h") :: rest -> go flags true rest
            | [ flag ] when flag.StartsWith "--" -> Error $"{flag}: missing value"
            | flag :: value :: rest when flag.StartsWith "--" ->
                if flags.ContainsKey flag then Error $"{flag} given twice" else go (Map.add flag value flags) help rest
            | other :: _ -> Error $"unexpected argument '{other}' (see --help)"
        go Map.empty false args

    /// The --bias mode: solve, write, report. Returns the exit code.
    let runBias (flags: Map<string, string>) =
        let unknown = flags |> Map.toList |> List.map fst |> List.filter (fun f -> not (biasFlags.Contains f))
        let tolerance =
            match flags.TryFind "--gap-tolerance" with
            | None -> Ok 1e-8
            | Some t ->
                match Double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture) with
                | true, v when v > 0.0 && v < 1.0 -> Ok v
                | _ -> Error $"--gap-tolerance: '{t}' is not a number between 0 and 1"
        match unknown, flags.TryFind "--data", flags.TryFind "--out", Option.map (MarginNorms.Parse >> Option.ofNullable) (flags.TryFind "--bias"), tolerance with
        | f :: _, _, _, _, _ -> eprintfn "error: unknown flag '%s' for --bias (see --help)" f; 2
        | _, None, _, _, _ -> eprintfn "error: --data FILE.csv is required (see --help)"; 2
        | _, _, None, _, _ -> eprintfn "error: --out DIR is required (see --help)"; 2
        | _, _, _, Some None, _ -> eprintfn "error: --bias '%s' is not one of l2, fourier-l1, l1" flags.["--bias"]; 2
        | _, _, _, _, Error e -> eprintfn "error: %s" e; 2
        | _, Some dataPath, Some out, Some(Some bias), Ok tol ->
            try
                let data = CsvDataset.Load dataPath
                eprintfn "solving the %s max-margin problem for %s (N=%d, D=%d)" (bias.Name()) dataPath data.Count data.Dimension
                let s = MaxMargin.Solve(data, bias, tol)
                ReferenceFiles.write out data s
                printfn "%s: %s Wrote %s" (string s.Status) s.Message out
                if s.Status = SolverStatus.Optimal then 0 else 1
            with
            | :? DataFormatException as e -> eprintfn "error: %s" e.Message; 2
            | :? FileNotFoundException as e -> eprintfn "error: %s" e.Message; 2
            | :? DirectoryNotFoundException as e -> eprintfn "error: %s" e.Message; 2
            | :? ArgumentException as e -> eprintfn "error: %s" e.Message; 2
        | _ -> eprintfn "error: --bias is required (see --help)"; 2

    /// Runs the command line; returns the process exit code (0 ok, 1 not separable / not converged, 2 bad input).
    let main (args: string list) =
        match parseFlags args with
        | Error e -> eprintfn "error: %s" e; 2
        | Ok(_, true) -> printf "%s\n%s" usage KktCli.usage; 0
        | Ok(flags, false) when flags.IsEmpty -> printf "%s\n%s" usage KktCli.usage; 0
        | Ok(flags, false) ->
            match flags.ContainsKey "--bias", flags.ContainsKey "--kkt" with
            | true, true -> eprintfn "error: give either --bias or --kkt, not both"; 2
            | true, false -> runBias flags
            // The --kkt mode (stationarity certificates, issue 3 sections 2 and 5).
            | false, true -> KktCli.main args
            | false, false -> eprintfn "error: --bias l2|fourier-l1|l1 is required (see --help)"; 2
