// Benchmarks of a gradient step (issue 5): dotnet fsi build.fsx -t Bench (or dotnet fsi tools/bench.fsx [--quick]).
// Prints and writes out/bench/bench.md and out/bench/bench.csv: steps per second, ns per step per
// N*D, bytes allocated per step and the fraction of this machine's bound measured in this run, for
// linear, fc, diag and conv at L = 4 on (D, N) = (64, 32) .. (4096, 1024), the naive twins beside
// them, the issue-10 nets (kernel size 8 with 8 channels at L = 2, 2-D conv on square images), and the time to the
// asymptotic direction. Takes about 2-3 minutes on a quiet 2-core machine.
#load "tools.fsx"

open System
open System.IO
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Training

let quick = fsi.CommandLineArgs |> Array.contains "--quick"
let budget = if quick then 0.3 else 0.8   // seconds per configuration
let sizes = [ (64, 32); (256, 128); (1024, 512); (4096, 1024) ]
let depth = 4
let outDir = Path.Combine(__SOURCE_DIRECTORY__, "..", "out", "bench")
Directory.CreateDirectory outDir |> ignore

// Machine bounds, measured now.
let peaks = Collections.Generic.Dictionary<int, float>()
let fmaPeak threads =
    match peaks.TryGetValue threads with
    | true, v -> v
    | _ -> let v = MachineBounds.FmaPeak(threads, 0.1, 5) in peaks.[threads] <- v; v
let cores = Environment.ProcessorCount
let triadBig = MachineBounds.TriadBandwidth(256L <<< 20, cores, 0.2, 3)
let machine =
    [ sprintf "cores: %d; SIMD: Vector<double> = %d lanes, Vector512 accelerated: %b"
          cores Numerics.Vector<float>.Count Runtime.Intrinsics.Vector512.IsHardwareAccelerated
      sprintf "FMA peak: %.1f GFLOP/s (1 thread), %.1f GFLOP/s (%d threads)"
          (fmaPeak 1 / 1e9) (fmaPeak cores / 1e9) cores
      sprintf "triad bandwidth, 256 MB working set, %d threads: %.1f GB/s" cores (triadBig / 1e9)
      sprintf "load average at start: %s" (try File.ReadAllText("/proc/loadavg").Trim() with _ -> "n/a") ]
machine |> List.iter (printfn "%s")

let measureAt depth label (model: IParameterization) make note (d, n) =
    let r = Benchmark.measure fmaPeak budget label depth model make note (d, n)
    printfn "%-10s %-22s D=%-5d N=%-5d %10.4g ns/step  %6.3f ns/step/ND  %5.0f B/step  %.2f of bound"
        r.Model r.Kernel d n r.NsPerStep r.NsPerStepPerND r.BytesPerStep r.FractionOfBound
    r

let measure label model make note size = measureAt depth label model make note size

let rows =
    [ for (d, n) in sizes do
        yield measure "linear" (LinearModel d) Benchmark.fast "" (d, n)
        yield measure "diag" (DiagonalNetwork(d, depth)) Benchmark.fast "" (d, n)
        yield measure "conv" (ConvolutionalFourierNetwork(d, depth)) Benchmark.fast "" (d, n)
        if d * n >= ImplicitBias.Engine.Steppers.StepperThreads.ParallelThreshold then
            yield measure "conv" (ConvolutionalFourierNetwork(d, depth)) (Benchmark.fastOn 1) "one thread" (d, n)
        yield measure "conv-fft" (ConvolutionalFourierNetwork(d, depth)) Benchmark.generic "generic loop, FFTs per step"
                  (d, n)
        yield measure "conv-time" (ConvolutionalNetwork(d, depth)) Benchmark.generic "naive twin, O(L D^2)" (d, n)
        yield measure "fc" (FullyConnectedNetwork(d, depth)) Benchmark.generic "generic loop, matrix-vector products"
                  (d, n)
        // Issue 10: depth-2 nets with kernels of size 8 and 8 channels (the K x D lift), and the 2-D full-width
        // net on a square image (the Fourier kernel on the grid), each beside its time-domain twin where that is
        // affordable.
        let kernel = KernelConvolutionalNetwork(d, 8, 8, 2)
        yield measureAt 2 "conv-k8-c8" kernel Benchmark.fast "K x D lift" (d, n)
        if d <= 1024 then yield measureAt 2 "conv-k8-c8" kernel Benchmark.generic "time-domain twin, O(C K D)" (d, n)
        let side = int (round (sqrt (float d)))
        if side * side = d then
            let grid = Grid(side, side)
            let image = KernelConvolutionalNetwork(grid, KernelSize.Full grid, 1, depth)
            yield measure "conv-2d" image Benchmark.fast $"{side}x{side} image, 2-D Fourier kernel" (d, n)
            if d <= 256 then
                yield measure "conv-2d" image Benchmark.generic $"{side}x{side} image, time-domain twin O(L D^2)"
                          (d, n) ]

