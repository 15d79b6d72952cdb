namespace ImplicitBias

open System
open System.Globalization
open System.IO
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Training

/// The command line of scripts/train.fsx.
module TrainCli =
    /// The usage text printed by --help.
    let usage =
        $"""Train a linear network by gradient descent on a CSV dataset (label first, then features).

(dotnet fsi takes a plain --help itself: for this text run the script with no arguments, or with -- --help)

dotnet fsi scripts/train.fsx --data FILE.csv --model linear|fc|diag|conv|gconv --depth L
    [--group NAME] [--shape MxN] [--kernel K|K1xK2] [--channels C] [--steps N] [--time-limit SECONDS] [--step settling:ETA:RHO:KAPPA[:CAP[:midpoint][:floor-after-cap]]|normalized:ETA[:RHO]|fixed:ETA|degree:ETA]
    [--late HANDOVER:SLIDING:TOLERANCE|off] [--loss exp|logistic] [--init-scale S] [--seed S] [--log-loss-target T] [--converged-angle RAD] --out DIR

  --data FILE.csv     first column the label (-1 or +1), the rest the features; optional header
  --data digits:A,B[:COUNT]  the UCI handwritten digits (8 x 8), A (+1) against B (-1), the first
                      COUNT images of each (all if omitted), each centred (needs python3-sklearn)
  --model NAME        linear | fc | diag | conv | conv-time (conv evaluated in the time domain) | gconv
                      (group convolutions, in the group Fourier domain) | gconv-time (in the group domain)
  --group NAME        gconv only: the finite group, Cn, Dn (order 2n), Q8, A4, S4, products such as
                      C4xC4, or SmallGroup(n,k) (GAP); D must be |G|, features in the group's element
                      order (docs/training.md); limits: group nuclear norm at L = 2, the Schatten-2/L
                      bridge of the Fourier blocks at L >= 3
  --depth L           number of layers (default 2; ignored for linear)
  --shape MxN         the features are M x N images, row-major (feature i*N + j is pixel (i, j)); M*N
                      must be D. Makes conv 2-D (circular convolutions on Z_M x Z_N, the 2-D DFT); for
                      diag, fc and linear the network is the same on the flattened image
  --kernel K|K1xK2    conv only: kernels of size K (1-D) or K1 x K2 (with --shape) in layers 1..L-1
                      (default: full width, the paper's network); the last layer stays full width
  --channels C        conv at depth 2 only: C channels, f(x) = sum_c <x * u_c, v_c> (default 1)
                      (limits: R_K max margin for kernels at depth 2, the 2-D references for 2-D conv;
                      kernel nets of depth >= 3 have none, only Theorem 4's KKT residual)
  --steps N           step budget (default: unlimited, the time limit decides)
  --time-limit S      wall-clock budget in seconds (default 20)
  --step RULE         settling:ETA:RHO:KAPPA[:CAP[:midpoint][:floor-after-cap]] (default {Run.defaults.Step.Describe()}: log L falls by
                      about ETA a step; w moves by at most CAP ||w|| (capped steps second order with
                      :midpoint) and, once the data is fit, by at
                      least a floor <= RHO ||w|| that is KAPPA times the direction's speed (measured
                      after the capped phase with :floor-after-cap), so the direction settles), normalized:ETA[:RHO] (a fixed floor RHO: faster, then hovers
                      at O(RHO)), fixed:ETA (the paper's eq. 7) or degree:ETA
  --late H:S:TOL      the late phase (default 1.5:12:1E-07): from theta = log(-log L) = H the gradient flow is
                      integrated (the exact flow, implicit; from theta = S its sliding mode), local error TOL
                      rad a step (docs/late-phase.md); off: the step rule all the way
  --loss NAME         exp (default, the paper's) or logistic
  --init-scale S      each layer starts with Euclidean norm about S (default 0.5)
  --seed S            initialization seed, a whole number from 0 to 2^64 - 1 (default 1)
  --log-loss-target T stop once log L <= T (default: never)
  --converged-angle A stop as Converged once the angle to the certified limit is below A radians,
                      still shrinking, and the limit certified (default 1e-6; 0: never)
  --out DIR           writes beta.csv, limit.csv (the certified limit), summary.json, trajectory.csv,
                      directions.csv, spectra.csv

Exit codes: 0 trained (Converged, or NotConverged: stopped by --steps, --time-limit or
--log-loss-target, with the angle reached), 2 bad input (also: points whose norms differ by more
than 2^500, which training cannot follow), 3 the data is not linearly separable through the origin
(summary.json only, with the evidence: weights whose combination of the y_n x_n is 0 to rounding).
"""

    /// Parsed command-line arguments.
    type Parsed =
        { Spec: RunSpec; Data: string option; Out: string option; Help: bool
          /// --kernel was a plain K (1-D): refused with a 2-D --shape, where K1xK2 is needed.
          PlainKernel: bool }

    let private number (flag: string) (text: string) parse =
        match parse text with
        | true, v -> Ok v
        | _ -> Error $"{flag}: '{text}' is not a valid value"

    let private float' flag text =
        number flag text (fun (t: string) -> Double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture))

    let private positive flag text =
        float' flag text
        |> Result.bind (fun v -> if v > 0.0 && Double.IsFinite v then Ok v else Error ($"{flag}: must be a positive " +
                                                                                       $"number (got {text})"))

    /// "MxN" (or a plain "K" when allowed, read as 1 x K) as two sides >= 1.
    let private sides (flag: string) (allowPlain: bool) (text: string) =
        let side (t: string) = match Int32.TryParse t with | true, v when v >= 1 -> Some v | _ -> None
        match text.Split 'x' with
        | [| a; b |] ->
            match side a, side b with
            | Some m, Some n -> Ok(m, n)
            | _ -> Error $"{flag}: '{text}' needs two whole numbers >= 1, e.g. 8x8"
        | [| k |] when allowPlain ->
            match side k with
            | Some k -> Ok(1, k)
            | None -> Error $"{flag}: '{text}' is not a whole number >= 1"
        | _ ->
            let form = if allowPlain then "K or K1xK2" else "MxN"
            Error $"{flag}: '{text}' is not of the form {form}"

    /// The checks that need no data: the group option's (Model.groupFlagsProblem); --kernel and --channels only with
    /// conv, channels only at depth 2, K1xK2 kernels only with --shape, and a plain K only on a 1-D shape.
    let private checkFlags (p: Parsed) =
        let s = p.Spec
        let twoD = s.Shape |> Option.exists (fun g -> not g.IsLine)
        let model = Model.name s.Model
        match Model.groupFlagsProblem s.Model s.Shape s.Kernel s.Channels s.Group, s.Kernel with
        | Some problem, _ -> Error problem
        | None, Some _ when s.Model <> Convolutional ->
            Error $"--kernel applies to --model conv only (got --model {model})"
        | None, Some k when k.Rows > 1 && s.Shape.IsNone ->
            Error $"--kernel {k.Rows}x{k.Columns} is 2-D: give the image's --shape MxN"
        | None, Some k when p.PlainKernel && twoD ->
            Error $"--kernel {k.Columns} is 1-D but --shape is 2-D: give K1xK2, e.g. {k.Columns}x{k.Columns}"
        | None, _ ->
            if s.Channels > 1 && s.Model <> Convolutional then
                Error $"--channels applies to --model conv only (got --model {model})"
            elif s.Channels > 1 && s.Depth <> 2 then
                Error ($"--channels {s.Channels} needs --depth 2 (deeper kernel networks have one channel; got " +
                       $"--depth {s.Depth})")
            elif s.Model = ConvolutionalTime && twoD then
                Error "--model conv-time is the 1-D time-domain twin; use --model conv with --shape"
            else Ok p

    /// Parses the arguments (without the script name) into settings, data path and output folder.
    let parse (args: string list) =
        let rec go (p: Parsed) args =
            let s = p.Spec
            match args with
            | [] -> if p.Help then Ok p else checkFlags p
            | ("--help" | "-h" | "help") :: rest -> go { p with Help = true } rest
            | flag :: value :: rest when flag.StartsWith "--" ->
                let next =
                    match flag with
                    | "--data" -> Ok { p with Data = Some value }
                    | "--out" -> Ok { p with Out = Some value }
                    | "--group" ->
                        GroupName.parse value |> Result.map (fun _ -> { p with Spec = { s with Group = Some value } })
                    | "--model" -> Model.parse value |> Result.map (fun k -> { p with Spec = { s with Model = k } })
                    | "--depth" ->
                        number flag value Int32.TryParse
                        |> Result.bind (fun d ->
                            if d >= 1 then Ok { p with Spec = { s with Depth = d } }
                            else Error $"--depth: must be at least 1 (got {value})")
                    | "--steps" ->
                        number flag value Int64.TryParse
                        |> Result.bind (fun n ->
                            if n >= 0L then Ok { p with Spec = { s with MaxSteps = n } }
                            else Error $"--steps: must be >= 0 (got {value})")
                    | "--time-limit" -> positive flag value
                                        |> Result.map (fun t -> { p with Spec = { s with TimeLimitSeconds = t } })
                    | "--step" ->
                        try Ok { p with Spec = { s with Step = StepRule.Parse value } }
                        with :? ArgumentException as e -> Error $"--step: {e.Message}"
                    | "--shape" ->
                        sides flag false value
                        |> Result.map (fun (m, n) -> { p with Spec = { s with Shape = Some(Grid(m, n)) } })
                    | "--kernel" ->
                        sides flag true value
                        |> Result.map (fun (m, n) ->
                            { p with Spec = { s with Kernel = Some(KernelSize(m, n)) }
                                     PlainKernel = not (value.Contains 'x') })
                    | "--channels" ->
                        number flag value Int32.TryParse
                        |> Result.bind (fun c ->
                            if c >= 1 then Ok { p with Spec = { s with Channels = c } }
                            else Error $"--channels: must be at least 1 (got {value})")
                    | "--late" when value = "off" -> Ok { p with Spec = { s with Late = None } }
                    | "--late" ->
                        try Ok { p with Spec = { s with Late = Some(Late.LatePhaseSettings.Parse value) } }
                        with :? ArgumentException as e -> Error $"--late: {e.Message} Or 'off'."
                    | "--loss" -> Loss.parse value |> Result.map (fun l -> { p with Spec = { s with Loss = l } })
                    | "--init-scale" -> positive flag value
                                        |> Result.map (fun v -> { p with Spec = { s with InitScale = v } })
                    | "--seed" -> CliArgs.seed flag value
                                  |> Result.map (fun v -> { p with Spec = { s with Seed = v } })
                    | "--log-loss-target" -> float' flag value
                                             |> Result.map (fun v -> { p with Spec = { s with LogLossTarget = v } })
                    | "--converged-angle" ->
                        float' flag value
                        |> Result.bind (fun v ->
                            if v >= 0.0 && Double.IsFinite v then
                                Ok { p with Spec = { s with ConvergenceAngle = v } }
                            else Error $"--converged-angle: must be a number of radians >= 0 (got {value})")
                    | _ -> Error $"unknown flag '{flag}' (see: dotnet fsi scripts/train.fsx -- --help)"
                next |> Result.bind (fun p -> go p rest)
            | [ flag ] when flag.StartsWith "--" -> Error $"{flag}: missing value"
            | other :: _ -> Error $"unexpected argument '{other}' (see: dotnet fsi scripts/train.fsx -- --help)"
        go { Spec = Run.defaults; Data = None; Out = None; Help = false; PlainKernel = false } args

    /// "log L = x", or "log(-log L) = y" once log L has left the double range.
    let private lossText (r: TrainingRecord) =
        if Double.IsFinite r.LogLoss then sprintf "log L = %.6g" r.LogLoss
        else sprintf "log(-log L) = %.6g" r.LogNegativeLogLoss

    /// Progress on stderr: a line at most every two seconds of training.
    let private progress () =
        let mutable last = -infinity
        fun (r: TrainingRecord) (angle: LimitAngle option) ->
            if r.Seconds - last >= 2.0 then
                last <- r.Seconds
                let toLimit =
                    match angle with
                    | Some a -> sprintf "  angle to limit = %.3g rad (step %d)" a.Angle a.Step
                    | None -> ""
                eprintfn "  step %d  %.1fs  %s  normalized margin = %.6g%s"
                    r.Step r.Seconds (lossText r) r.NormalizedMargin toLimit

    /// The outcome line: Converged, NotConverged (stopped by a budget or target) with the angle reached, or the
    /// engine's outcome.
    let outcomeLine (run: TrackedRun) =
        let r = run.Result
        let angle =
            match run.Limit, run.AngleToLimit with
            | Some l, Some a -> sprintf "angle %.3g rad to the certified limit (residual %.3g)" a l.Residual
            | Some l, None -> sprintf "no angle to the certified limit (beta = 0; residual %.3g)" l.Residual
            | None, _ -> "no certified limit"
        let word = RunFiles.verdict r
        let because = if word = "NotConverged" then sprintf " (%O)" r.Outcome else ""
        let tracking =
            if run.TrackingSolves = 0 && run.FinalLimitSeconds = 0.0 then ""
            else sprintf " (limit solves: %d taking %.1f s during the run, %.1f s after it)"
                     run.TrackingSolves run.TrackingSeconds run.FinalLimitSeconds
        sprintf "%s: %s%s after %d steps in %.1f s%s (%.0f steps/s): %s, normalized margin = %.6g"
            word angle because r.Steps r.Seconds tracking
            (if Double.IsFinite r.StepsPerSecond then r.StepsPerSecond else 0.0)
            (lossText r.Final) r.Final.NormalizedMargin

    /// What is printed for data that is not separable: the weights and the scale-free size of their combination.
    let evidenceLines (e: NotSeparableEvidence) =
        let weights = e.Weights |> Array.mapi (fun n w -> sprintf "alpha_%d = %.6g" (n + 1) w) |> String.concat ", "
        [ "NotSeparable: no direction separates the data through the origin."
          sprintf "  evidence: weights (alpha >= 0, sum 1) %s" weights
          sprintf "  give ||sum_n alpha_n y_n x_n|| = %.3g * sum_n alpha_n ||x_n||, 0 to the rounding of its own terms (tolerance %.3g),"
              e.RelativeCombination e.Tolerance
          sprintf "  so every beta has min_n y_n <x_n, beta> / (||x_n|| ||beta||) <= %.3g: not separable, or only with a margin below double precision"
              e.RelativeCombination ]

    /// Runs the command line; returns the process exit code (0 ok, 2 bad input, 3 not separable). Note: `dotnet fsi`
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
                    let data = match DataSpec.load dataPath with Ok d -> d | Error e -> raise (ArgumentException e)
                    let s = p.Spec
                    // refuses options that do not fit the data before training
                    let model = RunSpec.parameterization s data.Dimension
                    eprintfn "training %s depth %d (%s) on %s (N=%d, D=%d), %s, loss %s" (Model.name s.Model) s.Depth
                        model.Name dataPath data.Count data.Dimension (s.Step.Describe()) (Loss.name s.Loss)
                    s.Group |> Option.iter (fun g ->
                        eprintfn "group %s (order %d): %s" g data.Dimension (GroupName.group g).ElementOrder)
                    if (Limits.kindOf s data.Dimension).IsNone then
                        eprintfn "note: the theory gives %s no reference limit (a kernel net of depth >= 3: only Theorem 4's KKT point); training to the budget, the KKT residual is in summary.json"
                            model.Name
                    Separability.decide data |> Separability.note |> Option.iter (eprintfn "note: %s")
                    let run = Run.trainTracked (progress ()) s data
                    RunFiles.write out s data run
                    match run.NotSeparable with
                    | Some evidence ->
                        for line in evidenceLines evidence do printfn "%s" line
                        printfn "wrote %s" (Path.Combine(out, "summary.json"))
                        3
                    | None ->
                        printfn "%s; wrote %s" (outcomeLine run) out
                        0
                with
                | :? DataFormatException as e -> eprintfn "error: %s" e.Message; 2
                | :? ArgumentException as e -> eprintfn "error: %s" e.Message; 2
