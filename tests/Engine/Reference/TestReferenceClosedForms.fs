/// Max-margin problems whose solutions are known in closed form: one point, orthogonal points,
/// D = 1, and data that cannot be separated.
module ImplicitBias.Tests.TestReferenceClosedForms

open System
open System.Numerics
open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Reference
open ImplicitBias.Tests.TestUtil
open ImplicitBias.Tests.TestReferenceCertificate

/// Every solver of a bias: the primary one and the interior-point twin.
let solvers bias (data: Dataset) = [ MaxMargin.Solve(data, bias); GroupNormSolve.Run(data, bias) ]

let all = [ MarginBias.L2; MarginBias.FourierL1; MarginBias.TimeL1 ]

/// Interior-point answers converge to the solution to about sqrt(gap) or better; exact methods to round-off.
let solutionTolerance = 1e-5

let private onePoint (x: float[]) (y: float) = Dataset(Array.copy x, [| y |], x.Length, "one point")

let private spectrum (v: float[]) = NaiveDft.Forward(ReadOnlySpan(v |> Array.map (fun x -> Complex(x, 0.0))))

/// The Fourier-l1 solution for one point z: all weight on k* = argmax |z_hat[k]| (and its conjugate
/// partner D-k*): beta[p] = Re(z_hat[k*] e^{2 pi i k* p / D}) / (sqrt D |z_hat[k*]|^2), objective 1/|z_hat[k*]|.
/// (Pair: b_hat[k*] = z_hat[k*] / (2|z_hat[k*]|^2) on both members gives margin 2 |b_hat||z_hat| = 1 and
/// ||b_hat||_1 = 1/|z_hat|; a self-conjugate k* needs b_hat = 1/z_hat, the same formula.)
let fourierOnePoint (z: float[]) =
    let dim = z.Length
    let zh = spectrum z
    let k = [| 0 .. dim - 1 |] |> Array.maxBy (fun k -> zh.[k].Magnitude)
    let m = zh.[k].Magnitude
    Array.init dim (fun p ->
        (zh.[k] * Complex.FromPolarCoordinates(1.0, 2.0 * Math.PI * float (p * k % dim) / float dim)).Real
        / (sqrt (float dim) * m * m)), 1.0 / m

