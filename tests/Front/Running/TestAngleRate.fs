/// core/Front/Running/AngleRate.fs: the rate at which a run's angle to its certified limit falls with
/// theta = log(-log L), fitted as exp(-delta theta) and as theta^-power, and its place in a tracked run.
module ImplicitBias.Tests.TestAngleRate

open Expecto
open ImplicitBias
open ImplicitBias.Engine.Data

open ImplicitBias.Engine.Fourier
[<Tests>]
let tests =
    testList "AngleRate" [
        testCase "an exact exponential gives its delta with R^2 = 1; an exact power law its power" <| fun _ ->
            let thetas = [ for k in 0 .. 20 -> 10.0 + 2.5 * float k ]
            match AngleRate.fit [ for t in thetas -> t, 0.4 * exp (-0.03 * (t - 10.0)) ] with
            | None -> failtest "expected a fit"
            | Some r ->
                Expect.floatClose Accuracy.high r.Delta 0.03 "delta"
                Expect.floatClose Accuracy.high r.DeltaR2 1.0 "exponential R^2"
                Expect.isLessThan r.PowerR2 r.DeltaR2 "the power law fits worse"
                Expect.equal (r.Points, r.ThetaFrom, r.ThetaTo) (21, 10.0, 60.0) "points and range"
            match AngleRate.fit [ for t in thetas -> t, 0.4 * (t / 10.0) ** -2.0 ] with
            | None -> failtest "expected a fit"
            | Some r ->
                Expect.floatClose Accuracy.high r.Power 2.0 "power"
                Expect.floatClose Accuracy.high r.PowerR2 1.0 "power R^2"
                Expect.isLessThan r.DeltaR2 r.PowerR2 "the exponential fits worse"

        testCase
            "before the fit (angle >= 0.5), undefined theta and zero angles are left out; fewer than 3 points: none"
        <| fun _ ->
            let points = [ 5.0, 0.9; nan, 0.1; 12.0, 0.0; 20.0, 0.1; 30.0, 0.05; 40.0, 0.025 ]
            match AngleRate.fit points with
            | None -> failtest "three usable points"
            | Some r -> Expect.equal r.Points 3 "only the three after the fit"
            Expect.isNone (AngleRate.fit [ 20.0, 0.1; 30.0, 0.05 ]) "two points"
            Expect.isNone (AngleRate.fit [ 20.0, 0.1; 20.0, 0.05; 20.0, 0.02 ]) "no spread in theta"

        testCase "the Fourier-l1 certificate carries its off-support maximum (in [0, 1]); other kinds NaN" <| fun _ ->
            for seed in 1UL .. 6UL do
                let data = SyntheticData.GaussianTeacher(6 + int seed, 8 + 3 * int seed, seed)
                let zero = System.ReadOnlySpan(Array.zeroCreate data.Dimension)
                let l1 =
                    ImplicitBias.Engine.Theory.CertifiedLimit.Find(
                        data, ImplicitBias.Engine.Theory.LimitKind.FourierL1, 1.0, zero)
                Expect.isTrue (l1.OffSupportMax >= 0.0 && l1.OffSupportMax <= 1.0 + 1e-9)
                    $"seed {seed}: {l1.OffSupportMax}"
                let l2 =
                    ImplicitBias.Engine.Theory.CertifiedLimit.Find(
                        data, ImplicitBias.Engine.Theory.LimitKind.L2, 2.0, zero)
                Expect.isTrue (System.Double.IsNaN l2.OffSupportMax) "l2: none"

        testCase "a tracked run records theta with every angle and fits its rate" <| fun _ ->
            let data = SyntheticData.GaussianTeacher(6, 8, 3UL)
            // the fit ends after about 3e5 capped steps
            let s = Run.defaults |> Run.withSteps 3_000_000L |> Run.withTimeLimit 600.0
            let run = Run.trainTracked (fun _ _ -> ()) s data
            let thetas = run.AnglesToLimit |> List.map (fun a -> a.Theta) |> List.filter System.Double.IsFinite
            Expect.isNonEmpty thetas "theta at the decade records"
            Expect.equal thetas (List.sort thetas) "theta grows along the run"
            match run.AngleRate with
            | None -> failtest $"a rate after the fit: {run.AnglesToLimit}"
            | Some r ->
                Expect.isGreaterThanOrEqual r.Points 3 "measurements after the fit"
                Expect.isTrue (System.Double.IsFinite r.Delta && System.Double.IsFinite r.Power) "finite fits"
    ]
