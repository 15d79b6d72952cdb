/// The seeded generators (core/Engine/Data/SyntheticData.cs): seeded, and separated by their teacher.
module ImplicitBias.Tests.TestSyntheticData

open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Tests.TestUtil

[<Tests>]
let tests =
    testList "SyntheticData" [
        testCase "Gaussian-teacher data is separable by its teacher and seeded" <| fun _ ->
            let mutable teacher = null
            let a = SyntheticData.GaussianTeacher(50, 12, 9UL, &teacher)
            Expect.equal a.Features (SyntheticData.GaussianTeacher(50, 12, 9UL)).Features "same seed, same data"
            Expect.notEqual (SyntheticData.GaussianTeacher(50, 12, 10UL)).Features a.Features "another seed, other data"
            for n in 0 .. a.Count - 1 do
                let m = a.Labels[n] * dot (a.Point(n).ToArray()) teacher
                Expect.isGreaterThan m 0.0 $"point {n} is on its label's side of the teacher"

        testCase "Fourier-sparse teacher: K frequencies (with conjugates) and it separates the data" <| fun _ ->
            for d, k in [ 16, 2; 17, 3; 32, 1 ] do
                let mutable teacher = null
                let data = SyntheticData.FourierSparseTeacher(40, d, k, 4UL, &teacher)
                let nonZero = UnitaryDft.Magnitudes(System.ReadOnlySpan teacher) |> Array.filter (fun m -> m > 1e-12)
                              |> Array.length
                Expect.isLessThanOrEqual nonZero (2 * k) $"D = {d}: at most 2K non-zero coefficients"
                Expect.isGreaterThanOrEqual nonZero k $"D = {d}: at least K non-zero coefficients"
                for n in 0 .. data.Count - 1 do
                    Expect.isGreaterThan (data.Labels[n] * dot (data.Point(n).ToArray()) teacher) 0.0 $"point {n}"
    ]
