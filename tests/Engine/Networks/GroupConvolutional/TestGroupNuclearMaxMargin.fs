/// The depth-2 G-CNN's certified limit (GroupNuclearMaxMargin.cs, GroupNuclearCertificate.cs, GroupNuclearNorm.cs):
/// certified gaps on random sets of every built-in group, the cyclic case against the Fourier-l1 reference solver,
/// a certificate that weak duality keeps honest, and gradient descent on D_4 approaching the certified limit.
module ImplicitBias.Tests.Engine.Networks.GroupConvolutional.TestGroupNuclearMaxMargin

open System
open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Groups
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Training
open ImplicitBias.Tests.TestUtil

let private span (a: float[]) = ReadOnlySpan a
let private direction (v: float[]) = let n = sqrt (dot v v) in Array.map (fun x -> x / n) v
let private angleDegrees (a: float[]) (b: float[]) = acos (min 1.0 (dot (direction a) (direction b))) * 180.0 / Math.PI

[<Tests>]
let tests =
    testList "Networks.GroupConvolutional.NuclearMaxMargin" [
        testCase "certified gap <= 1e-9 on random sets: D_n, Q8, A4, S4, products; N = |G|/4, |G|/2, |G|" <| fun _ ->
            for name in [ "D3"; "D4"; "D5"; "D8"; "Q8"; "A4"; "S4"; "D3xC2"; "Q8xC3"; "C4xC4" ] do
                let fourier = GroupFourier(StandardGroups.Parse name)
                let n = fourier.Group.Order
                for count in [ max 1 (n / 4); n / 2; n ] do
                    for seed in 1UL .. 3UL do
                        let data = SyntheticData.GaussianTeacher(count, n, seed)
                        let s = GroupNuclearMaxMargin.Solve(fourier, data)
                        Expect.isTrue s.Certified $"{name} N={count} seed {seed}: {s.Message}"
                        Expect.isLessThanOrEqual s.RelativeGap 1e-9 s.Message
                        Expect.floatClose Accuracy.high s.MinMargin 1.0 "feasible at margin 1"

        testCase "larger groups: D15 and D60 (order 120, N = 30) certified" <| fun _ ->
            for name, count in [ "D15", 30; "D60", 30 ] do
                let fourier = GroupFourier(StandardGroups.Parse name)
                let data = SyntheticData.GaussianTeacher(count, fourier.Group.Order, 1UL)
                let s = GroupNuclearMaxMargin.Solve(fourier, data)
                Expect.isTrue s.Certified s.Message

        testCase "on C_n it is the Fourier-l1 max-margin problem: the project's reference solver agrees" <| fun _ ->
            for n, count in [ 8, 4; 12, 6; 16, 8; 9, 9 ] do
                let fourier = GroupFourier(StandardGroups.Cyclic n)
                for seed in 1UL .. 3UL do
                    let data = SyntheticData.GaussianTeacher(count, n, seed)
                    let ours = GroupNuclearMaxMargin.Solve(fourier, data)
                    let reference = MaxMargin.Solve(data, MarginBias.FourierL1, 1e-12)
                    let value = abs (ours.Primal - reference.PrimalObjective) / reference.PrimalObjective
                    Expect.isLessThan value 1e-9 $"C{n} seed {seed}: value"
                    // Directions agree to about sqrt of the reference's gap where the optimum is flat
                    // (1.3e-6 measured on C12).
                    let directions = relativeError (direction ours.Beta) (direction reference.Beta)
                    Expect.isLessThan directions 1e-5 $"C{n} seed {seed}: direction"
                    let beta = gaussian seed n
                    let l1 = MarginNorms.Norm(MarginBias.FourierL1, span beta, Nullable())
                    Expect.floatClose Accuracy.high (GroupNuclearNorm.Value(fourier, span beta)) l1 "norm"
                    let lInfinity = MarginNorms.DualNorm(MarginBias.FourierL1, span beta, Nullable())
                    Expect.floatClose Accuracy.high (GroupNuclearNorm.Dual(fourier, span beta)) lInfinity "dual norm"

        testCase "the certificate is honest: random candidates obey weak duality, a nudged optimum fails" <| fun _ ->
            for name in [ "D5"; "Q8"; "S4"; "A4" ] do
                let fourier = GroupFourier(StandardGroups.Parse name)
                let n = fourier.Group.Order
                let data = SyntheticData.GaussianTeacher(n / 2, n, 4UL)
                let best = GroupNuclearMaxMargin.Solve(fourier, data)
                for seed in 1UL .. 20UL do
                    let beta = Array.map2 (fun a b -> a + 0.3 * b) best.Beta (gaussian seed n)
                    let alpha = gaussian (seed + 100UL) data.Count |> Array.map abs
                    let c = GroupNuclearCertificate.Certify(fourier, data, span beta, span alpha, 0, 1e-9)
                    if c.MinMargin > 0.0 then
                        Expect.isGreaterThan c.RelativeGap -1e-12 $"{name} seed {seed}: weak duality"
                let nudged = Array.mapi (fun i v -> if i = 0 then v + 1e-4 else v) best.Beta
                let c = GroupNuclearCertificate.Certify(fourier, data, span nudged, span best.Dual, 0, 1e-9)
                Expect.isFalse c.Certified $"{name}: nudged optimum {c.Message}"

        testCase "gradient descent on the depth-2 G-CNN over D_4 approaches the certified limit" <| fun _ ->
            let fourier = GroupFourier(StandardGroups.Dihedral 4)
            let data = SyntheticData.GaussianTeacher(4, 8, 2UL)
            let limit = GroupNuclearMaxMargin.Solve(fourier, data)
            let model = GroupConvolutionalFourierNetwork(fourier, 2)
            let w0 = model.Initialize(0.1, 1UL)
            let angle steps =
                let settings = TrainingSettings(NormalizedStep(0.5), ExponentialLoss(), steps)
                let r = GradientDescent.Train(model, data, ReadOnlySpan w0, settings)
                angleDegrees r.Direction limit.Beta
            let early, late = angle 10000, angle 100000
            Expect.isLessThan late early "closer with more steps"
            Expect.isLessThan late 1.0 $"within a degree after 1e5 steps ({late:F3} deg)"
    ]
