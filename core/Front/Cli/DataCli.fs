namespace ImplicitBias

open System
open ImplicitBias.Engine.Data

/// Seeded synthetic datasets by name, and the command line of scripts/make-data.fsx.
module DataCli =
    /// Builds a generator's dataset: "gaussian" (Gaussian teacher) or "fourier-sparse" (teacher with k frequencies).
    let generate (kind: string) (n: int) (d: int) (k: int) (seed: uint64) =
        match kind with
        | "gaussian" -> Ok(SyntheticData.GaussianTeacher(n, d, seed))
        | "fourier-sparse" -> Ok(SyntheticData.FourierSparseTeacher(n, d, k, seed))
        | _ -> Error $"unknown kind '{kind}'; expected gaussian or fourier-sparse"

    /// Runs the command line; returns the exit code.
    let main (args: string list) =
        let rec collect acc args =
            match args with
            | [] -> Ok acc
            | flag :: value :: rest when (flag: string).StartsWith "--" -> collect (Map.add flag value acc) rest
            | other :: _ -> Error $"unexpected argument '{other}'"
        let int' (m: Map<string, string>) flag fallback =
            match m.TryFind flag with
            | None -> Ok fallback
            | Some t ->
                match Int32.TryParse(t: string) with
                | true, v when v >= 1 -> Ok v
                | _ -> Error $"{flag}: '{t}' is not a positive integer"
        let result =
            collect Map.empty args
            |> Result.bind (fun m ->
                match m.TryFind "--out" with
                | None -> Error "--out FILE.csv is required"
                | Some out ->
                    int' m "--n" 10 |> Result.bind (fun n ->
                    int' m "--d" 32 |> Result.bind (fun d ->
                    int' m "--k" 3 |> Result.bind (fun k ->
                    int' m "--seed" 1 |> Result.bind (fun seed ->
                    generate (defaultArg (m.TryFind "--kind") "gaussian") n d k (uint64 seed)
                    |> Result.map (fun data -> CsvDataset.Save(data, out); out, data))))))
        match result with
        | Ok(out, data) -> printfn "wrote %s: %s" out data.Name; 0
        | Error e -> eprintfn "error: %s" e; 2
