namespace ImplicitBias

open System
open System.Globalization
open System.IO
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Reference

/// Writing a reference solution to a folder: beta.csv (unit-norm direction) and certificate.json.
module ReferenceFiles =
    let private inv (x: float) = x.ToString("R", CultureInfo.InvariantCulture)

    /// The fields every certificate shares: status, message, solver, objectives, gap, margins, dual.
    let private common (data: Dataset) status message solver primal dual gap minMargin (beta: float[])
                       (alpha: float[]) iterations seconds =
        let norm = Geometry.Norm(ReadOnlySpan beta)
        [ "status", JString(string status)
          "message", JString message
          "solver", JString solver
          "objective", JNumber primal
          "dual_objective", JNumber dual
          "relative_duality_gap", JNumber gap
          "min_margin", JNumber minMargin
          "normalized_margin_l2",
              JNumber(if status <> SolverStatus.NotSeparable && norm > 0.0 then minMargin / norm else nan)
          "beta_norm_l2", JNumber norm
          "dual", JArray [ for a in alpha -> JNumber a ]
          "iterations", JInt(int64 iterations)
          "seconds", JNumber seconds
          "data", JString data.Name
          "N", JInt(int64 data.Count)
          "D", JInt(int64 data.Dimension) ]

    /// The certificate of a solution as JSON fields.
    let certificate (data: Dataset) (s: MaxMarginSolution) =
        JObject(
            [ "bias", JString(s.Bias.Name())
              "support_vectors", JArray [ for n in s.SupportVectors() -> JInt(int64 n) ]
              "shape", (if s.Grid.HasValue then JString(string s.Grid.Value) else JNull) ]
            @ common data s.Status s.Message s.Solver s.PrimalObjective s.DualObjective s.RelativeGap s.MinMargin
                     s.Beta s.Dual s.Iterations s.Seconds)

    /// The certificate of an R_K solution as JSON fields: as above, with the kernel, the shape, the factor Z
    /// (A_K(Z) = beta at unit margin, objective 2 ||Z||_*) and ||A_K^*(sum alpha_n y_n x_n)||_op (2 when feasible).
    let kernelCertificate (data: Dataset) (s: KernelMaxMarginSolution) =
        JObject(
            [ "bias", JString s.BiasName
              "kernel", JString(string s.Kernel)
              "shape", JString(string s.Grid)
              "dual_operator_norm", JNumber s.DualOperatorNorm
              "rank", JInt(int64 s.Rank)
              "factor",
                  JArray [ for t in 0 .. s.Factor.RowCount - 1 ->
                             JArray [ for i in 0 .. s.Factor.ColumnCount - 1 -> JNumber s.Factor.[t, i] ] ]
              "conventions", JString ("R_K(beta) = 2 min ||Z||_* s.t. A_K(Z) = beta, A_K(Z)[j] = D^-1/2 sum_t Z[t, " +
                                      "j - offset(t)], offset(t) the t-th kernel entry (row-major) on the grid; " +
                                      "factor rows t, columns j") ]
            @ common data s.Status s.Message s.Solver s.PrimalObjective s.DualObjective s.RelativeGap s.MinMargin
                     s.Beta s.Dual s.Iterations s.Seconds)

    /// Writes beta.csv (or removes a stale one when there is no predictor) and the certificate JSON.
    let private writeFiles (dir: string) (notSeparable: bool) (direction: float[]) (json: JsonValue) =
        Directory.CreateDirectory dir |> ignore
        let betaPath = Path.Combine(dir, "beta.csv")
        if notSeparable then File.Delete betaPath
        else AtomicFile.writeAllLines betaPath (direction |> Seq.map inv)
        AtomicFile.writeAllText (Path.Combine(dir, "certificate.json")) (Json.serialize json)

    /// Writes an R_K solution (beta.csv and certificate.json).
    let writeKernel (dir: string) (data: Dataset) (s: KernelMaxMarginSolution) =
        writeFiles dir (s.Status = SolverStatus.NotSeparable) s.Direction (kernelCertificate data s)

    /// Writes certificate.json, and beta.csv (the direction Beta/||Beta||_2) only when there is a
    /// predictor: for non-separable data a stale beta.csv is removed rather than left behind.
    let write (dir: string) (data: Dataset) (s: MaxMarginSolution) =
        writeFiles dir (s.Status = SolverStatus.NotSeparable) s.Direction (certificate data s)

