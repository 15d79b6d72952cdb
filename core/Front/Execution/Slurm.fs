namespace ImplicitBias

open System
open System.Diagnostics
open System.IO
open System.Security.Cryptography
open System.Text

/// Where and how a sweep runs as a Slurm job array.
type SlurmOptions =
    { /// Partition (None: the cluster's default partition).
      Partition: string option
      /// Time limit of each array task in sbatch's format, e.g. "0:30:00" (None: the partition's).
      TimeLimit: string option
      /// Memory of each array task, sbatch's --mem, e.g. "2G" (None: the partition's default).
      Memory: string option
      /// CPUs of each array task; a task trains this many of its points at once.
      CpusPerTask: int
      /// Array tasks: the sweep's points are dealt into this many shares.
      Tasks: int
      /// The toolkit's root on the shared filesystem (built library and scripts); tasks run there.
      Toolkit: string
      /// The dotnet executable on the compute nodes.
      Dotnet: string }

/// One sweep script submitted to Slurm: what every task needs to find and check its sweep.
type SlurmSubmission =
    { SweepName: string
      /// Slurm.fingerprint of the sweep: a task whose script now defines other points refuses to run.
      Fingerprint: string
      /// The sweep's .fsx script as the compute nodes see it.
      Script: string
      /// The script's own arguments, passed on to every task.
      ScriptArguments: string list
      /// The store (absolute, on the shared filesystem).
      Store: string }