[<Tests>]
let tests =
    testList "ReferenceClosedForms" [
        testCase "one point: l2 gives x/||x||^2 (times y)" <| fun () ->
            let x = gaussian 11UL 9
            let data = onePoint x -1.0
            let expected = x |> Array.map (fun v -> -v / dot x x)
            for s in solvers MarginBias.L2 data do
                check data s 1e-8
                Expect.isLessThan (relativeError s.Beta expected) solutionTolerance $"{s.Solver}"

        testCase "one point: time-l1 puts all weight on the largest |x_d|" <| fun () ->
            let x = [| 0.3; -1.2; 2.5; -3.1; 0.7; 1.9 |]
            let data = onePoint x 1.0
            let expected = Array.init 6 (fun d -> if d = 3 then -1.0 / 3.1 else 0.0)
            for s in solvers MarginBias.TimeL1 data do
                check data s 1e-8
                Expect.isLessThan (relativeError s.Beta expected) solutionTolerance $"{s.Solver}"
                Expect.floatClose Accuracy.medium s.PrimalObjective (1.0 / 3.1) "objective 1/||x||_inf"

        testCase "one point: Fourier-l1 puts all weight on the largest |x_hat[k]|, conjugate pairs together"
        <| fun () ->
            let cases =
                [ "pair k=3 of D=16", 16, (fun p -> 2.0 * cos (2.0 * Math.PI * 3.0 * float p / 16.0 + 0.4)
                                                    + 0.3 * cos (2.0 * Math.PI * 5.0 * float p / 16.0) + 0.1)
                  "pair k=2 of odd D=9", 9, (fun p -> 1.5 * sin (2.0 * Math.PI * 2.0 * float p / 9.0) + 0.2)
                  "k=0 of D=8", 8, (fun p -> 1.5 + 0.2 * cos (2.0 * Math.PI * float p / 8.0))
                  "k=D/2 of D=8", 8, (fun p -> (if p % 2 = 0 then 1.0 else -1.0)
                                               + 0.3 * cos (2.0 * Math.PI * 3.0 * float p / 8.0 + 1.0)) ]
            for name, dim, f in cases do
                let x = Array.init dim f
                let data = onePoint x -1.0
                let expected, objective = fourierOnePoint (x |> Array.map (fun v -> -v))
                for s in solvers MarginBias.FourierL1 data do
                    check data s 1e-8
                    Expect.isLessThan (relativeError s.Beta expected) solutionTolerance $"{name}: {s.Solver}"
                    Expect.floatClose Accuracy.medium s.PrimalObjective objective $"{name}: objective 1/max|x_hat|"

        testCase "orthogonal points: l2 gives sum_n z_n/||z_n||^2" <| fun () ->
            // Gram-Schmidt on Gaussian rows, then random lengths and labels.
            let dim, count = 10, 4
            let rows = Array.init count (fun n -> gaussian (uint64 (20 + n)) dim)
            for n in 0 .. count - 1 do
                for m in 0 .. n - 1 do
                    let c = dot rows.[n] rows.[m] / dot rows.[m] rows.[m]
                    rows.[n] <- Array.map2 (fun a b -> a - c * b) rows.[n] rows.[m]
            let lengths = [| 0.5; 2.0; 1.0; 3.0 |]
            let labels = [| 1.0; -1.0; -1.0; 1.0 |]
            let x = rows |> Array.mapi (fun n r ->
                let l = sqrt (dot r r) in r |> Array.map (fun v -> v / l * lengths.[n]))
            let data = Dataset(Array.concat x, labels, dim, "orthogonal")
            let expected = Array.init dim (fun d ->
                Seq.sum (seq { for n in 0 .. count - 1 -> labels.[n] * x.[n].[d] / (lengths.[n] ** 2.0) }))
            for s in solvers MarginBias.L2 data do
                check data s 1e-8
                Expect.isLessThan (relativeError s.Beta expected) solutionTolerance $"{s.Solver}"

        testCase "orthogonal points on distinct axes: time-l1 gives beta_d = 1/z_n,d" <| fun () ->
            let dim = 7
            let entries = [ 1, 2.0, 1.0; 4, 0.5, -1.0; 6, 3.0, -1.0 ]
            let features =
                [| for d, a, _ in entries -> Array.init dim (fun i -> if i = d then a else 0.0) |] |> Array.concat
            let data = Dataset(features, [| for _, _, y in entries -> y |], dim, "axes")
            let expected = Array.init dim (fun i ->
                match entries |> List.tryFind (fun (d, _, _) -> d = i) with Some(_, a, y) -> y / a | None -> 0.0)
            for s in solvers MarginBias.TimeL1 data do
                check data s 1e-8
                Expect.isLessThan (relativeError s.Beta expected) solutionTolerance $"{s.Solver}"

        testCase "points on disjoint frequencies: Fourier-l1 solves each alone and adds" <| fun () ->
            // z_n = a_n cos(2 pi k_n p / D + phi_n): z_hat has modulus a_n sqrt(D)/2 at +-k_n only, so the
            // constraints decouple and beta = sum_n 2 cos(2 pi k_n p / D + phi_n) / (a_n D).
            let dim = 16
            let waves = [ 1, 1.0, 0.3, 1.0; 3, 2.0, -1.1, -1.0; 6, 0.7, 2.0, 1.0 ]
            let wave k a phi = Array.init dim (fun p -> a * cos (2.0 * Math.PI * float (k * p) / float dim + phi))
            let features = [| for k, a, phi, y in waves -> wave k (y * a) phi |] |> Array.concat
            let data = Dataset(features, [| for _, _, _, y in waves -> y |], dim, "disjoint frequencies")
            let expected =
                waves |> List.map (fun (k, a, phi, _) -> wave k (2.0 / (a * float dim)) phi)
                |> List.reduce (Array.map2 (+))
            let objective = waves |> List.sumBy (fun (_, a, _, _) -> 2.0 / (a * sqrt (float dim)))
            for s in solvers MarginBias.FourierL1 data do
                check data s 1e-8
                Expect.isLessThan (relativeError s.Beta expected) solutionTolerance $"{s.Solver}"
                Expect.floatClose Accuracy.medium s.PrimalObjective objective "objective"

        testCase "D = 1: every norm is |beta| and every solver gives 1/min z_n" <| fun () ->
            let data = Dataset([| 0.5; -2.0; 3.0 |], [| 1.0; -1.0; 1.0 |], 1, "D=1")
            for bias in all do
                for s in solvers bias data do
                    check data s 1e-8
                    Expect.floatClose Accuracy.medium s.Beta.[0] 2.0 $"{bias} by {s.Solver}"
            let s = TimeL1LinearProgram.Solve data
            Expect.floatClose Accuracy.medium s.Beta.[0] 2.0 "OR-Tools"

        testCase "not separable: every solver says so, with alpha >= 0, sum 1, Z'alpha = 0 as evidence" <| fun () ->
            let r = ImplicitBias.Engine.Numerics.SeededRandom(3UL)
            let randomLabels = Dataset(Array.init (60 * 3) (fun _ -> r.NextGaussian()),
                                       Array.init 60 (fun n -> if n % 2 = 0 then 1.0 else -1.0), 3, "random labels")
            let cases =
                [ Dataset([| 0.5; -1.0 |], [| 1.0; 1.0 |], 1, "D=1 both signs")
                  Dataset([| 1.0; 0.0; -1.0; 0.0; 0.0; 1.0 |], [| 1.0; 1.0; 1.0 |], 2, "opposite points")
                  randomLabels ]
            for data in cases do
                for bias in all do
                    for s in solvers bias data
                             @ (if bias = MarginBias.TimeL1 then [ TimeL1LinearProgram.Solve data ] else []) do
                        Expect.equal s.Status SolverStatus.NotSeparable
                            $"{data.Name}, {bias} by {s.Solver}: {s.Message}"
                        Expect.isTrue (s.Beta |> Array.forall ((=) 0.0)) "no garbage beta"
                        Expect.stringContains s.Message "not linearly separable" "clear message"
                        Expect.isTrue (s.Dual |> Array.forall (fun a -> a >= 0.0)) "alpha >= 0"
                        Expect.floatClose Accuracy.medium (Array.sum s.Dual) 1.0 "sum alpha = 1"
                        Expect.isLessThan (combine data s.Dual |> Array.sumBy (fun v -> v * v) |> sqrt) 1e-9
                            "Z'alpha = 0"
    ]
