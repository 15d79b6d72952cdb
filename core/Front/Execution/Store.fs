namespace ImplicitBias

open System
open System.IO
open System.Security.Cryptography
open Parquet
open Parquet.Serialization

/// One row of the runs table: a run's configuration, outcome and provenance.
[<CLIMutable>]
type RunRow =
    { RunId: string
      Model: string
      Depth: int
      /// Hidden width of fully connected networks; 0 means D.
      Width: int
      /// The inputs' grid "MxN" of 2-D networks; empty for the paper's 1-D line.
      Shape: string
      /// The conv kernel "K1xK2" of kernel-size networks; empty for the paper's full width.
      Kernel: string
      /// Channels of depth-2 conv networks (1: the paper's).
      Channels: int
      /// The finite group of gconv networks (--group, e.g. "D4"); empty for the other models.
      Group: string
      InitScale: float
      Step: string
      Loss: string
      DataGenerator: string
      Data: string
      Count: int
      Dimension: int
      /// The initialization seed's 64 bits as int64: a seed of 2^63 or more reads negative, and uint64 of it gives the
      /// seed back.
      Seed: int64
      MaxSteps: int64
      TimeLimitSeconds: float
      RecordsPerDecade: int
      Outcome: string
      Steps: int64
      Seconds: float
      /// log ||beta|| at the end (input coordinates); log L = -exp(FinalLogBetaNorm) * FinalSmoothedMargin.
      FinalLogBetaNorm: Nullable<float>
      /// -log L / ||beta|| at the end.
      FinalSmoothedMargin: Nullable<float>
      FinalNormalizedMargin: Nullable<float>
      EngineVersion: string
      GitCommit: string
      CreatedUtc: string
      /// Number of rows of this run in the trajectories table.
      Records: int
      /// SHA-256 over the run's values and its trajectory (see Store.checksum).
      Checksum: string
      /// Final beta / ||beta||.
      Direction: float[]
      /// Final parameters w / ||w|| (the engine's flat layout).
      Parameters: float[]
      /// log ||w|| at the end.
      LogParameterNorm: Nullable<float> }

/// One row of the trajectories table: a run at one recorded step.
[<CLIMutable>]
type TrajectoryRow =
    { RunId: string
      Step: int64
      Seconds: float
      /// log ||beta||: margins grow without bound, so sizes are logarithms (always finite).
      LogBetaNorm: Nullable<float>
      /// -log L / ||beta||, so log L = -exp(LogBetaNorm) * SmoothedMargin.
      SmoothedMargin: Nullable<float>
      NormalizedMargin: Nullable<float>
      LogParameterNorm: Nullable<float>
      /// Radians; empty (null) at the first record.
      AngleToPrevious: Nullable<float>
      /// beta / ||beta|| at this step.
      Direction: float[] }

/// A run as stored: its runs-table row and its trajectory.
type StoredRun = { Run: RunRow; Trajectory: TrajectoryRow[] }

