/// Results do not depend on whether the machine has AVX-512 (a cluster's nodes often differ: AVX2 on some, AVX-512 on
/// others, and a Slurm task may land on either). The same runs are trained in a child process with AVX-512 turned off
/// (DOTNET_EnableAVX512=0: Vector512 is then two 256-bit halves, TensorPrimitives takes its 256-bit paths) and compared
/// bit for bit with this process's. Until 2026-12-03 the records' and the settling floor's norms used
/// TensorPrimitives.Dot, whose summation order follows the vector width, and this test failed.
module ImplicitBias.Tests.TestInstructionSets

open System
open System.Diagnostics
open System.IO
open Expecto

/// A script that trains a few seeded runs (every kind of kernel: lone and batched lane kernels, the Fourier, diagonal,
/// fc and generic kernels) and prints one checksum of all their numbers.
let private script (engine: string) = $"""
#r @"{engine}"
open System
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Training
let mutable hash = 14695981039346656037UL
let add (x: float) = hash <- (hash ^^^ uint64 (BitConverter.DoubleToInt64Bits x)) * 1099511628211UL
let rule = SettlingStep(0.5, 1e-5, 0.2, 1e-5, true, true)
for (model: IParameterization), n, d, loss in
      [ ConvolutionalFourierNetwork(16, 2) :> IParameterization, 6, 16, ExponentialLoss() :> ILoss
        ConvolutionalFourierNetwork(64, 3), 40, 64, ExponentialLoss()
        DiagonalNetwork(12, 2), 5, 12, ExponentialLoss()
        DiagonalNetwork(12, 3), 5, 12, LogisticLoss()
        LinearModel(40), 30, 40, ExponentialLoss()
        FullyConnectedNetwork(10, 3), 7, 10, ExponentialLoss()
        ConvolutionalNetwork(9, 2), 4, 9, ExponentialLoss() ] do
    let data = SyntheticData.GaussianTeacher(n, d, 5UL)
    let r = GradientDescent.Train(model, data, ReadOnlySpan(model.Initialize(0.5, 3UL)),
                                  TrainingSettings(rule, loss, 3000L, RecordsPerDecade = 10))
    add (float r.Steps)
    Array.iter add r.Parameters
    for record in r.Records do
        add record.LogLoss; add record.NormalizedMargin; add record.SmoothedMargin; add record.AngleToPrevious
printfn "checksum %%016x" hash
"""

/// Runs the script with `dotnet fsi` under the given environment variable (name, value) or none; its last line.
let private checksum (environment: (string * string) option) =
    let file = Path.Combine(Path.GetTempPath(), $"instruction-sets-{Guid.NewGuid():N}.fsx")
    try
        File.WriteAllText(file, script (Path.Combine(AppContext.BaseDirectory, "ImplicitBias.Engine.dll")))
        let start = ProcessStartInfo("dotnet", $"fsi --quiet --exec \"{file}\"", RedirectStandardOutput = true,
                                     RedirectStandardError = true, UseShellExecute = false)
        environment |> Option.iter (fun (name, value) -> start.Environment[name] <- value)
        use p = Process.Start start
        let output = p.StandardOutput.ReadToEndAsync()
        let errors = p.StandardError.ReadToEndAsync()
        if not (p.WaitForExit 300_000) then p.Kill true
        let lines = output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        Expect.equal p.ExitCode 0 $"the script ran ({errors.Result})"
        lines |> Array.last |> fun l -> l.Trim()
    finally File.Delete file

[<Tests>]
let tests =
    testList "Instruction sets" [
        testCase
            "the same runs give the same bits with and without AVX-512 (conv, diag, linear, fc, generic; lone kernels)"
        <| fun () ->
            let native = checksum None
            Expect.stringStarts native "checksum " "a checksum"
            let without = checksum (Some("DOTNET_EnableAVX512", "0"))
            Expect.equal without native "checksums with DOTNET_EnableAVX512=0 and on this machine"
    ]
