namespace ImplicitBias

open System
open System.Diagnostics
open System.Threading
open System.Threading.Tasks
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Training

/// How a sweep runs: where results live, how many runs at once, how progress is shown.
type RunnerOptions =
    { StoreDirectory: string
      /// Runs at once (each run is single-threaded and deterministic).
      Parallelism: int
      /// Progress text sink; None: the console (a live line with ETA on a terminal, plain lines
      /// when output is redirected, as in CI).
      Progress: (string -> unit) option
      /// Called after each run is stored (tests use it to interrupt a sweep).
      OnStored: RunRow -> unit
      /// Train points of the same batch key (Batching.keyOf: model, depth and D) together in lockstep, several per core
      /// (the default; the results are bit for bit those of training each alone).
      Batching: bool }

/// What a sweep produced: its stored runs in the sweep's order, and what was done.
type SweepResult =
    { Sweep: Sweep
      Runs: (RunSpec * StoredRun) list
      Computed: int
      Reused: int
      /// Points without a result because the sweep was cancelled.
      Missing: int
      Seconds: float }

/// Runs sweeps: stored results are reused, the rest are trained in parallel and stored.
module Runner =
    /// Store in the given folder, one run per core, console progress.
    let options storeDirectory =
        { StoreDirectory = storeDirectory
          Parallelism = Environment.ProcessorCount
          Progress = None
          OnStored = ignore
          Batching = true }

    let withParallelism n (o: RunnerOptions) = { o with Parallelism = max 1 n }
    let withProgress sink (o: RunnerOptions) = { o with Progress = Some sink }
    let withOnStored f (o: RunnerOptions) = { o with OnStored = f }
    /// Batching on (the default) or off (every run alone, one per core).
    let withBatching on (o: RunnerOptions) = { o with Batching = on }

    /// The commit of the working directory's git repository, or "unknown".
    let gitCommit =
        lazy
            (try
                let info = ProcessStartInfo("git", "rev-parse HEAD", RedirectStandardOutput = true,
                                            RedirectStandardError = true)
                use p = Process.Start info
                let text = p.StandardOutput.ReadToEnd().Trim()
                p.WaitForExit()
                if p.ExitCode = 0 && text <> "" then text else "unknown"
             with _ -> "unknown")

    /// Trains one configuration (deterministic for a configuration, unless the clock stops it), as
    /// train.fsx does (Run.trainModel): data that is not separable is refused before the first step, and
    /// with a convergence angle the run stops once GD's direction is that close to its certified limit.
    let train (cancel: CancellationToken) (c: RunSpec) =
        let data = DataSpec.create c.Data
        let model = RunSpec.parameterization c data.Dimension
        let result, _, _ = Run.trainModel model false (fun _ _ -> ()) cancel (c) data
        data, result

    /// A value for a nullable column: null where it does not exist (NaN) or left the double range.
    let private finite (x: float) = if Double.IsFinite x then Nullable x else Nullable()

    /// The store rows of a finished training run.
    let toRows (c: RunSpec) (data: ImplicitBias.Engine.Data.Dataset) (result: TrainingResult) =
        let id = RunSpec.hash c
        let run =
            { RunId = id; Model = Model.name c.Model; Depth = c.Depth; Width = defaultArg c.Width 0
              Shape = (match c.Shape with Some g -> $"{g.Rows}x{g.Columns}" | None -> "")
              Kernel = (match c.Kernel with Some k -> $"{k.Rows}x{k.Columns}" | None -> "")
              Channels = c.Channels
              Group = defaultArg c.Group ""
              InitScale = c.InitScale; Step = c.Step.Describe(); Loss = Loss.name c.Loss
              DataGenerator = DataSpec.generator c.Data; Data = DataSpec.describe c.Data
              Count = data.Count; Dimension = data.Dimension; Seed = int64 c.Seed; MaxSteps = c.MaxSteps
              TimeLimitSeconds = c.TimeLimitSeconds; RecordsPerDecade = c.RecordsPerDecade
              Outcome = string result.Outcome; Steps = result.Steps; Seconds = result.Seconds
              FinalLogBetaNorm = finite result.Final.LogBetaNorm
              FinalSmoothedMargin = finite result.Final.SmoothedMargin
              FinalNormalizedMargin = finite result.Final.NormalizedMargin
              LogParameterNorm = finite result.LogParameterNorm
              EngineVersion = RunSpec.engineVersion; GitCommit = gitCommit.Value
              CreatedUtc = DateTime.UtcNow.ToString("o"); Records = 0; Checksum = ""
              Direction = result.Direction; Parameters = result.Parameters }
        let trajectory =
            [| for r in result.Records ->
                 { RunId = id; Step = r.Step; Seconds = r.Seconds; LogBetaNorm = finite r.LogBetaNorm;
                   SmoothedMargin = finite r.SmoothedMargin
                   NormalizedMargin = finite r.NormalizedMargin; LogParameterNorm = finite r.LogParameterNorm
                   AngleToPrevious = finite r.AngleToPrevious
                   Direction = r.Direction } |]
        run, trajectory

    let private seconds (t: float) = TimeSpan.FromSeconds(t).ToString(@"m\:ss")

    /// Runs a sweep: reuses valid stored results, trains the others (in parallel; points of the same batch key together
    /// in lockstep, Batching, unless options.Batching is off: the same numbers either way), stores each as soon as it
    /// finishes. (docs/sweeps.md, "Runner.runWith")
    let runWith (options: RunnerOptions) (cancel: CancellationToken) (sweep: Sweep) =
        let clock = Stopwatch.StartNew()
        let dir = options.StoreDirectory
        let points = (Sweep.distinct sweep).Points
        let stored = Collections.Concurrent.ConcurrentDictionary<string, StoredRun>()
        let todo =
            [| for c in points do
                 let id = RunSpec.hash c
                 match Store.tryLoad dir id with
                 | Ok run -> stored[id] <- run
                 | Error "not stored" -> yield c
                 | Error reason ->
                     (defaultArg options.Progress Console.Error.WriteLine) ($"[{sweep.Name}] recomputing {id}: " +
                                                                            $"stored result invalid ({reason})")
                     yield c |]
        let reused = points.Length - todo.Length
        let terminal = options.Progress.IsNone && not Console.IsOutputRedirected
        let say (line: string) =
            match options.Progress with
            | Some sink -> sink line
            | None when terminal ->
                let width = try max 20 (Console.WindowWidth - 1) with _ -> 100
                Console.Write("\r" + (if line.Length > width then line.Substring(0, width) else line.PadRight width))
            | None -> Console.WriteLine line
        say $"[{sweep.Name}] {points.Length} runs: {reused} stored, {todo.Length} to compute"
        let mutable finished = 0
        let gate = obj ()
        // A run that ends after the sweep was cancelled is not stored, also when it finished (runs of a batch
        // finish together): what is stored is what had finished when the cancel came.
        let finish (c: RunSpec) data (result: TrainingResult) =
            if result.Outcome <> TrainingOutcome.Cancelled && not cancel.IsCancellationRequested then
                let run, trajectory = toRows c data result
                let saved = Store.save dir run trajectory
                stored[run.RunId] <- saved
                options.OnStored saved.Run
                lock gate (fun () ->
                    finished <- finished + 1
                    let elapsed = clock.Elapsed.TotalSeconds
                    let eta = elapsed / float finished * float (todo.Length - finished)
                    say ($"[{sweep.Name}] {finished}/{todo.Length} ({100 * finished / todo.Length}%%) " +
                         $"{RunSpec.label c}: {result.Outcome} in {result.Seconds:F1} s; elapsed " +
                         $"{seconds elapsed}, ETA {seconds eta}"))
        let work (unit: Work) =
            match unit with
            | Alone c ->
                if not cancel.IsCancellationRequested then
                    let data, result = train cancel c
                    finish c data result
            | Batch(key, maxCount, queue, groups) -> Batching.trainBatch cancel key maxCount queue groups finish
        let units = Batching.plan options.Parallelism options.Batching todo
        let parallelism = ParallelOptions(MaxDegreeOfParallelism = options.Parallelism)
        // One unit at a time, in the plan's order (no chunks): the long runs a sweep lists first start first.
        let source =
            Collections.Concurrent.Partitioner.Create(units :> seq<Work>,
                                                      Collections.Concurrent.EnumerablePartitionerOptions.NoBuffering)
        Parallel.ForEach(source, parallelism, System.Action<Work> work) |> ignore
        if terminal then Console.WriteLine()
        let runs =
            [ for c in points do match stored.TryGetValue(RunSpec.hash c) with | true, r -> yield c, r | _ -> () ]
        { Sweep = sweep
          Runs = runs
          Computed = finished
          Reused = reused
          Missing = points.Length - runs.Length
          Seconds = clock.Elapsed.TotalSeconds }

    /// Runs a sweep with the given options and no cancellation.
    let run (options: RunnerOptions) (sweep: Sweep) = runWith options CancellationToken.None sweep
