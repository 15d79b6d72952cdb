namespace ImplicitBias

open System
open ImplicitBias.Engine.Data

open ImplicitBias.Engine.Fourier
/// The command line of scripts/make-data.fsx: a seeded synthetic dataset written as CSV.
module DataCli =
    /// The generator's specification and the output file the arguments name: --kind gaussian (Gaussian
    /// teacher) or fourier-sparse (teacher with --k frequencies), --n, --d, --k positive, --seed any uint64
    /// (CliArgs.seed), --out required. Defaults: gaussian, N = 10, D = 32, K = 3, seed 1.
    let parse (args: string list) : Result<DataSpec * string, string> =
        let rec collect acc args =
            match args with
            | [] -> Ok acc
            | flag :: value :: rest when (flag: string).StartsWith "--" -> collect (Map.add flag value acc) rest
            | other :: _ -> Error $"unexpected argument '{other}'"
        let positive (m: Map<string, string>) flag fallback =
            match m.TryFind flag with
            | None -> Ok fallback
            | Some t ->
                match Int32.TryParse(t: string) with
                | true, v when v >= 1 -> Ok v
                | _ -> Error $"{flag}: '{t}' is not a positive integer"
        collect Map.empty args
        |> Result.bind (fun m ->
            match m.TryFind "--out" with
            | None -> Error "--out FILE.csv is required"
            | Some out ->
                positive m "--n" 10 |> Result.bind (fun n ->
                positive m "--d" 32 |> Result.bind (fun d ->
                positive m "--k" 3 |> Result.bind (fun k ->
                m.TryFind "--seed" |> Option.map (CliArgs.seed "--seed") |> Option.defaultValue (Ok 1UL)
                |> Result.bind (fun seed ->
                match defaultArg (m.TryFind "--kind") "gaussian" with
                | "gaussian" -> Ok(GaussianTeacher(n, d, seed), out)
                | "fourier-sparse" -> Ok(FourierSparseTeacher(n, d, k, seed), out)
                | kind -> Error $"unknown kind '{kind}'; expected gaussian or fourier-sparse")))))

    /// Runs the command line; returns the exit code (0 written, 2 bad input).
    let main (args: string list) =
        match parse args with
        | Ok(spec, out) ->
            let data = DataSpec.create spec
            CsvDataset.Save(data, out)
            printfn "wrote %s: %s" out data.Name
            0
        | Error e -> eprintfn "error: %s" e; 2