/// A sweep as a Slurm job array: which task trains which points (point i of the distinct points goes to task i mod T),
/// the batch scripts, submission and progress. (docs/sweeps.md, "Slurm")
module Slurm =
    /// One CPU per task, 8 tasks, default partition, time and memory; dotnet from the PATH.
    let defaults toolkit =
        { Partition = None; TimeLimit = None; Memory = None; CpusPerTask = 1; Tasks = 8; Toolkit = toolkit;
          Dotnet = "dotnet" }

    /// The distinct points of a sweep, in the sweep's order: what the tasks share out.
    let points (sweep: Sweep) = (Sweep.distinct sweep).Points

    /// The task that trains the point of the given index (deterministic, balanced: round robin, so
    /// that a sweep whose axes vary cost is spread evenly).
    let taskOf tasks (pointIndex: int) = pointIndex % tasks

    /// The share of a task: the points i with i mod tasks = index, in order.
    let share tasks index (points: 'a list) =
        if tasks < 1 then invalidArg "tasks" $"Slurm.share: {tasks} tasks; at least 1 is needed."
        if index < 0 || index >= tasks then invalidArg "index" ($"Slurm.share: task {index} of {tasks} (tasks are " +
                                                                $"0..{tasks - 1}).")
        points |> List.indexed |> List.filter (fun (i, _) -> taskOf tasks i = index) |> List.map snd

    /// The sweep's identity for its tasks: SHA-256 of its distinct run ids in order (16 hex digits).
    let fingerprint (sweep: Sweep) =
        let text = points sweep |> List.map RunSpec.hash |> String.concat "\n"
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes text)).Substring(0, 16).ToLowerInvariant()

    /// The points without a stored result, by their content hash.
    let missing (isStored: string -> bool) (sweep: Sweep) =
        points sweep |> List.filter (fun c -> not (isStored (RunSpec.hash c)))

    /// The tasks that still have a point without a stored result (ascending): what a resubmission runs.
    let tasksToRun tasks (isStored: string -> bool) (sweep: Sweep) =
        points sweep
        |> List.indexed
        |> List.filter (fun (_, c) -> not (isStored (RunSpec.hash c)))
        |> List.map (fun (i, _) -> taskOf tasks i)
        |> List.distinct
        |> List.sort

    /// sbatch's --array value for task indices: runs of consecutive indices as ranges, "0-7" or "1,3-5".
    let arraySpec (indices: int list) =
        let rec runs acc = function
            | [] -> List.rev acc
            | i :: rest ->
                match acc with
                | (a, b) :: earlier when i = b + 1 -> runs ((a, i) :: earlier) rest
                | _ -> runs ((i, i) :: acc) rest
        runs [] (List.sort (List.distinct indices))
        |> List.map (fun (a, b) -> if a = b then string a else $"{a}-{b}")
        |> String.concat ","

    /// A word quoted for sh: single quotes, embedded ones as '\''.
    let quote (word: string) = "'" + word.Replace("'", "'\\''") + "'"

    /// The folder of a submission's batch scripts, job ids, points list and task logs (in the store).
    let folder (s: SlurmSubmission) = Path.Combine(s.Store, "slurm", $"{s.SweepName}-{s.Fingerprint}")

    /// The command a task runs (sh syntax): the sweep's script in task mode.
    let taskCommand (o: SlurmOptions) (s: SlurmSubmission) (mode: string list) =
        [ o.Dotnet; "fsi"; s.Script ] @ s.ScriptArguments @ mode
        @ [ "--slurm-sweep"; s.Fingerprint; "--store"; s.Store ]
        |> List.map (fun w -> if w.StartsWith "$" then "\"" + w + "\"" else quote w)
        |> String.concat " "

    let private header (o: SlurmOptions) (s: SlurmSubmission) (jobName: string) (log: string) =
        [ "#!/bin/sh"
          $"#SBATCH --job-name={jobName}"
          yield! o.Partition |> Option.map (fun p -> $"#SBATCH --partition={p}") |> Option.toList
          yield! o.TimeLimit |> Option.map (fun t -> $"#SBATCH --time={t}") |> Option.toList
          yield! o.Memory |> Option.map (fun m -> $"#SBATCH --mem={m}") |> Option.toList
          $"#SBATCH --cpus-per-task={o.CpusPerTask}"
          $"#SBATCH --output={Path.Combine(folder s, log)}"
          $"cd {quote o.Toolkit} || exit 1" ]

    /// The batch script of the array job: task $SLURM_ARRAY_TASK_ID of o.Tasks trains its share.
    let taskScript (o: SlurmOptions) (s: SlurmSubmission) =
        header o s $"sweep-{s.SweepName}" "logs/%A_%a.out"
        @ [ "exec " + taskCommand o s [ "--slurm-task"; "$SLURM_ARRAY_TASK_ID"; "--slurm-tasks"; string o.Tasks ] ]
        |> String.concat "\n"
        |> fun text -> text + "\n"

    /// The batch script of the final step: consolidates the store's tables (runs after the array
    /// job whatever its tasks' fate, and reports what is still missing).
    let consolidateScript (o: SlurmOptions) (s: SlurmSubmission) =
        header { o with CpusPerTask = 1 } s $"consolidate-{s.SweepName}" "logs/%j-consolidate.out"
        @ [ "exec " + taskCommand o s [ "--slurm-consolidate" ] ]
        |> String.concat "\n"
        |> fun text -> text + "\n"

    /// sbatch's arguments for the array job over the given tasks.
    let arrayArguments (tasks: int list) (scriptPath: string) = [ "--parsable"; $"--array={arraySpec tasks}";
                                                                  scriptPath ]

    /// sbatch's arguments for the consolidation job, after the array job ends (any way it ends).
    let consolidateArguments (arrayJob: string) (scriptPath: string) =
        [ "--parsable"; $"--dependency=afterany:{arrayJob}"; "--kill-on-invalid-dep=no"; scriptPath ]

    /// Runs a Slurm command; its standard output, or an error with its message.
    let command (program: string) (arguments: string list) =
        let info = ProcessStartInfo(program, RedirectStandardOutput = true, RedirectStandardError = true,
                                    UseShellExecute = false)
        for a in arguments do info.ArgumentList.Add a
        try
            use p = Process.Start info
            let err = p.StandardError.ReadToEndAsync()
            let out = p.StandardOutput.ReadToEnd()
            p.WaitForExit()
            if p.ExitCode = 0 then Ok(out.Trim())
            else Error $"""{program} {String.Join(" ", arguments)} exited with {p.ExitCode}: {err.Result.Trim()}"""
        with e -> Error $"{program}: {e.Message} (is Slurm installed, and SLURM_CONF set if needed?)"

    /// The job id sbatch --parsable printed ("123" or "123;cluster").
    let jobId (parsable: string) = parsable.Split(';').[0].Trim()

    /// The file that lists a submission's job ids, one a line (array job, then its consolidation).
    let jobsFile s = Path.Combine(folder s, "jobs.txt")

    /// Writes the batch scripts and the points list, submits the array job over the given tasks and
    /// the consolidation job after it; returns their job ids.
    let submit (o: SlurmOptions) (s: SlurmSubmission) (sweep: Sweep) (tasks: int list) =
        let dir = folder s
        Directory.CreateDirectory(Path.Combine(dir, "logs")) |> ignore
        let taskFile = Path.Combine(dir, "task.sbatch")
        let consolidateFile = Path.Combine(dir, "consolidate.sbatch")
        File.WriteAllText(taskFile, taskScript o s)
        File.WriteAllText(consolidateFile, consolidateScript o s)
        File.WriteAllLines(
            Path.Combine(dir, "points.tsv"),
            [ yield "index\ttask\trun_id\tlabel"
              for i, c in List.indexed (points sweep) ->
                  $"{i}\t{taskOf o.Tasks i}\t{RunSpec.hash c}\t{RunSpec.label c}" ])
        command "sbatch" (arrayArguments tasks taskFile)
        |> Result.bind (fun out ->
            let arrayJob = jobId out
            command "sbatch" (consolidateArguments arrayJob consolidateFile)
            |> Result.map (fun out -> arrayJob, jobId out))
        |> Result.map (fun (arrayJob, finalJob) ->
            File.AppendAllLines(jobsFile s, [ arrayJob; finalJob ])
            arrayJob, finalJob)

    /// Every job id ever submitted from a submission folder (its jobs file).
    let submittedJobsIn (dir: string) =
        let file = Path.Combine(dir, "jobs.txt")
        if File.Exists file then File.ReadAllLines file |> Array.toList |> List.filter ((<>) "") else []

    /// Every job id ever submitted for this sweep.
    let submittedJobs s = submittedJobsIn (folder s)

    /// The lines "JOBID STATE" of squeue for the given jobs that are still queued or running (the
    /// array job's tasks as JOB_I).
    let queued (jobs: string list) =
        if jobs.IsEmpty then Ok []
        else
            command "squeue" [ "-h"; "-o"; "%F %i %T" ]
            |> Result.map (fun out ->
                [ for line in out.Split('\n', StringSplitOptions.RemoveEmptyEntries) do
                    match line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries) with
                    | [| array; id; state |] when List.contains array jobs || List.contains id jobs ->
                        yield $"{id} {state}"
                    | _ -> () ])

    /// Progress of a sweep in a store: (ids of the sweep with a run file, points). Cheap (file
    /// names only); the tasks and a resubmission validate every stored run before trusting it.
    let progress (store: string) (sweep: Sweep) =
        let ids = Store.storedIds store |> Set.ofArray
        let all = points sweep
        (all |> List.filter (fun c -> ids.Contains(RunSpec.hash c))).Length, all.Length
