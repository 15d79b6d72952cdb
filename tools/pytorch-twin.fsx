// Side by side with PyTorch (issue 5): dotnet fsi build.fsx -t PyTorch (installs python3-torch if
// needed), or, after dotnet fsi build.fsx -t Build, dotnet fsi tools/pytorch-twin.fsx [--quick].
// The same experiment written as a PyTorch user would (tools/pytorch/torch_twin.py, float64,
// Debian's /usr/bin/python3 with python3-torch) runs beside the engine:
//   (a) agreement: same data, same initial parameters, 50 steps of normalized:0.5:0.0003, conv L=2 and 4;
//   (b) ns per step for conv L=4 at (D, N) = (64, 32) .. (4096, 1024), 1 and 2 threads each;
//   (c) time to 1 - cos <= 1e-4 to the Fourier-l1 max-margin direction, conv L=2, ten seeded sets.
// Writes out/bench/pytorch.md and out/bench/pytorch.csv; the CSV files exchanged with Python go to
// out/tools/pytorch/. This script installs nothing: it stops if /usr/bin/python3 cannot import torch.
// Optional: --blas-dir DIR also times torch with LD_LIBRARY_PATH=DIR (e.g. an unpacked
// libopenblas0-pthread, whose libblas.so.3 then replaces the reference BLAS Debian's torch uses by default).
#load "tools.fsx"

open System
open System.Diagnostics
open System.Globalization
open System.IO
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Training

let argv = fsi.CommandLineArgs |> Array.skip 1
let quick = argv |> Array.contains "--quick"
let blasDir = argv |> Array.tryFindIndex ((=) "--blas-dir") |> Option.map (fun i -> Path.GetFullPath argv.[i + 1])
let python = "/usr/bin/python3"
let twin = Path.GetFullPath(Path.Combine(__SOURCE_DIRECTORY__, "..", "bench", "pytorch", "torch_twin.py"))
let outDir = Path.GetFullPath(Path.Combine(__SOURCE_DIRECTORY__, "..", "out", "bench"))
let io = Path.Combine(outDir, "pytorch")
Directory.CreateDirectory io |> ignore
let inv = CultureInfo.InvariantCulture
let r17 (x: float) = x.ToString("R", inv)
let loadAverage () = try File.ReadAllText("/proc/loadavg").Trim() with _ -> "n/a"

/// Runs /usr/bin/python3 with arguments (and extra environment); returns (exit code, stdout, stderr).
let runPython (environment: (string * string) list) (arguments: string list) =
    let info = ProcessStartInfo(python, RedirectStandardOutput = true, RedirectStandardError = true,
                                UseShellExecute = false)
    arguments |> List.iter info.ArgumentList.Add
    environment |> List.iter (fun (k, v) -> info.Environment.[k] <- v)
    use p = Process.Start info
    let err = p.StandardError.ReadToEndAsync()
    let out = p.StandardOutput.ReadToEnd()
    p.WaitForExit()
    p.ExitCode, out, err.Result

/// Runs a mode of the twin and fails with its stderr if it fails.
let twinMode environment arguments =
    let code, out, err = runPython environment (twin :: arguments)
    if code <> 0 then failwithf "%s %s %s failed (exit %d):\n%s" python twin (String.Join(" ", arguments)) code err
    out

// The one prerequisite: Debian's Python with PyTorch.
let torchVersion =
    let code, out, err =
        try runPython [] [ "-c"; "import torch; print(torch.__version__, " +
                                 "torch.__config__.show().split('BLAS_INFO=')[1].split(',')[0])" ]
        with e -> -1, "", e.Message
    if code <> 0 then
        eprintfn "pytorch-twin: %s cannot import torch (%s).\nInstall Debian's PyTorch with `apt-get install -y python3-torch`, or run `dotnet fsi build.fsx -t PyTorch`, which does."
            python (err.Trim().Split('\n') |> Array.last)
        exit 2
    out.Trim()