// Time to the asymptotic direction with train.fsx's defaults (Run.defaults), 10 s budget each, on
// 30 seeded datasets per model (5 with --quick): how often 1 - cos <= 1e-4 is reached, and how fast.
let timeLimit = if quick then 3.0 else 10.0
let seeds = if quick then [ 1UL .. 5UL ] else [ 1UL .. 30UL ]
let directionCases =
    [ "conv L=2", "Fourier-l1", MarginBias.FourierL1, (fun seed -> SyntheticData.GaussianTeacher(6, 16, seed)),
        Run.defaults |> Run.withModel Convolutional 2
      "fc L=3", "l2", MarginBias.L2, (fun seed -> SyntheticData.GaussianTeacher(10, 32, seed)),
        Run.defaults |> Run.withModel FullyConnected 3 ]
let directionRows, directionSummary =
    [ for (label, biasName, bias, makeData, settings) in directionCases ->
        let timings =
            [ for seed in seeds ->
                let data: Dataset = makeData seed
                let reference = MaxMargin.Solve(data, bias)
                let t =
                    TimeToDirection.measure reference.Direction 1e-4 100 (settings |> Run.withTimeLimit timeLimit) data
                let slowest =
                    if bias = MarginBias.FourierL1 then TimeToDirection.largestOffSupportCertificate data reference
                    else nan
                let line =
                    sprintf "| %s | %s | %s | %s (gap %.1e) | %b | %d | %.3f | %.2e | %.2e | %.3f |"
                        label data.Name (settings.Step.Describe()) biasName reference.RelativeGap
                        t.Reached t.Steps t.Seconds t.Gap t.BestGap slowest
                printfn "%s" line
                line, t ]
        let reached = timings |> List.map snd |> List.filter (fun t -> t.Reached)
        let median (xs: float list) = if xs.IsEmpty then nan else (List.sort xs).[xs.Length / 2]
        let summary =
            sprintf "| %s | %s | %d of %d | %.0f | %.3f | %.0f | %.3f |"
                label (settings.Step.Describe()) reached.Length timings.Length
                (median [ for t in reached -> float t.Steps ]) (median [ for t in reached -> t.Seconds ])
                (if reached.IsEmpty then nan else reached |> List.map (fun t -> float t.Steps) |> List.max)
                (if reached.IsEmpty then nan else reached |> List.map (fun t -> t.Seconds) |> List.max)
        printfn "%s" summary
        List.map fst timings, summary ]
    |> List.unzip

let directionTable =
    "| model | step rule | reached 1-cos <= 1e-4 | median steps | median s | max steps | max s |\n"
    + "| --- | --- | --- | ---: | ---: | ---: | ---: |\n"
    + String.concat "\n" directionSummary
    + "\n\nPer dataset (the last column: the largest modulus of the Fourier-l1 dual certificate off the support; the"
    + "\noff-support coefficients of a conv L=2 net decay like (-log L)^-(1 - it) along the gradient path):\n\n"
    + ("| model | data | step rule | reference | reached | steps | seconds | 1-cos then | best 1-cos | largest " +
       "off-support certificate |\n")
    + "| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n"
    + String.concat "\n" (List.concat directionRows)

let md =
    [ "# Benchmark of a gradient step"
      ""
      sprintf "Run %s UTC by tools/bench.fsx%s."
          (DateTime.UtcNow.ToString "yyyy-MM-dd HH:mm") (if quick then " --quick" else "")
      ""
      yield! machine |> List.map (fun l -> "- " + l)
      ""
      "Each row: warm-up, then 9 timed batches of Evaluate + step rule + Step (no records); ns/step is"
      "the best batch (least disturbed by other processes), the median beside it. Bytes per step are"
      "GC.GetAllocatedBytesForCurrentThread over all batches divided by the steps. The bound is the"
      "larger of reading the data once plus reading and writing the parameters once (8ND + 16P bytes)"
      "at the read bandwidth measured here for that working set and thread count, and 4ND flops at the"
      "measured FMA peak; fraction of bound = bound / measured (1 = at the bound). Rows marked"
      "time-limited had a single step longer than a third of the budget and time that one step."
      ""
      Benchmark.markdown rows
      ""
      "## Time to the asymptotic direction"
      ""
      sprintf "Training with Run.defaults (train.fsx's defaults) for at most %g s on each of %d seeded Gaussian-teacher sets,"
          timeLimit seeds.Length
      "records 100 per decade; steps and seconds at the first record with 1 - cos(beta, reference) <= 1e-4"
      "(recording time included)."
      "References: MaxMargin.Solve (core/Engine/Reference)."
      ""
      directionTable ]
    |> String.concat "\n"

File.WriteAllText(Path.Combine(outDir, "bench.md"), md + "\n")
File.WriteAllLines(Path.Combine(outDir, "bench.csv"), Benchmark.csv rows)
printfn "\n%s" md
printfn "wrote %s" (Path.GetFullPath outDir)
