namespace ImplicitBias

open System
open System.IO
open System.Runtime.InteropServices
open System.Threading

/// What a sweep script does when run: train locally, submit to Slurm, report progress, or (inside
/// a Slurm job) train one task's share or consolidate.
type SweepMode =
    | LocalRun
    /// Submits the missing tasks; with wait, waits for them and returns the stored result.
    | Submit of wait: bool
    | Status
    /// Array task index of tasks, for the sweep with the given fingerprint.
    | Task of index: int * tasks: int * fingerprint: string
    | Consolidate of fingerprint: string

/// A sweep script's command line, as parsed by SweepCli.parse.
type SweepArgs =
    { Mode: SweepMode
      Slurm: SlurmOptions
      /// Overrides the store folder the script's runner options name.
      Store: string option
      /// Arguments SweepCli does not know: the script's own, passed on to every task.
      Forwarded: string list }

/// The command line shared by every sweep script (`SweepCli.run fsi.CommandLineArgs options sweep`
/// in place of `Runner.run options sweep`): the same script runs locally or as a Slurm job array.
module SweepCli =
    let usage =
        """Sweep options (any sweep script that ends in SweepCli.run):
  --backend local|slurm  local (default): train here, in parallel; slurm: submit a job array
  --store DIR            the results store (default: the script's); on a shared filesystem for slurm
  --partition P          sbatch --partition (default: the cluster's default)
  --time T               sbatch --time per task, e.g. 0:30:00
  --mem M                sbatch --mem per task, e.g. 2G
  --cpus-per-task N      CPUs per task; a task trains N points at once (default 1)
  --tasks T              array tasks; point i goes to task i mod T (default 8)
  --toolkit DIR          the toolkit's root on the shared filesystem (default: this one)
  --dotnet PATH          dotnet on the compute nodes (default: this one)
  --wait                 after submitting, wait for the jobs and carry on with the results
  --status               stored points of the sweep and its jobs in squeue"""

    /// The toolkit's root: the folder four levels above core/Front/bin/Release/<tfm>/ImplicitBias.dll.
    let localToolkit () =
        let dll = typeof<SweepArgs>.Assembly.Location
        if String.IsNullOrEmpty dll then Directory.GetCurrentDirectory()
        else Path.GetFullPath(Path.Combine(Path.GetDirectoryName dll, "..", "..", "..", "..", ".."))

    /// This process's dotnet when it is one (dotnet fsi), else "dotnet" from the PATH.
    let localDotnet () =
        let exe = Environment.ProcessPath
        if not (isNull exe) && Path.GetFileNameWithoutExtension exe = "dotnet" then exe else "dotnet"

    /// Parses the arguments after the script's name.
    let parse (defaults: SlurmOptions) (args: string list) : Result<SweepArgs, string> =
        let positive flag (v: string) =
            match Int32.TryParse v with
            | true, n when n >= 1 -> Ok n
            | _ -> Error $"{flag} needs a whole number >= 1, not '{v}'"
        let rec go (a: SweepArgs) backend wait status task tasks sweep consolidate args =
            let next a rest = go a backend wait status task tasks sweep consolidate rest
            match args with
            | [] ->
                match backend, task, tasks, sweep, consolidate with
                | _, Some i, Some t, Some fp, false ->
                    if i < 0 || i >= t then Error $"--slurm-task {i} is not one of 0..{t - 1}"
                    else Ok { a with Mode = Task(i, t, fp) }
                | _, None, _, Some fp, true -> Ok { a with Mode = Consolidate fp }
                | _, Some _, _, _, _ | _, _, Some _, _, _ | _, _, _, Some _, _ | _, _, _, _, true ->
                    Error ("--slurm-task, --slurm-tasks, --slurm-sweep and --slurm-consolidate are set by the batch " +
                           "scripts only")
                | "local", _, _, _, _ when wait || status -> Error "--wait and --status go with --backend slurm"
                | "local", _, _, _, _ -> Ok { a with Mode = LocalRun }
                | "slurm", _, _, _, _ when status -> Ok { a with Mode = Status }
                | "slurm", _, _, _, _ -> Ok { a with Mode = Submit wait }
                | other, _, _, _, _ -> Error $"--backend must be local or slurm, not '{other}'"
            | "--backend" :: v :: rest -> go a v wait status task tasks sweep consolidate rest
            | "--store" :: v :: rest -> next { a with Store = Some v } rest
            | "--partition" :: v :: rest -> next { a with Slurm.Partition = Some v } rest
            | "--time" :: v :: rest -> next { a with Slurm.TimeLimit = Some v } rest
            | "--mem" :: v :: rest -> next { a with Slurm.Memory = Some v } rest
            | "--toolkit" :: v :: rest -> next { a with Slurm.Toolkit = Path.GetFullPath v } rest
            | "--dotnet" :: v :: rest -> next { a with Slurm.Dotnet = v } rest
            | "--cpus-per-task" :: v :: rest -> positive "--cpus-per-task" v
                                                |> Result.bind (fun n -> next { a with Slurm.CpusPerTask = n } rest)
            | "--tasks" :: v :: rest -> positive "--tasks" v
                                        |> Result.bind (fun n -> next { a with Slurm.Tasks = n } rest)
            | "--wait" :: rest -> go a backend true status task tasks sweep consolidate rest
            | "--status" :: rest -> go a backend wait true task tasks sweep consolidate rest
            | "--slurm-task" :: v :: rest ->
                match Int32.TryParse v with
                | true, i -> go a backend wait status (Some i) tasks sweep consolidate rest
                | _ -> Error $"--slurm-task needs a task index, not '{v}'"
            | "--slurm-tasks" :: v :: rest ->
                positive "--slurm-tasks" v
                |> Result.bind (fun t -> go a backend wait status task (Some t) sweep consolidate rest)
            | "--slurm-sweep" :: v :: rest -> go a backend wait status task tasks (Some v) consolidate rest
            | "--slurm-consolidate" :: rest -> go a backend wait status task tasks sweep true rest
            | [ flag ] when List.contains flag [ "--backend"; "--store"; "--partition"; "--time"; "--mem"
                                                 "--toolkit"; "--dotnet"; "--cpus-per-task"; "--tasks"; "--slurm-task"
                                                 "--slurm-tasks"; "--slurm-sweep" ] ->
                Error $"{flag} needs a value"
            | other :: rest -> next { a with Forwarded = a.Forwarded @ [ other ] } rest
        go { Mode = LocalRun; Slurm = defaults; Store = None;
             Forwarded = [] } "local" false false None None None false args

    /// A name fit for files and job names.
    let private safeName (name: string) =
        String(name
               |> Seq.map (fun ch ->
                   if Char.IsAsciiLetterOrDigit ch || ch = '-' || ch = '_' || ch = '.' then ch else '-')
               |> Seq.toArray)

    /// The script as the compute nodes see it: under the shared toolkit when it lies in this one.
    let sharedScript (localRoot: string) (toolkit: string) (script: string) =
        let full = Path.GetFullPath script
        let relative = Path.GetRelativePath(localRoot, full)
        if relative.StartsWith ".." || Path.IsPathRooted relative then full else Path.Combine(toolkit, relative)

    /// The stored runs of the sweep, computing nothing (a cancelled Runner.runWith only loads).
    let private loadStored (options: RunnerOptions) (sweep: Sweep) =
        use cancelled = new CancellationTokenSource()
        cancelled.Cancel()
        Runner.runWith options cancelled.Token sweep

    let private waitFor (store: string) (submission: SlurmSubmission) (sweep: Sweep) =
        let mutable last = ""
        let mutable running = true
        while running do
            match Slurm.queued (Slurm.submittedJobs submission) with
            | Error e -> eprintfn "[%s] squeue failed (%s); retrying" sweep.Name e
            | Ok jobs ->
                let stored, total = Slurm.progress store sweep
                let states = jobs |> List.countBy (fun l -> l.Split(' ').[1]) |> List.map (fun (s, n) -> $"{n} {s}")
                             |> String.concat ", "
                let left = if jobs.IsEmpty then "none left" else states
                let line = $"[{sweep.Name}] {stored}/{total} stored; jobs: {left}"
                if line <> last then printfn "%s" line
                last <- line
                running <- not jobs.IsEmpty
            if running then Thread.Sleep 2000

    /// Runs the sweep as the command line says (argv = fsi.CommandLineArgs: the script, then its arguments). Locally:
    /// Runner.run. Slurm: submits the tasks that have missing points and exits, or with --wait returns the stored
    /// result once the jobs are done. Inside a job: trains the task's share (or consolidates) and exits.
    let run (argv: string[]) (options: RunnerOptions) (sweep: Sweep) : SweepResult =
        let script = if argv.Length > 0 then argv[0] else "sweep.fsx"
        let root = localToolkit ()
        let defaults = { Slurm.defaults root with Dotnet = localDotnet () }
        match parse defaults (argv |> Array.skip (min 1 argv.Length) |> Array.toList) with
        | Error message ->
            eprintfn "%s\n\n%s" message usage
            exit 2
        | Ok a ->
        let store = Path.GetFullPath(defaultArg a.Store options.StoreDirectory)
        let options = { options with StoreDirectory = store }
        let submission =
            { SweepName = safeName sweep.Name; Fingerprint = Slurm.fingerprint sweep
              Script = sharedScript root a.Slurm.Toolkit script; ScriptArguments = a.Forwarded; Store = store }
        let checkFingerprint fp =
            if fp <> submission.Fingerprint then
                eprintfn "[%s] the script now defines another sweep (fingerprint %s, submitted %s): edited after submission? Resubmit it."
                    sweep.Name submission.Fingerprint fp
                exit 2
        match a.Mode with
        | LocalRun -> Runner.run options sweep
        | Task(index, tasks, fp) ->
            checkFingerprint fp
            let mine = Slurm.share tasks index (Slurm.points sweep)
            let cpus =
                match Int32.TryParse(Environment.GetEnvironmentVariable "SLURM_CPUS_PER_TASK") with
                | true, n when n >= 1 -> n
                | _ -> 1
            use cancel = new CancellationTokenSource()
            // scancel sends SIGTERM: stop the runs under way (finished ones are stored already).
            use _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM,
                                                       fun ctx -> ctx.Cancel <- true; cancel.Cancel())
            let taskOptions = options |> Runner.withParallelism cpus |> Runner.withProgress (printfn "%s")
            let r =
                Runner.runWith taskOptions cancel.Token
                    { sweep with Name = $"{sweep.Name} task {index}/{tasks}"; Points = mine }
            printfn "[%s] task %d of %d: %d points, %d were stored, %d computed, %d missing%s"
                sweep.Name index tasks mine.Length r.Reused r.Computed r.Missing
                (if cancel.IsCancellationRequested then " (cancelled)" else "")
            exit (if r.Missing = 0 then 0 else 1)
        | Consolidate fp ->
            checkFingerprint fp
            let count = Store.consolidate store
            let stored, total = Slurm.progress store sweep
            printfn "[%s] consolidated %d runs into %s; this sweep: %d of %d stored%s"
                sweep.Name count store stored total
                (if stored < total then " (resubmit the same command to run the missing points)" else "")
            exit 0
        | Status ->
            let stored, total = Slurm.progress store sweep
            printfn "[%s] %d of %d points stored in %s" sweep.Name stored total store
            match Slurm.queued (Slurm.submittedJobs submission) with
            | Ok [] -> printfn "[%s] no job queued or running" sweep.Name
            | Ok jobs -> for j in jobs do printfn "  %s" j
            | Error e -> eprintfn "%s" e
            exit 0
        | Submit wait ->
            match Slurm.queued (Slurm.submittedJobs submission) with
            | Ok (_ :: _ as jobs) ->
                eprintfn "[%s] jobs of this sweep are still queued or running (%s): not submitting again; see --status"
                    sweep.Name (String.concat ", " jobs)
                exit 1
            | Error e ->
                eprintfn "%s" e
                exit 1
            | Ok [] -> ()
            let isStored id = Result.isOk (Store.tryLoad store id)
            let tasks = Slurm.tasksToRun a.Slurm.Tasks isStored sweep
            let total = (Slurm.points sweep).Length
            if tasks.IsEmpty then
                printfn "[%s] all %d points are stored in %s; consolidated %d runs"
                    sweep.Name total store (Store.consolidate store)
            else
                let toRun = (Slurm.missing isStored sweep).Length
                match Slurm.submit a.Slurm submission sweep tasks with
                | Error e ->
                    eprintfn "[%s] submission failed: %s" sweep.Name e
                    exit 1
                | Ok(arrayJob, finalJob) ->
                    printfn "[%s] %d points, %d stored, %d to run: array job %s (tasks %s of %d), consolidation job %s; scripts and logs in %s"
                        sweep.Name total (total - toRun) toRun arrayJob (Slurm.arraySpec tasks) a.Slurm.Tasks finalJob
                        (Slurm.folder submission)
            if wait then
                waitFor store submission sweep
                loadStored options sweep
            else
                printfn "[%s] progress: dotnet fsi %s --backend slurm --status%s" sweep.Name script
                    (a.Store |> Option.map (fun s -> " --store " + s) |> Option.defaultValue "")
                exit 0