let startLoad = loadAverage ()
printfn "torch %s (version, BLAS_INFO) on %s; load average %s" torchVersion python startLoad

/// CSV exchange: datasets in the toolkit's format (CsvDataset.Save: a header, then label and features,
/// round-trip exact), vectors one value a line.
let writeData path (data: Dataset) = CsvDataset.Save(data, path)
let writeVector path (v: float[]) = File.WriteAllLines(path, v |> Array.map r17)
let readVector path =
    File.ReadAllLines path |> Array.filter (fun l -> l.Trim() <> "") |> Array.map (fun l -> Double.Parse(l, inv))
let csvRows = Collections.Generic.List<string>([ "section,case,metric,engine,torch" ])
let addCsv (fields: string list) = csvRows.Add(String.Join(",", fields))

/// Torch agrees when its beta is within max(1e-6, 10 x the engine's fast-vs-generic difference) of the engine's: along
/// some trajectories rounding is amplified within 50 steps (conv L=4 seed 3: the engine's two exact implementations
/// differ by 1.5e-5). (docs/performance.md, "pytorch-twin.agreementBound")
let agreementBound (floor: float) = max 1e-6 (10.0 * floor)

// (a) Agreement: 50 steps of the default rule from the same start, on the same data.
let agreementSteps = 50L
let agreement =
    [ for depth in [ 2; 4 ] do
        for seed in [ 1UL; 2UL; 3UL ] ->
            // Both sides train on the data divided by max_n ||x_n||, as the engine does internally (UnitScale).
            let data = UnitScale.Of(SyntheticData.GaussianTeacher(6, 16, seed), ref 0.0)
            let model = ConvolutionalFourierNetwork(data.Dimension, depth)
            let w0 = model.Initialize(0.5, seed)
            let settings = TrainingSettings(NormalizedStep(0.5, 3e-4), ExponentialLoss(), agreementSteps)
            let ours = GradientDescent.Train(model, data, ReadOnlySpan w0, settings)
            // The engine's own slow twin (FFTs per step) from the same start: how far rounding alone
            // moves beta after these steps, the floor any other implementation can be held to.
            let generic = GradientDescent.TrainGeneric(model, data, ReadOnlySpan w0, settings)
            let tag = sprintf "L%d-seed%d" depth seed
            let dataFile, initFile, betaFile =
                Path.Combine(io, $"data-{tag}.csv"), Path.Combine(io, $"init-{tag}.csv"),
                    Path.Combine(io, $"beta-torch-{tag}.csv")
            writeData dataFile data
            writeVector initFile w0
            twinMode [] [ "agree"; "--data"; dataFile; "--init"; initFile; "--depth"; string depth; "--steps";
                          string agreementSteps; "--out"; betaFile ] |> ignore
            let theirs = readVector betaFile
            let scale = ours.Beta |> Array.map abs |> Array.max
            let relativeTo (other: float[]) = (Array.map2 (fun a b -> abs (a - b)) ours.Beta other |> Array.max) / scale
            let relative, floor = relativeTo theirs, relativeTo generic.Beta
            printfn "agreement conv L=%d %s: %d steps (%A), max |beta_torch - beta_engine| / max |beta_engine| = %.2e (engine vs its generic twin: %.2e)%s"
                depth data.Name ours.Steps ours.Outcome relative floor
                (if relative > agreementBound floor then "   FAIL" else "")
            addCsv [ "agreement"; $"conv L={depth} seed {seed}";
                     "max abs beta difference / max abs beta (engine: fast vs generic twin)"; r17 floor; r17 relative ]
            depth, data.Name, ours.Steps, scale, relative, floor ]
let worstAgreement = agreement |> List.map (fun (_, _, _, _, r, _) -> r) |> List.max
let agreementPass = agreement |> List.forall (fun (_, _, _, _, r, floor) -> r <= agreementBound floor)
if not agreementPass then
    printfn "\n!!!!! FAIL: torch and the engine disagree beyond max(1e-6, 10 x the engine's own twin difference) (worst %.2e) !!!!!\n"
        worstAgreement