/// The results store: a folder of Parquet files, two per run (`<id>.trajectory.parquet`, then `<id>.run.parquet`, whose
/// atomic appearance commits the run), consolidated on demand into `runs.parquet` and `trajectories.parquet`.
/// (docs/outputs.md, "Store")
module Store =
    let runsFile = "runs.parquet"
    let trajectoriesFile = "trajectories.parquet"

    let runPath dir (id: string) = Path.Combine(dir, id + ".run.parquet")
    let trajectoryPath dir (id: string) = Path.Combine(dir, id + ".trajectory.parquet")

    /// SHA-256 (hex) over every value of the run row except the checksum itself, the wall-clock and
    /// provenance fields, and over every trajectory row: detects any change of the numbers.
    let checksum (run: RunRow) (trajectory: TrajectoryRow[]) =
        use stream = new MemoryStream()
        use w = new BinaryWriter(stream)
        let text (t: string) = if isNull t then "" else t // a row stored before the column existed reads null
        let floats (v: float[]) =
            w.Write v.Length
            for x in v do w.Write(BitConverter.DoubleToInt64Bits x)
        w.Write run.RunId; w.Write run.Model; w.Write run.Depth; w.Write run.Width; w.Write(text run.Shape)
        w.Write(text run.Kernel)
        w.Write run.Channels; w.Write run.InitScale
        if not (String.IsNullOrEmpty run.Group) then w.Write run.Group // absent from rows stored before the column
        w.Write run.Step; w.Write run.Loss; w.Write run.Data; w.Write run.Seed; w.Write run.MaxSteps
        let optional (x: Nullable<float>) = w.Write(if x.HasValue then x.Value else -1.0); w.Write x.HasValue
        w.Write run.Outcome; w.Write run.Steps; optional run.FinalLogBetaNorm; optional run.FinalSmoothedMargin
        optional run.FinalNormalizedMargin
        optional run.LogParameterNorm
        w.Write run.Records
        floats run.Direction
        floats run.Parameters
        for t in trajectory do
            w.Write t.RunId; w.Write t.Step; w.Write t.Seconds; optional t.LogBetaNorm; optional t.SmoothedMargin
            optional t.NormalizedMargin
            optional t.LogParameterNorm; optional t.AngleToPrevious
            floats t.Direction
        w.Flush()
        Convert.ToHexString(SHA256.HashData(stream.ToArray())).ToLowerInvariant()

    /// The checksum of the computed numbers only (trajectory times set to 0, Records from the trajectory):
    /// equal for two runs with the same bits whatever their timing, e.g. a stored run and the same
    /// configuration trained again (Runner.toRows, before saving).
    let numbersChecksum (run: RunRow) (trajectory: TrajectoryRow[]) =
        checksum { run with Records = trajectory.Length; Checksum = "" }
            [| for t in trajectory -> { t with Seconds = 0.0 } |]

    /// Writes rows to a Parquet file atomically (temporary file in the same folder, then rename).
    let writeTable (path: string) (rows: 'T seq) =
        let full = Path.GetFullPath path
        Directory.CreateDirectory(Path.GetDirectoryName full) |> ignore
        let temp = $"{full}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}"
        (use stream = File.Create temp
         ParquetSerializer.SerializeAsync(Seq.toArray rows, stream).GetAwaiter().GetResult() |> ignore)
        File.Move(temp, full, true)

    /// Reads every row of a Parquet file written by writeTable.
    let readTable<'T when 'T: (new: unit -> 'T) and 'T: not struct> (path: string) : 'T[] =
        let result = ParquetSerializer.DeserializeAsync<'T>(path).GetAwaiter().GetResult()
        Seq.toArray result.Data

    /// Stores a run: the trajectory first, then the run row (the commit). Fills in Records and Checksum.
    let save dir (run: RunRow) (trajectory: TrajectoryRow[]) =
        let run = { run with Records = trajectory.Length; Checksum = "" }
        let run = { run with Checksum = checksum run trajectory }
        writeTable (trajectoryPath dir run.RunId) trajectory
        writeTable (runPath dir run.RunId) [ run ]
        { Run = run; Trajectory = trajectory }

    /// Loads and validates a stored run. Error says why a run is absent or invalid.
    let tryLoad dir (id: string) : Result<StoredRun, string> =
        let runFile = runPath dir id
        if not (File.Exists runFile) then Error "not stored"
        else
            try
                match readTable<RunRow> runFile with
                | [| run |] ->
                    let trajectory = readTable<TrajectoryRow> (trajectoryPath dir id)
                    if run.RunId <> id then Error $"run id {run.RunId} in a file named {id}"
                    elif run.EngineVersion <> RunSpec.engineVersion then Error $"engine version {run.EngineVersion}"
                    elif trajectory.Length <> run.Records then Error ($"{trajectory.Length} trajectory rows, " +
                                                                      $"expected {run.Records}")
                    elif trajectory |> Array.exists (fun t -> t.RunId <> id) then Error "trajectory rows of another run"
                    elif checksum { run with Checksum = "" } trajectory <> run.Checksum then Error "checksum mismatch"
                    else Ok { Run = run; Trajectory = trajectory }
                | rows -> Error $"{rows.Length} rows in the run file, expected 1"
            with e -> Error $"unreadable: {e.GetBaseException().Message}"

    /// The ids of every run file in the folder (valid or not).
    let storedIds dir =
        if not (Directory.Exists dir) then [||]
        else
            Directory.GetFiles(dir, "*.run.parquet")
            |> Array.map (fun p -> Path.GetFileName(p).Replace(".run.parquet", ""))
            |> Array.sort

    /// Writes runs.parquet and trajectories.parquet in the folder from every valid stored run
    /// (sorted by run id); returns the number of runs.
    let consolidate dir =
        let runs = storedIds dir |> Array.choose (fun id -> match tryLoad dir id with Ok r -> Some r | Error _ -> None)
        writeTable (Path.Combine(dir, runsFile)) (runs |> Array.map (fun r -> r.Run))
        writeTable (Path.Combine(dir, trajectoriesFile)) (runs |> Array.collect (fun r -> r.Trajectory))
        runs.Length
