namespace ImplicitBias

open System
open System.Diagnostics
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Training
open ImplicitBias.Engine.Steppers

/// One measured configuration: a kernel's step time, its allocation, and the machine's bound.
type BenchRow =
    { Model: string
      Kernel: string
      Dimension: int
      Count: int
      Depth: int
      Parameters: int64
      Threads: int
      StepsTimed: int64
      /// Best batch: the least disturbed by other processes on a shared machine.
      NsPerStep: float
      /// Median batch.
      MedianNsPerStep: float
      BytesPerStep: float
      /// Lower bound on a step's time on this machine (see Benchmark.bound).
      BoundNs: float
      Note: string }
    member r.StepsPerSecond = 1e9 / r.NsPerStep
    member r.NsPerStepPerND = r.NsPerStep / (float r.Dimension * float r.Count)
    member r.FractionOfBound = r.BoundNs / r.NsPerStep

/// A Stopwatch harness for step kernels: warm-up, then repeated timed batches (median), with the
/// bytes allocated per step from GC.GetAllocatedBytesForCurrentThread (the worker threads run
/// only the SIMD loops; the zero-allocation test covers the caller).
module Benchmark =
    /// Read bandwidth (bytes/s) by working-set size and threads, measured once per key in this process.
    let private bandwidthCache = Collections.Generic.Dictionary<struct (int64 * int), float>()

    /// MachineBounds.ReadBandwidth for this working set (rounded up to a power of two), cached.
    let readBandwidth (bytes: int64) threads =
        let key = struct (1L <<< int (ceil (Math.Log2(float (max bytes 8192L)))), threads)
        match bandwidthCache.TryGetValue key with
        | true, v -> v
        | _ ->
            let struct (b, _) = key
            let v = MachineBounds.ReadBandwidth(b, threads, 0.05, 3)
            bandwidthCache.[key] <- v
            v

    /// The machine's bound on a step: the larger of (a) reading the data once and reading and writing the parameters
    /// once, 8 N D + 16 P bytes, at the read bandwidth measured for that working set and thread count, and (b) the 4 N
    /// D flops of the margins and the gradient (one multiply-add per data value each) at the measured FMA peak.
    let bound (fmaPeak: int -> float) (d: int) (n: int) (p: int64) threads =
        let bytes = 8L * int64 d * int64 n + 16L * p
        let memory = float bytes / readBandwidth bytes threads
        let compute = 4.0 * float d * float n / fmaPeak threads
        1e9 * max memory compute

    /// Times Evaluate + step rule + Step of a kernel: warm-up, then 9 batches of about
    /// budget/9 seconds each; returns (best and median ns per step, steps timed, bytes per step).
    /// A kernel whose single step exceeds the budget is timed on one step only.
    let timeKernel (kernel: Stepper) (data: Dataset) (budgetSeconds: float) =
        let loss = ExponentialLoss()
        let rule = NormalizedStep(0.5)
        let scale2 = Math.Pow(data.MaxPointNorm(), 2.0)
        let step () =
            let l = kernel.Evaluate(loss)
            let g2 = kernel.Gradient()
            kernel.Step(rule.Multiplier(l, kernel.ParameterNormSquared(), g2, kernel.Degree, scale2))
        let clock = Stopwatch.StartNew()
        step ()
        let first = clock.Elapsed.TotalSeconds
        if first * 3.0 > budgetSeconds then
            let before = GC.GetAllocatedBytesForCurrentThread()
            let t0 = Stopwatch.GetTimestamp()
            step ()
            let t = Stopwatch.GetElapsedTime(t0).TotalSeconds
            t * 1e9, t * 1e9, 1L, float (GC.GetAllocatedBytesForCurrentThread() - before)
        else
            // Warm-up (JIT tiers, caches) for about a fifth of the budget.
            let mutable warm = 1L
            while clock.Elapsed.TotalSeconds < 0.2 * budgetSeconds do step (); warm <- warm + 1L
            let perStep = clock.Elapsed.TotalSeconds / float warm
            let batches = 9
            let batch = max 1 (int (min 1e9 (0.8 * budgetSeconds / float batches / perStep)))
            // Timestamps (no Stopwatch objects) and a preallocated array: nothing allocated but the steps'.
            let times = Array.zeroCreate batches
            let before = GC.GetAllocatedBytesForCurrentThread()
            for b in 0 .. batches - 1 do
                let t0 = Stopwatch.GetTimestamp()
                for _ in 1 .. batch do step ()
                times.[b] <- Stopwatch.GetElapsedTime(t0).TotalSeconds * 1e9 / float batch
            let bytes = float (GC.GetAllocatedBytesForCurrentThread() - before) / float (int64 batch * int64 batches)
            Array.sortInPlace times
            times.[0], times.[batches / 2], int64 batch * int64 batches, bytes

    /// Measures one configuration: the kernel that `make` builds for the model on a seeded Gaussian-teacher set of N
    /// points in R^D. (docs/performance.md, "Benchmark.measure")
    let measure (fmaPeak: int -> float) budgetSeconds (label: string) depth (model: IParameterization)
                (make: IParameterization -> Dataset -> float[] -> Stepper) note (d, n) =
        GC.Collect()
        let data = SyntheticData.GaussianTeacher(n, d, 1UL, 0.5 / sqrt (float d))
        let w0 = model.Initialize(0.1, 1UL)
        use kernel = make model data w0
        let threads =
            match kernel with
            | :? FourierStepper as k -> k.Threads
            | :? DiagonalStepper as k -> k.Threads
            | :? KernelLiftStepper as k -> k.Threads
            | _ -> 1
        let ns, median, steps, bytes = timeKernel kernel data budgetSeconds
        { Model = label; Kernel = kernel.Name; Dimension = d; Count = n; Depth = depth
          Parameters = int64 model.ParameterCount; Threads = threads; StepsTimed = steps
          NsPerStep = ns; MedianNsPerStep = median; BytesPerStep = bytes
          BoundNs = bound fmaPeak d n (int64 model.ParameterCount) threads
          Note = (if steps = 1L then "time-limited: one step timed" else note) }

    /// The fast kernel Train uses (NetworkFamilies.Stepper).
    let fast (model: IParameterization) (data: Dataset) (w0: float[]) = NetworkFamilies.Stepper(model, data,
                                                                                                ReadOnlySpan w0)
    /// The fast kernel on a given number of threads.
    let fastOn threads (model: IParameterization) (data: Dataset) (w0: float[]) =
        NetworkFamilies.Stepper(model, data, ReadOnlySpan w0, threads)
    /// The generic kernel TrainGeneric uses.
    let generic (model: IParameterization) (data: Dataset) (w0: float[]) : Stepper =
        new GenericStepper(model, data, ReadOnlySpan w0)

    /// The rows as a Markdown table.
    let markdown (rows: BenchRow list) =
        let header =
            ("| model | kernel | D | N | P | threads | steps/s | ns/step (best) | ns/step (median) | ns/step/(N*D) " +
             "| bytes/step | bound ns | fraction of bound | note |\n")
            + "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n"
        header
        + (rows
           |> List.map (fun r ->
               sprintf "| %s | %s | %d | %d | %d | %d | %.4g | %.4g | %.4g | %.3f | %.0f | %.4g | %.2f | %s |"
                   r.Model r.Kernel r.Dimension r.Count r.Parameters r.Threads r.StepsPerSecond r.NsPerStep
                   r.MedianNsPerStep
                   r.NsPerStepPerND r.BytesPerStep r.BoundNs r.FractionOfBound r.Note)
           |> String.concat "\n")

    /// The rows as CSV lines (header first).
    let csv (rows: BenchRow list) =
        ("model,kernel,D,N,P,threads,steps_timed,steps_per_second,ns_per_step_best,ns_per_step_median,"
         + "ns_per_step_per_ND,bytes_per_step,bound_ns,fraction_of_bound,note")
        :: (rows
            |> List.map (fun r ->
                String.Join(",",
                    [| r.Model; r.Kernel; string r.Dimension; string r.Count; string r.Parameters; string r.Threads
                       string r.StepsTimed; r.StepsPerSecond.ToString("R", Globalization.CultureInfo.InvariantCulture)
                       r.NsPerStep.ToString("R", Globalization.CultureInfo.InvariantCulture)
                       r.MedianNsPerStep.ToString("R", Globalization.CultureInfo.InvariantCulture)
                       r.NsPerStepPerND.ToString("R", Globalization.CultureInfo.InvariantCulture)
                       r.BytesPerStep.ToString("R", Globalization.CultureInfo.InvariantCulture)
                       r.BoundNs.ToString("R", Globalization.CultureInfo.InvariantCulture)
                       r.FractionOfBound.ToString("R", Globalization.CultureInfo.InvariantCulture)
                       "\"" + r.Note + "\"" |])))
