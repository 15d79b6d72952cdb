// What one group of the batch kernel costs alone and among many (issue 11: the ceiling of "batched / one run" while
// a run alone was a batch of one group: FourierLaneStepper, eight lanes, one in use; since engine 2.5 a run alone is
// FourierLoneStepper, the same bits vectorized within the run). With one run costing a group step, the ratio batched /
// alone per core is at most 8 (T_alone + C) / (T_batch + 8 C), T the arithmetic of one group step, C the per-run
// control: it passes 8 only if a group costs more alone than among others (a latency-bound lone run). This times the
// arithmetic alone, without RunState: G groups of conv runs (seeded Gaussian-teacher data, the lanes all in use), each
// step the default rule's capped midpoint step as BatchTrainer takes it (Evaluate, Gradient, half Step without ||w||^2;
// Evaluate without log L, Gradient without its norm, Step from the previous iterate), and prints ns per group step for
// each G. Pin it to one core:
//   taskset -c 1 dotnet fsi tools/lane-kernel-cost.fsx --depth 2 --n 6 --d 16 --groups 1,2,4,16 --steps 2000000
// With --phases it also times each phase of the step alone, in a loop over the groups (ns per group): Evaluate with and
// without log L, Gradient with and without its norm, a Step with and without ||w||^2, and the Step from the previous
// iterate.

#load "tools.fsx"
#load "../scripts/ScriptArgs.fsx"

open System
open System.Diagnostics
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Training.Batch

open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Steppers
let positive name fallback = int (ScriptArgs.positive name fallback)
let depth, count, dimension = positive "--depth" 2L, positive "--n" 6L, positive "--d" 16L
let groupCounts = (ScriptArgs.option "--groups" "1,2,4,16").Split(',')
                  |> Array.map (ScriptArgs.parsePositive "--groups" >> int)
let totalGroupSteps = positive "--steps" 2_000_000L
let lanes = LaneStepper.Lanes

/// A batch of `groups` groups, every lane loaded with a seeded run.
let loaded groups =
    let kernel = FourierLaneStepper(depth, count, dimension, groups)
    let random = SeededRandom(1UL)
    for lane in 0 .. kernel.Capacity - 1 do
        let data = SyntheticData.GaussianTeacher(count, dimension, uint64 (lane + 1))
        let initial = Array.zeroCreate (depth * dimension)
        random.FillGaussian(Span initial, 0.1)
        kernel.Load(lane, UnitScale.Of(data, ref 0.0), ReadOnlySpan initial)
    kernel

/// The best of three passes (after a warm-up pass) of `steps` calls of `body`, in ns per call and group.
let best groups steps (body: unit -> unit) =
    let pass () =
        let clock = Stopwatch.StartNew()
        for _ in 1 .. steps do body ()
        clock.Elapsed.TotalSeconds * 1e9 / float steps / float groups
    pass () |> ignore
    List.min [ for _ in 1 .. 3 -> pass () ]

/// ns per group step of the capped midpoint step, as BatchTrainer takes it, for `groups` groups.
let measure groups =
    let kernel = loaded groups
    let full, half = Array.create kernel.Capacity 1e-3, Array.create kernel.Capacity 5e-4
    let all, busy = Array.create kernel.Capacity true, Array.create groups true
    let steps = max 1 (totalGroupSteps / groups)
    best groups steps (fun () ->
            kernel.Evaluate(0, groups, ReadOnlySpan busy)
            for g in 0 .. groups - 1 do kernel.Gradient g
            for g in 0 .. groups - 1 do
                kernel.Step(g, ReadOnlySpan(half, g * lanes, lanes), ReadOnlySpan(all, g * lanes, lanes),
                            ReadOnlySpan<bool>.Empty, false)
            kernel.Evaluate(0, groups, ReadOnlySpan busy, false)
            for g in 0 .. groups - 1 do kernel.Gradient(g, false)
            for g in 0 .. groups - 1 do
                kernel.Step(g, ReadOnlySpan(full, g * lanes, lanes), ReadOnlySpan(all, g * lanes, lanes),
                            ReadOnlySpan(all, g * lanes, lanes)))

/// Each phase alone, in a loop over the groups (tiny steps, so the parameters stay where they were loaded).
let phases groups =
    let kernel = loaded groups
    let tiny = Array.create kernel.Capacity 1e-9
    let all, busy = Array.create kernel.Capacity true, Array.create groups true
    let steps = max 1 (totalGroupSteps / groups)
    let step back norm =
        for g in 0 .. groups - 1 do
            let take = ReadOnlySpan(all, g * lanes, lanes)
            kernel.Step(g, ReadOnlySpan(tiny, g * lanes, lanes), take,
                        (if back then take else ReadOnlySpan<bool>.Empty), norm)
    printfn "  phases, %d group(s), ns per group:" groups
    for name, body in
        [ "Evaluate with log L", (fun () -> kernel.Evaluate(0, groups, ReadOnlySpan busy, true))
          "Evaluate without log L", (fun () -> kernel.Evaluate(0, groups, ReadOnlySpan busy, false))
          "Gradient with its norm", (fun () -> for g in 0 .. groups - 1 do kernel.Gradient(g, true))
          "Gradient without its norm", (fun () -> for g in 0 .. groups - 1 do kernel.Gradient(g, false))
          "Step with ||w||^2", (fun () -> step false true)
          "Step without ||w||^2", (fun () -> step false false)
          "Step from the previous iterate", (fun () -> step true true) ] do
        printfn "    %-32s %6.0f" name (best groups steps body)

printfn "conv L=%d N=%d D=%d, %d lanes a group, capped midpoint steps (two gradients a step), best of three:"
    depth count dimension lanes
for groups in groupCounts do
    let ns = measure groups
    printfn "  %2d group(s): %6.0f ns per group step = %.3g run-steps/s a core (all lanes in use)"
        groups ns (float lanes * 1e9 / ns)
    if ScriptArgs.flag "--phases" then phases groups
