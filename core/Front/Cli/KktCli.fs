namespace ImplicitBias

open System
open System.Globalization
open System.IO
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Theory

/// Parsing the grid and kernel flags of the reference command line (--shape MxN, kernel:K1xK2).
module ShapeArgs =
    /// "MxN" with positive sides -> (M, N); "K" alone -> None unless allowed.
    let private pair (text: string) =
        let positive (t: string) =
            match Int32.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture) with
            | true, v when v >= 1 -> Some v
            | _ -> None
        match text.Split 'x' with
        | [| a; b |] -> (match positive a, positive b with | Some m, Some n -> Some(m, n) | _ -> None)
        | [| a |] -> positive a |> Option.map (fun k -> 1, k)
        | _ -> None

    /// --shape MxN: the grid of the features (M rows of N, row-major).
    let shape (text: string) =
        match text.Split 'x', pair text with
        | [| _; _ |], Some(m, n) -> Ok(Grid(m, n))
        | _ -> Error $"--shape: '{text}' is not MxN with positive integers (e.g. 8x8)"

    /// The kernel of --bias kernel:K (1 x K) or kernel:K1xK2 (2-D; needs --shape).
    let kernel (text: string) =
        match pair text with
        | Some(m, n) -> Ok(KernelSize(m, n))
        | None -> Error $"--bias kernel:{text}: the kernel must be K or K1xK2 with positive integers"

    /// The grid of D features: --shape if given (its size must be D), else the line 1 x D.
    let gridFor (shape: Grid option) (dimension: int) (dataPath: string) =
        match shape with
        | Some(g: Grid) when g.Count <> dimension -> failwith ($"--shape {g} has {g.Count} entries but {dataPath} " +
                                                               $"has D = {dimension} features")
        | Some g -> g
        | None -> Grid.Line dimension