// (b) ns per step, conv L=4. The engine's fast kernel on 1 and 2 threads (Benchmark.timeKernel:
// warm-up, 9 batches, best and median; the eta rule without the floor, as in bench.fsx), torch the same way.
let sizes = [ (64, 32); (256, 128); (1024, 512); (4096, 1024) ]
let budget = if quick then 0.3 else 1.0
let engineTimes =
    dict [ for (d, n) in sizes do
             for threads in [ 1; 2 ] ->
                 GC.Collect()
                 let data = SyntheticData.GaussianTeacher(n, d, 1UL, 0.5 / sqrt (float d))
                 let model = ConvolutionalFourierNetwork(d, 4)
                 use kernel = Benchmark.fastOn threads model data (model.Initialize(0.1, 1UL))
                 let best, median, _, _ = Benchmark.timeKernel kernel data budget
                 printfn "engine conv L=4 D=%d N=%d threads=%d: %.4g ns/step (median %.4g)" d n threads best median
                 (d, n, threads), (best, median) ]
/// One process per thread count: torch.set_num_threads sets torch's own threads, and
/// OPENBLAS_NUM_THREADS those of an OpenBLAS given by --blas-dir (torch does not control them).
let torchTimes (environment: (string * string) list) =
    dict [ for threads in [ 1; 2 ] do
             let file = Path.Combine(io, $"time-step-{threads}.csv")
             twinMode (("OPENBLAS_NUM_THREADS", string threads) :: environment)
                 [ "time-step"; "--threads"; string threads; "--budget"; string budget; "--out"; file ] |> ignore
             for line in File.ReadAllLines file |> Array.skip 1 ->
                 let f = line.Split ','
                 (int f.[0], int f.[1], int f.[2]), (Double.Parse(f.[3], inv), Double.Parse(f.[4], inv)) ]
let torchDefault = torchTimes []
let torchBlas = blasDir |> Option.map (fun dir -> torchTimes [ ("LD_LIBRARY_PATH", dir) ])
let timingRows =
    [ for (d, n) in sizes do
        for threads in [ 1; 2 ] ->
            let ours, oursMedian = engineTimes.[(d, n, threads)]
            let theirs, theirsMedian = torchDefault.[(d, n, threads)]
            let blas = torchBlas |> Option.map (fun t -> t.[(d, n, threads)])
            addCsv [ "ns per step (best)"; $"conv L=4 D={d} N={n} threads={threads}";
                     "ns per step (best of 9 batches)"; r17 ours; r17 theirs ]
            addCsv [ "ns per step (median)"; $"conv L=4 D={d} N={n} threads={threads}";
                     "ns per step (median of 9 batches)"; r17 oursMedian; r17 theirsMedian ]
            blas |> Option.iter (fun (b, m) ->
                addCsv [ "ns per step, torch with --blas-dir (best)"; $"conv L=4 D={d} N={n} threads={threads}"
                         "ns per step"; r17 ours; r17 b ])
            sprintf "| %d | %d | %d | %.4g | %.4g | %.4g | %.4g | %.1f |%s"
                d n threads ours oursMedian theirs theirsMedian (theirs / ours)
                (match blas with Some (b, m) -> sprintf " %.4g | %.4g | %.1f |" b m (b / ours) | None -> "") ]
timingRows |> List.iter (printfn "%s")

// (c) Time to 1 - cos <= 1e-4 to the Fourier-l1 max-margin direction, conv L=2, train.fsx defaults, 10 s each.
let directionSeeds = if quick then [ 1UL .. 3UL ] else [ 1UL .. 10UL ]
let timeLimit = 10.0
// The twin implements the normalized:0.5:0.0003 rule (not the engine's default settling rule), so both use it here.
let settings = Run.defaults |> Run.withModel Convolutional 2 |> Run.withTimeLimit timeLimit
               |> Run.withStep (NormalizedStep(0.5, 3e-4)) |> Run.withConvergenceAngle 0.0
