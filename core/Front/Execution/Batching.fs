namespace ImplicitBias

open System
open System.Collections.Concurrent
open System.Threading
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Training
open ImplicitBias.Engine.Training.Batch

open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Steppers
/// Runs that train together in one batch (BatchTrainer): the same model (convolutional, diagonal, linear, fully
/// connected with its hidden width, or group-convolutional on its group), depth and D, exponential loss, data small
/// enough (NetworkFamilies.LanesApply: N D <= MaxValues). (docs/sweeps.md, "BatchKey")
type BatchKey =
    { Model: ModelKind
      Depth: int
      Dimension: int
      /// The fully connected network's hidden width (RunSpec.Width); None for the other models.
      Width: int option
      /// The group of gconv (RunSpec.Group); None for the other models.
      Group: string option }

/// A unit of a sweep's work for one thread: a run alone, or a batch worker that takes runs of one key
/// (each on at most `maxCount` points) from a queue shared with the other workers of that key, in
/// `groups` groups of eight lanes.
type Work =
    | Alone of RunSpec
    | Batch of key: BatchKey * maxCount: int * queue: ConcurrentQueue<RunSpec * Dataset> * groups: int

/// How the runner splits a sweep into batches. A run's result does not depend on whether, with
/// which others or in which lane it is trained (BatchTrainer), so this is only a matter of speed.
module Batching =
    /// Most groups of eight lanes per batch worker (32 runs: their data and parameters stay in L1/L2 at D = 16).
    let maxGroups = 4

    /// Runs of one key share a batch when their N are within this factor of the band's smallest N: the
    /// report's suites (N from D/4 to D) stay one band per depth and D.
    let bandRatio = 4

    /// The bands of a key's N: ascending, each from its smallest N up to bandRatio times it; the band of each N.
    let bands (counts: int seq) : Map<int, int> =
        counts
        |> Seq.distinct
        |> Seq.sort
        |> Seq.fold (fun (band, map) n ->
            let b = (if band > 0 && n <= bandRatio * band then band else n) in b, Map.add n b map) (0, Map.empty)
        |> snd

    /// The batch key of a configuration that trains batched, with its dataset; None for the others.
    let keyOf (c: RunSpec) : (BatchKey * Dataset) option =
        // NetworkFamilies.LanesApply' models
        let batched =
            c.Model = Convolutional || c.Model = Diagonal || c.Model = Linear || c.Model = FullyConnected
            || c.Model = GroupConvolutional
        if not batched || c.Loss <> Exponential then None // decided without building the data
        else
            let data = DataSpec.create c.Data
            let model = RunSpec.parameterization c data.Dimension
            if NetworkFamilies.LanesApply(model, ExponentialLoss(), data.Count, data.Dimension) then
                let width = if c.Model = FullyConnected then c.Width else None
                let key =
                    { Model = c.Model; Depth = c.Depth; Dimension = data.Dimension; Width = width; Group = c.Group }
                Some(key, data)
            else None

    /// The fewest runs of a band that train batched; a smaller band trains alone.
    /// (docs/sweeps.md, "Batching.minimumRuns")
    let minimumRuns (key: BatchKey) = if key.Model = FullyConnected then LaneStepper.Lanes else 1

    /// The work units of a sweep on `threads` threads: per batch key and band of N, up to one worker per thread (at
    /// most one per eight runs) sharing the band's queue, sized for its largest N, and every other run alone (bands
    /// smaller than minimumRuns too), in the order of their first point. With batching off, every run alone.
    let plan (threads: int) (batching: bool) (todo: RunSpec[]) : Work list =
        if not batching then [ for c in todo -> Alone c ]
        else
            let keyed = todo |> Array.mapi (fun i c -> i, c, keyOf c)
            let batches =
                keyed
                |> Array.choose (fun (i, c, k) -> k |> Option.map (fun (key, data) -> key, (i, c, data)))
                |> Array.groupBy fst
                |> Array.collect (fun (key, runs) ->
                    let band = bands [ for _, (_, _, data: Dataset) in runs -> data.Count ]
                    runs |> Array.groupBy (fun (_, (_, _, data: Dataset)) -> band[data.Count])
                    |> Array.map (fun (_, inBand) -> key, inBand))
                |> Array.toList
                |> List.collect (fun (key, runs) ->
                    if runs.Length < minimumRuns key then [ for _, (i, c, _) in runs -> i, Alone c ] else
                    let queue = ConcurrentQueue(runs |> Array.map (fun (_, (_, c, data)) -> c, data))
                    // Whole groups where minimumRuns asks for them (fc: a worker per eight runs, rounded down, and only
                    // full
                    // groups; the lanes are refilled from the queue), otherwise rounded up.
                    let perGroup count = (count + LaneStepper.Lanes - minimumRuns key) / LaneStepper.Lanes
                    let workers = max 1 (min threads (perGroup runs.Length))
                    let lanesEach = (runs.Length + workers - 1) / workers
                    let groups = max 1 (min maxGroups (perGroup lanesEach))
                    let first = runs |> Array.map (fun (_, (i, _, _)) -> i) |> Array.min
                    let maxCount = runs |> Array.map (fun (_, (_, _, data: Dataset)) -> data.Count) |> Array.max
                    List.replicate workers (first, Batch(key, maxCount, queue, groups)))
            // Units in the order of their first point, so that a sweep ordered longest first (BeyondSuites.allRuns,
            // the report's suite) starts its long runs first and keeps every core busy to its end.
            batches @ [ for (i, c, k) in keyed do if k.IsNone then yield i, Alone c ]
            |> List.sortBy fst
            |> List.map snd

    /// One batch worker: trains runs from the queue in lockstep until it is empty. Each run is prepared
    /// as Runner.train does (Run.prepare: the separability check, the convergence tracker); a refused
    /// run is finished at once. `finish` gets every result (also Cancelled ones) with its configuration and data.
    let trainBatch (cancel: CancellationToken) (key: BatchKey) (maxCount: int)
                   (queue: ConcurrentQueue<RunSpec * Dataset>) (groups: int)
                   (finish: RunSpec -> Dataset -> TrainingResult -> unit) =
        let rec next () : BatchJob =
            match queue.TryDequeue() with
            | false, _ -> null
            | true, (c, data) ->
                let model = RunSpec.parameterization c data.Dimension
                match Run.prepare model false (fun _ _ -> ()) (c) data with
                | Error(refused, _) -> finish c data refused; next ()
                | Ok p -> BatchJob(data, p.Initial, p.Settings, Action<TrainingResult>(finish c data), p.Observe,
                                   p.Converged, model)
        // keyOf batches only the paper's architectures (no grid, kernel size or channels) and gconv on the key's group,
        // so the key determines the model.
        let model =
            RunSpec.parameterization
                { RunSpec.defaults with Model = key.Model; Depth = key.Depth; Width = key.Width; Group = key.Group }
                key.Dimension
        match NetworkFamilies.Lanes(model, ExponentialLoss(), maxCount, key.Dimension, groups) with
        | null -> invalidOp ($"no lane kernel for {model.Name} on N = {maxCount}, D = {key.Dimension} " +
                             $"(Batching.keyOf decides which runs batch)")
        | kernel -> BatchTrainer.Train(kernel, Func<BatchJob>(next), cancel)