/// The --kkt mode of scripts/reference.fsx: the stationarity certificate of eq. (10)-(13) for a
/// given beta, printed and written as JSON.
module KktCli =
    /// The usage text of the --kkt mode.
    let usage =
        """Stationarity certificate of beta for min ||beta_hat||_p (or ||beta||_p) s.t. y_n <x_n, beta> >= 1
(eq. 10-13 of the paper; p = 2/L for a depth-L convolutional or diagonal network).

dotnet fsi scripts/reference.fsx --data FILE.csv --kkt BETA.csv --p P --domain fourier|time
    [--shape MxN] [--active-tol T] [--support-tol S] [--out DIR]

  --data FILE.csv     first column the label (-1 or +1), the rest the features; optional header
                      (or digits:A,B[:COUNT], the handwritten digits as in train.fsx)
  --kkt BETA.csv      beta, one value a line (any scale; e.g. beta.csv written by train.fsx)
  --p P               exponent in (0, 1]: a number or a fraction such as 2/3
  --domain D          fourier (convolutional networks) or time (diagonal networks)
  --shape MxN         with --domain fourier: the features are M x N images (row-major) and eq. (11)-(13)
                      use the 2-D unitary DFT (2-D convolutional networks); M*N must be D
  --active-tol T      point n is active when its margin at unit minimum margin is <= 1 + T (default 1e-3)
  --support-tol S     entry j is in the support when |entry_j| > S * max |entry| (default 1e-3)
  --out DIR           also writes DIR/kkt.json
Exit code: 0 computed, 1 beta does not separate the data or is zero (the outcome says which), 2 bad input.
"""

    /// The certificate as JSON fields (every tolerance and convention stated).
    let toJson (data: Dataset) (grid: Grid) (c: StationarityCertificate) =
        let ints (xs: int[]) = JArray [ for x in xs -> JInt(int64 x) ]
        JObject [
            "outcome", JString(string c.Outcome)
            "p", JNumber c.P
            "domain", JString(c.Domain.ToString().ToLowerInvariant())
            "residual", JNumber c.Residual
            "off_support_max", JNumber c.OffSupportMax
            "minimum_margin", JNumber c.MinimumMargin
            "scale_to_unit_margin", JNumber c.Scale
            "equations", JInt(int64 c.Equations)
            "active_set", ints c.ActiveSet
            "support", ints c.Support
            "alpha", JArray [ for a in c.Alpha -> JNumber a ]
            "active_tolerance", JNumber c.Options.ActiveTolerance
            "support_threshold", JNumber c.Options.SupportThreshold
            "shape", JString(string grid)
            "conventions", JString ("unitary DFT (2-D on an M x N shape, frequencies flat row-major); alpha " +
                                    "certifies eq. (11) for ||.||_p^p at unit minimum margin; residual relative " +
                                    "over the support; support lists both k and -k of a conjugate pair")
            "data", JString data.Name
            "N", JInt(int64 data.Count)
            "D", JInt(int64 data.Dimension) ]

    /// Reads beta: one number a line (commas also separate), blank lines skipped.
    let readBeta (path: string) =
        if not (File.Exists path) then failwith $"{path}: file not found"
        File.ReadAllLines path
        |> Array.collect (fun l -> l.Split([| ','; ' '; '\t' |], StringSplitOptions.RemoveEmptyEntries))
        |> Array.mapi (fun i t ->
            match Double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture) with
            | true, v when Double.IsFinite v -> v
            | _ -> failwith $"{path}: value {i + 1} ('{t}') is not a finite number")

    /// Parses p: a number or a fraction a/b, in (0, 1].
    let parseP (text: string) =
        let num (t: string) = Double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture)
        let value =
            match text.Split '/' with
            | [| a; b |] -> (match num a, num b with | (true, x), (true, y) when y <> 0.0 -> Some(x / y) | _ -> None)
            | [| a |] -> (match num a with | true, x -> Some x | _ -> None)
            | _ -> None
        match value with
        | Some p when p > 0.0 && p <= 1.0 -> Ok p
        | _ -> Error $"--p: '{text}' is not a number in (0, 1] (for depth L use 2/L)"

    type private Parsed =
        { Data: string option; Beta: string option; P: float option; Domain: PenaltyDomain option
          Active: float; Support: float; Out: string option; Shape: Grid option }

    let private parse (args: string list) =
        let number flag (t: string) =
            match Double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture) with
            | true, v when v >= 0.0 && Double.IsFinite v -> Ok v
            | _ -> Error $"{flag}: '{t}' is not a non-negative number"
        let rec go (p: Parsed) args =
            match args with
            | [] -> Ok p
            | (flag: string) :: value :: rest when flag.StartsWith "--" ->
                let next =
                    match flag with
                    | "--data" -> Ok { p with Data = Some value }
                    | "--kkt" -> Ok { p with Beta = Some value }
                    | "--out" -> Ok { p with Out = Some value }
                    | "--p" -> parseP value |> Result.map (fun v -> { p with P = Some v })
                    | "--domain" ->
                        match value with
                        | "fourier" -> Ok { p with Domain = Some PenaltyDomain.Fourier }
                        | "time" -> Ok { p with Domain = Some PenaltyDomain.Time }
                        | _ -> Error $"--domain: '{value}' is not fourier or time"
                    | "--shape" -> ShapeArgs.shape value |> Result.map (fun g -> { p with Shape = Some g })
                    | "--active-tol" -> number flag value |> Result.map (fun v -> { p with Active = v })
                    | "--support-tol" -> number flag value |> Result.map (fun v -> { p with Support = v })
                    | _ -> Error $"unknown flag '{flag}' for --kkt (see --help)"
                next |> Result.bind (fun p -> go p rest)
            | [ flag ] -> Error $"{flag}: missing value"
            | other :: _ -> Error $"unexpected argument '{other}'"
        go { Data = None; Beta = None; P = None; Domain = None; Active = 1e-3; Support = 1e-3; Out = None;
             Shape = None } args

    /// Runs the --kkt mode; returns the exit code (0 computed, 1 not separating, 2 bad input).
    let main (args: string list) =
        if args |> List.exists (fun a -> a = "--help" || a = "-h") then printf "%s" usage; 0
        else
        match parse args with
        | Error e -> eprintfn "error: %s" e; 2
        | Ok parsed when parsed.Shape.IsSome && parsed.Domain = Some PenaltyDomain.Time ->
            eprintfn "error: --shape applies to --domain fourier only (the time-domain certificate does not depend on the image shape)"; 2
        | Ok parsed ->
        match parsed.Data, parsed.Beta, parsed.P, parsed.Domain with
        | Some dataPath, Some betaPath, Some p, Some domain ->
            try
                let data = match DataSpec.load dataPath with Ok d -> d | Error e -> raise (ArgumentException e)
                let beta = readBeta betaPath
                if beta.Length <> data.Dimension then
                    failwith $"{betaPath} has {beta.Length} values but {dataPath} has D = {data.Dimension}"
                let grid = ShapeArgs.gridFor parsed.Shape data.Dimension dataPath
                let c = BridgeStationarity.Certify(data, ReadOnlySpan beta, p, domain, grid,
                                                   StationarityOptions(parsed.Active, parsed.Support))
                let json = toJson data grid c
                printfn "%s" (Json.serialize json)
                match parsed.Out with
                | Some dir -> AtomicFile.writeAllText (Path.Combine(dir, "kkt.json")) (Json.serialize json)
                | None -> ()
                eprintfn "%s: relative residual of eq. (11) %.3e, %d active points, support of %d entries"
                    (string c.Outcome) c.Residual c.ActiveSet.Length c.Support.Length
                if c.Outcome = CertificateOutcome.Computed then 0 else 1
            with
            | :? DataFormatException as e -> eprintfn "error: %s" e.Message; 2
            | :? ArgumentException as e -> eprintfn "error: %s" e.Message; 2
            | Failure msg -> eprintfn "error: %s" msg; 2
        | _ -> eprintfn "error: --kkt needs --data FILE.csv, --kkt BETA.csv, --p P and --domain fourier|time (see --help)"; 2