let parse (line: string) =
    let fields = dict [ for kv in line.Trim().Split ' ' -> let p = kv.Split '=' in p.[0], p.[1] ]
    fields.["reached"] = "True", int64 fields.["steps"], Double.Parse(fields.["seconds"],
                                                                      inv), Double.Parse(fields.["gap"], inv)
let directions =
    [ for seed in directionSeeds ->
        let data = UnitScale.Of(SyntheticData.GaussianTeacher(6, 16, seed), ref 0.0)
        let reference = MaxMargin.Solve(data, MarginBias.FourierL1).Direction
        let ours = TimeToDirection.measure reference 1e-4 100 settings data
        let w0 = (Model.create settings.Model settings.Depth data.Dimension).Initialize(settings.InitScale,
                                                                                        settings.Seed)
        let tag = $"direction-seed{seed}"
        let dataFile, initFile, refFile =
            Path.Combine(io, $"data-{tag}.csv"), Path.Combine(io, $"init-{tag}.csv"),
                Path.Combine(io, $"reference-{tag}.csv")
        writeData dataFile data
        writeVector initFile w0
        writeVector refFile reference
        let out = twinMode [] [ "time-direction"; "--data"; dataFile; "--init"; initFile; "--reference"; refFile;
                                "--depth"; "2"; "--tol"; "1e-4"; "--budget"; string timeLimit ]
        let reached, steps, seconds, gap = parse (out.Trim().Split('\n') |> Array.last)
        let row =
            sprintf "| %s | %b | %d | %.3f | %.2e | %b | %d | %.3f | %.2e |"
                data.Name ours.Reached ours.Steps ours.Seconds ours.Gap reached steps seconds gap
        printfn "%s" row
        addCsv [ "time to 1-cos<=1e-4 (steps)"; data.Name; "steps"; string ours.Steps; string steps ]
        addCsv [ "time to 1-cos<=1e-4 (seconds)"; data.Name; "seconds"; r17 ours.Seconds; r17 seconds ]
        addCsv [ "time to 1-cos<=1e-4 (reached)"; data.Name; "reached"; string ours.Reached; string reached ]
        row, (ours.Reached, ours.Seconds), (reached, seconds) ]
let oursReached = directions |> List.filter (fun (_, (r, _), _) -> r) |> List.length
let torchReached = directions |> List.filter (fun (_, _, (r, _)) -> r) |> List.length
let median (xs: float list) = if xs.IsEmpty then nan else (List.sort xs).[xs.Length / 2]
let oursMedianSeconds = median [ for (_, (r, s), _) in directions do if r then yield s ]
let torchMedianSeconds = median [ for (_, _, (r, s)) in directions do if r then yield s ]
let endLoad = loadAverage ()