/// The command line of scripts/reference.fsx.
module ReferenceCli =
    /// The usage text printed by --help.
    let usage =
        """Reference solutions the paper predicts, with certificates.

dotnet fsi scripts/reference.fsx --data FILE.csv --bias l2|fourier-l1|l1|kernel:K|kernel:K1xK2 --out DIR
    (group-nuclear, group-bridge: below)
    [--shape MxN] [--gap-tolerance T]
  --data FILE.csv     first column the label (-1 or +1), the rest the features; optional header
                      (or digits:A,B[:COUNT], the handwritten digits as in train.fsx)
  --bias NAME         l2         min ||beta||_2       (fully connected networks, Theorem 1)
                      fourier-l1 min ||beta_hat||_1   (convolutional depth 2, Theorem 2; with --shape
                                 the 2-D unitary DFT of M x N images: 2-D convolutions of depth 2)
                      l1         min ||beta||_1       (diagonal depth 2, Lemma 6)
                      kernel:K   min R_K(beta), R_K(beta) = 2 min { ||Z||_* : A_K(Z) = beta }: depth-2
                                 networks with kernels of size K and any number of channels (COLT 2022);
                                 kernel:K1xK2 with --shape for K1 x K2 kernels on M x N images
                      each subject to y_n <x_n, beta> >= 1 (homogeneous, no bias term)
  --shape MxN         the features are M x N images, row-major (feature i*N + j is pixel (i, j));
                      only for fourier-l1 and kernel:..., M*N must be the number of features
  --out DIR           writes DIR/beta.csv (unit-norm direction, one value a line) and
                      DIR/certificate.json (objective, dual objective, relative duality gap,
                      minimum margin, status, dual alpha, support vectors, solver, time)
  --gap-tolerance T   status Optimal needs a certified relative gap <= T (default 1e-8)
Exit code: 0 optimal, 1 not separable or not converged (certificate.json says which), 2 bad input.
(dotnet fsi takes --help for itself: run `dotnet fsi scripts/reference.fsx -- --help`, or no arguments.)
"""

    let private biasFlags = set [ "--data"; "--bias"; "--out"; "--gap-tolerance"; "--shape" ]

    /// What --bias asks for: one of the paper's norms, or R_K of a kernel.
    type BiasChoice =
        | Norm of MarginBias
        | Kernel of KernelSize

    /// Parses --bias: l2, fourier-l1, l1, kernel:K, kernel:K1xK2.
    let parseBias (text: string) =
        if text.StartsWith "kernel:" then ShapeArgs.kernel (text.Substring 7) |> Result.map Kernel
        else
            match MarginNorms.Parse text |> Option.ofNullable with
            | Some b -> Ok(Norm b)
            | None -> Error ($"--bias '{text}' is not one of l2, fourier-l1, l1, kernel:K, kernel:K1xK2, " +
                             "group-nuclear, group-bridge")

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
        let shape =
            match flags.TryFind "--shape" with
            | None -> Ok None
            | Some t -> ShapeArgs.shape t |> Result.map Some
        let bias =
            match flags.TryFind "--bias" |> Option.map parseBias, shape with
            | Some(Ok(Norm b)), Ok(Some _) when b <> MarginBias.FourierL1 ->
                Error ($"--shape applies to fourier-l1 and kernel:... only ({b.Name()} does not depend on the image " +
                       $"shape)")
            | Some(Ok(Kernel k)), Ok None when k.Rows > 1 -> Error ($"--bias kernel:{k} is a 2-D kernel: give the " +
                                                                    $"image shape with --shape MxN")
            | Some(Ok(Kernel k)), Ok(Some g) when k.Rows = 1 && not g.IsLine -> Error ($"--bias kernel:{k}: on {g} " +
                                                                                       $"images give the kernel as " +
                                                                                       $"K1xK2")
            | Some b, _ -> b |> Result.map Some
            | None, _ -> Ok None
        match unknown, flags.TryFind "--data", flags.TryFind "--out", bias, tolerance, shape with
        | f :: _, _, _, _, _, _ -> eprintfn "error: unknown flag '%s' for --bias (see --help)" f; 2
        | _, None, _, _, _, _ -> eprintfn "error: --data FILE.csv is required (see --help)"; 2
        | _, _, None, _, _, _ -> eprintfn "error: --out DIR is required (see --help)"; 2
        | _, _, _, Error e, _, _ | _, _, _, _, Error e, _ | _, _, _, _, _, Error e -> eprintfn "error: %s" e; 2
        | _, Some dataPath, Some out, Ok(Some choice), Ok tol, Ok shape ->
            try
                let data = match DataSpec.load dataPath with Ok d -> d | Error e -> raise (ArgumentException e)
                let grid = ShapeArgs.gridFor shape data.Dimension dataPath
                match choice with
                | Norm bias ->
                    eprintfn "solving the %s max-margin problem for %s (N=%d, D=%d%s)"
                        (bias.Name()) dataPath data.Count data.Dimension
                        (if shape.IsSome then $", {grid} images" else "")
                    let s =
                        // --shape is only accepted for fourier-l1
                        if shape.IsSome then FourierL1MaxMargin.Solve(data, grid, tol)
                        else MaxMargin.Solve(data, bias, tol)
                    ReferenceFiles.write out data s
                    printfn "%s: %s Wrote %s" (string s.Status) s.Message out
                    if s.Status = SolverStatus.Optimal then 0 else 1
                | Kernel kernel ->
                    eprintfn "solving the R_K max-margin problem (kernel %O on %O) for %s (N=%d, D=%d)"
                        kernel grid dataPath data.Count data.Dimension
                    let s = KernelNormMaxMargin.Solve(data, grid, kernel, tol)
                    ReferenceFiles.writeKernel out data s
                    printfn "%s: %s Wrote %s" (string s.Status) s.Message out
                    if s.Status = SolverStatus.Optimal then 0 else 1
            with
            | :? DataFormatException as e -> eprintfn "error: %s" e.Message; 2
            | :? FileNotFoundException as e -> eprintfn "error: %s" e.Message; 2
            | :? DirectoryNotFoundException as e -> eprintfn "error: %s" e.Message; 2
            | :? ArgumentException as e -> eprintfn "error: %s" e.Message; 2
            | Failure msg -> eprintfn "error: %s" msg; 2
        | _ -> eprintfn "error: --bias is required (see --help)"; 2

    /// Runs the command line; returns the process exit code (0 ok, 1 not separable / not converged, 2 bad input).
    let main (args: string list) =
        match parseFlags args with
        | Error e -> eprintfn "error: %s" e; 2
        | Ok(_, true) -> printf "%s\n%s\n%s" usage KktCli.usage GroupCli.usage; 0
        | Ok(flags, false) when flags.IsEmpty -> printf "%s\n%s\n%s" usage KktCli.usage GroupCli.usage; 0
        | Ok(flags, false) ->
            match flags.ContainsKey "--bias", flags.ContainsKey "--kkt" with
            | true, true -> eprintfn "error: give either --bias or --kkt, not both"; 2
            | true, false when GroupCli.isGroupBias flags["--bias"] -> GroupCli.runBias flags
            | true, false when flags.ContainsKey "--group" ->
                eprintfn "error: --group applies to --bias group-nuclear|group-bridge and --kkt only"; 2
            | true, false -> runBias flags
            | false, true when flags.ContainsKey "--group" -> GroupCli.kkt flags
            // The --kkt mode (stationarity certificates, issue 3 sections 2 and 5).
            | false, true -> KktCli.main args
            | false, false -> eprintfn "error: --bias l2|fourier-l1|l1|kernel:K is required (see --help)"; 2
