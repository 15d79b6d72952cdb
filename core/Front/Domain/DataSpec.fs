namespace ImplicitBias

open System
open System.IO
open System.Security.Cryptography
open ImplicitBias.Engine.Data

open ImplicitBias.Engine.Fourier
/// A dataset generator and its parameters: data as a value, so that it can be swept and hashed.
type DataSpec =
    /// SyntheticData.GaussianTeacher(count, dimension, seed).
    | GaussianTeacher of count: int * dimension: int * seed: uint64
    /// SyntheticData.FourierSparseTeacher(count, dimension, frequencies, seed).
    | FourierSparseTeacher of count: int * dimension: int * frequencies: int * seed: uint64
    /// A CSV file in the format of CsvDataset (label first); hashed by its content.
    | CsvFile of path: string
    /// The UCI handwritten digits, label A (+1) against B (-1): the first COUNT images of each
    /// (all if None), each centred (DigitsDataset.Task); hashed by the file's content.
    | Digits of positive: int * negative: int * count: int option

/// Building, describing and varying dataset specifications.
module DataSpec =
    let private sha256Hex (bytes: byte[]) = Convert.ToHexString(SHA256.HashData bytes).ToLowerInvariant()

    /// Canonical text of a specification (CSV files by the SHA-256 of their content, so that an
    /// edited file is a different dataset).
    let describe spec =
        match spec with
        | GaussianTeacher(n, d, seed) -> $"gaussian-teacher(N={n},D={d},seed={seed})"
        | FourierSparseTeacher(n, d, k, seed) -> $"fourier-sparse-teacher(N={n},D={d},K={k},seed={seed})"
        | CsvFile path -> $"csv(sha256={sha256Hex (File.ReadAllBytes path)})"
        | Digits(a, b, count) ->
            let c = count |> Option.map string |> Option.defaultValue "all"
            let file =
                if File.Exists DigitsDataset.DefaultPath then sha256Hex (File.ReadAllBytes DigitsDataset.DefaultPath)
                else "missing"
            $"digits(A={a},B={b},count={c},sha256={file})"

    /// The generator's name (a column of the runs table).
    let generator spec =
        match spec with
        | GaussianTeacher _ -> "gaussian-teacher"
        | FourierSparseTeacher _ -> "fourier-sparse-teacher"
        | CsvFile _ -> "csv"
        | Digits _ -> "digits"

    /// Generates (or loads) the dataset.
    let create spec : Dataset =
        match spec with
        | GaussianTeacher(n, d, seed) -> SyntheticData.GaussianTeacher(n, d, seed)
        | FourierSparseTeacher(n, d, k, seed) -> SyntheticData.FourierSparseTeacher(n, d, k, seed)
        | CsvFile path -> CsvDataset.Load path
        | Digits(a, b, count) -> DigitsDataset.Task(a, b, Option.toNullable count)

    /// The same generator with another seed (CSV files have none and are returned unchanged).
    let withSeed seed spec =
        match spec with
        | GaussianTeacher(n, d, _) -> GaussianTeacher(n, d, seed)
        | FourierSparseTeacher(n, d, k, _) -> FourierSparseTeacher(n, d, k, seed)
        | CsvFile _
        | Digits _ -> spec

    /// The same generator with N points in dimension D (CSV files unchanged).
    let withSize count dimension spec =
        match spec with
        | GaussianTeacher(_, _, seed) -> GaussianTeacher(count, dimension, seed)
        | FourierSparseTeacher(_, _, k, seed) -> FourierSparseTeacher(count, dimension, k, seed)
        | CsvFile _
        | Digits _ -> spec

    /// Parses the command line's --data: "digits:A,B" or "digits:A,B:COUNT" (the digits task A against
    /// B), anything else a CSV file's path.
    let parse (text: string) : Result<DataSpec, string> =
        if not (text.StartsWith "digits:") then Ok(CsvFile text)
        else
            let bad () = Error ($"--data '{text}': expected digits:A,B or digits:A,B:COUNT with digits A <> B in " +
                                $"0..9 and COUNT >= 1")
            let digit (t: string) = match Int32.TryParse t with | true, v when v >= 0 && v <= 9 -> Some v | _ -> None
            match text.Substring(7).Split(':') with
            | [| pair |]
            | [| pair; _ |] as parts ->
                match pair.Split(',') |> Array.map digit, (if parts.Length = 2 then Some parts[1] else None) with
                | [| Some a; Some b |], None when a <> b -> Ok(Digits(a, b, None))
                | [| Some a; Some b |], Some c when a <> b ->
                    match Int32.TryParse c with
                    | true, count when count >= 1 -> Ok(Digits(a, b, Some count))
                    | _ -> bad ()
                | _ -> bad ()
            | _ -> bad ()

    /// The command line's --data that `parse` reads back as this specification: the digits task or the CSV
    /// file's path; None for the generators, which train.fsx reads from the CSV file make-data.fsx writes.
    let argument spec =
        match spec with
        | Digits(a, b, count) ->
            Some($"digits:{a},{b}" + (count |> Option.map (sprintf ":%d") |> Option.defaultValue ""))
        | CsvFile path -> Some path
        | GaussianTeacher _
        | FourierSparseTeacher _ -> None

    /// make-data.fsx's arguments writing `spec` to `out` (DataCli.parse reads them back); None for data it does not
    /// generate (CSV files, the digits).
    let generatorArguments (spec: DataSpec) (out: string) =
        let seed s = [ "--seed"; string (s: uint64); "--out"; out ]
        match spec with
        | GaussianTeacher(n, d, s) -> Some([ "--kind"; "gaussian"; "--n"; string n; "--d"; string d ] @ seed s)
        | FourierSparseTeacher(n, d, k, s) -> Some([ "--kind"; "fourier-sparse"; "--n"; string n; "--d"; string d;
                                                     "--k"; string k ] @ seed s)
        | CsvFile _
        | Digits _ -> None

    /// Reads the data the command line's --data names (see parse).
    let load (text: string) : Result<Dataset, string> = parse text |> Result.map create
