// Which kernel a fully connected run alone should get (engine 2.7): FullyConnectedLoneStepper (a lane's bits, layers
// kept by rows and by columns) against FullyConnectedStepper, one step each (Evaluate, Gradient, ||w||^2, Step)
// on the same seeded data, best of three, ns per step. FullyConnectedFamily.MaxLaneParameters (1024) is where the
// lone kernel stops being the faster (docs/performance.md, "Which fc runs, and the 1024-parameter cap"). Pin it to
// one core:
//   taskset -c 1 dotnet fsi tools/fc-kernel-choice.fsx

#load "tools.fsx"

open System
open System.Diagnostics
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Steppers
open ImplicitBias.Engine.Training.Batch

/// Best of three timings of `steps` steps, ns per step, after a tenth of them as warm-up.
let nsPerStep (kernel: Stepper) steps =
    let loss = ExponentialLoss()
    let step () =
        kernel.Evaluate(loss) |> ignore
        kernel.Gradient() |> ignore
        kernel.ParameterNormSquared() |> ignore
        kernel.Step(1e-12)
    for _ in 1 .. steps / 10 do step ()
    [ for _ in 1 .. 3 ->
        let clock = Stopwatch.StartNew()
        for _ in 1 .. steps do step ()
        clock.Elapsed.TotalSeconds * 1e9 / float steps ]
    |> List.min

printfn "| fc | parameters | lone kernel, ns | FullyConnectedStepper, ns |"
printfn "| --- | ---: | ---: | ---: |"
for d, depth, n in [ 16, 3, 10; 24, 2, 24; 16, 4, 16; 20, 3, 20; 32, 2, 32; 24, 3, 24; 32, 3, 32; 32, 4, 32 ] do
    let model = FullyConnectedNetwork(d, depth)
    let data = UnitScale.Of(SyntheticData.GaussianTeacher(n, d, 3UL), ref 0.0)
    let w0 = model.Initialize(0.5, 1UL)
    use lone = NetworkFamilies.Alone(model, data, ReadOnlySpan w0)
    use step = new FullyConnectedStepper(model, data, ReadOnlySpan w0, 1)
    let steps = max 2000 (20_000_000 / model.ParameterCount)
    printfn "| L=%d D=%d N=%d | %d | %.0f | %.0f |"
        depth d n model.ParameterCount (nsPerStep lone steps) (nsPerStep step steps)