let md =
    [ "# Side by side with PyTorch"
      ""
      sprintf "Run %s UTC by tools/pytorch-twin.fsx%s; torch %s (version, BLAS_INFO) under %s; engine: this build."
          (DateTime.UtcNow.ToString "yyyy-MM-dd HH:mm") (if quick then " --quick" else "") torchVersion python
      sprintf "Load average (1, 5, 15 min) at start: %s; at end: %s. %d cores."
          startLoad endLoad Environment.ProcessorCount
      ""
      "The twin (tools/pytorch/torch_twin.py) is the toolkit's convolutional network written as a PyTorch user"
      "would, in float64: L parameter tensors, beta = irfft(prod_l rfft(w_l, norm=\"ortho\"), norm=\"ortho\"),"
      "log L = logsumexp(-(y x) beta), autograd, and the default step rule normalized:0.5:0.0003 in Python."
      ""
      "## Agreement"
      ""
      sprintf "GaussianTeacher(6, 16, seed) divided by max_n ||x_n|| (as the engine trains), ConvolutionalFourierNetwork(16, L).Initialize(0.5, seed), %d steps of"
          agreementSteps
      "NormalizedStep(0.5, 3e-4) with the exponential loss in both (GradientDescent.Train, the fast kernel)."
      "Difference: max_i |beta_torch[i] - beta_engine[i]| / max_i |beta_engine[i]|."
      ""
      "The last but one column is the same measure between the engine's fast kernel and its own generic twin"
      "(GradientDescent.TrainGeneric, FFTs per step): what rounding alone does to these 50 steps."
      ""
      "| model | data | steps | max abs beta (engine) | torch vs engine | engine fast vs generic twin | verdict |"
      "| --- | --- | ---: | ---: | ---: | ---: | --- |"
      yield! agreement |> List.map (fun (depth, name, steps, scale, r, floor) ->
          sprintf "| conv L=%d | %s | %d | %.3g | %.2e | %.2e | %s |" depth name steps scale r floor
              (if r <= agreementBound floor then "ok" else sprintf "**FAIL** (> %.1e)" (agreementBound floor)))
      ""
      (if agreementPass then sprintf "All agree to %.1e." worstAgreement
       else sprintf "**FAIL: torch and the engine disagree beyond max(1e-6, 10x the engine's own twin difference) (worst %.2e).**"
                worstAgreement)
      ""
      "## Time per step, conv L=4"
      ""
      "Both: warm-up, then 9 timed batches of a full step (loss, gradient, step rule, update), best and"
      "median batch; the eta rule without the floor, as in bench.fsx. Engine: the fast Fourier kernel"
      "(Benchmark.timeKernel) forced to 1 or 2 threads, on a Gaussian-teacher set; torch:"
      "torch.set_num_threads(1 or 2), random data of the same shape. ratio = torch best / engine best."
      sprintf "(GradientDescent.Train uses one thread below N D = %d, so there the 1-thread rows are what it runs;"
          ImplicitBias.Engine.Steppers.StepperThreads.ParallelThreshold
      "the 2-thread rows are forced.)"
      ""
      (if torchBlas.IsSome then
           ("| D | N | threads | engine ns/step (best) | engine (median) | torch ns/step (best) | torch (median) | " +
            "ratio | torch, --blas-dir (best) | (median) | ratio |\n")
           + "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
       else
           ("| D | N | threads | engine ns/step (best) | engine (median) | torch ns/step (best) | torch (median) | " +
            "ratio |\n")
           + "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
      yield! timingRows
      ""
      (match blasDir with
       | Some dir -> sprintf "--blas-dir: torch run with LD_LIBRARY_PATH=%s (and OPENBLAS_NUM_THREADS = threads).\n" dir
       | None -> "")
      "## Time to the direction, conv L=2"
      ""
      sprintf "Run.defaults with normalized:0.5:0.0003 (the rule the twin implements; init 0.5, seed 1) from the same initial parameters, %g s budget,"
          timeLimit
      "until 1 - cos(beta, MaxMargin.Solve(data, FourierL1).Direction) <= 1e-4. The engine checks at"
      "log-spaced records (100 per decade, recording time included), torch every 100 steps (one thread)."
      ""
      ("| data | engine reached | engine steps | engine s | engine 1-cos | torch reached | torch steps | torch s | " +
       "torch 1-cos |")
      "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |"
      yield! directions |> List.map (fun (row, _, _) -> row)
      ""
      sprintf "Reached: engine %d of %d (median %.3f s), torch %d of %d (median %.3f s over the sets it reached)."
          oursReached directions.Length oursMedianSeconds torchReached directions.Length torchMedianSeconds ]
    |> String.concat "\n"

File.WriteAllText(Path.Combine(outDir, "pytorch.md"), md + "\n")
File.WriteAllLines(Path.Combine(outDir, "pytorch.csv"), csvRows)
printfn "\n%s" md
printfn "wrote %s and %s" (Path.Combine(outDir, "pytorch.md")) (Path.Combine(outDir, "pytorch.csv"))
if not agreementPass then exit 1
