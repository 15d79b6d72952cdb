/// The kernel-size, multi-channel and 2-D convolutional network (KernelConvolutionalNetwork) against
/// literal forward passes written from eq. (2)-(3) on Z_M x Z_N, against the paper's ConvolutionalNetwork
/// (full kernel, one channel), homogeneity and finite differences.
module ImplicitBias.Tests.TestKernelConvolutionalNetwork

open System
open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Training
open ImplicitBias.Tests.TestUtil

let private span (a: float[]) = ReadOnlySpan a
let private modulo a m = ((a % m) + m) % m

/// Eq. (2) on an M x N image with a K1 x K2 kernel, written out independently of the engine:
/// h_l[i, j] = D^-1/2 sum_{t1 < K1, t2 < K2} w[t1 K2 + t2] h[(i + t1) mod M, (j + t2) mod N]; eq. (3) sums
/// <h_{L-1}, v_c> over channels. Layout: kernels layer after layer, channel after channel, then v_1..v_C.
let private literalOutput (m: int) (n: int) (k1: int) (k2: int) (channels: int) (depth: int) (w: float[]) (x: float[]) =
    let d, k = m * n, k1 * k2
    let kernelOf l c = w[((l - 1) * channels + c) * k .. ((l - 1) * channels + c + 1) * k - 1]
    let last c = w[(depth - 1) * channels * k + c * d .. (depth - 1) * channels * k + (c + 1) * d - 1]
    seq {
        for c in 0 .. channels - 1 do
            let mutable h = x
            for l in 1 .. depth - 1 do
                let u = kernelOf l c
                let prev = h
                h <- Array.init d (fun p ->
                    let i, j = p / n, p % n
                    let s = Seq.sum (seq { for t1 in 0 .. k1 - 1 do
                                             for t2 in 0 .. k2 - 1 ->
                                                 u[t1 * k2 + t2] * prev[modulo (i + t1) m * n + modulo (j + t2) n] })
                    s / sqrt (float d))
            yield dot h (last c) }
    |> Seq.sum

/// The issue's closed form at depth 2, 1-D: beta[j] = D^-1/2 sum_c sum_{k<K} u_c[k] v_c[(j - k) mod D].
let private depthTwoFormula (d: int) (k: int) (channels: int) (w: float[]) =
    Array.init d (fun j ->
        Seq.sum (seq { for c in 0 .. channels - 1 do
                         for t in 0 .. k - 1 -> w[c * k + t] * w[channels * k + c * d + modulo (j - t) d] })
        / sqrt (float d))

/// (M, N, K1, K2, C, L) configurations: 1-D (M = 1) and 2-D, small and full kernels, several channels at depth 2.
let private configurations =
    [ for (m, n) in [ (1, 1); (1, 5); (1, 8); (1, 12); (2, 3); (3, 4); (4, 4) ] do
        for (k1, k2) in [ (1, 1); (1, min 2 n); (m, n); (min 2 m, min 3 n) ] |> List.distinct do
            for depth in 1 .. 4 do yield (m, n, k1, k2, 1, depth)
            for channels in [ 2; 3 ] do yield (m, n, k1, k2, channels, 2) ]

let private create (m, n, k1, k2, c, l) = KernelConvolutionalNetwork(Grid(m, n), KernelSize(k1, k2), c, l)

[<Tests>]
let tests =
    testList "KernelConvolutionalNetwork" [
        testCase "P(w)[p] is the literal 2-D network's output on e_p (eq. 2-3 on Z_M x Z_N), and Output is eq. (3)"
        <| fun _ ->
            for (m, n, k1, k2, c, l) as cfg in configurations do
                let model = create cfg
                let w = gaussian (uint64 (m * 1000 + n * 100 + k1 * 10 + k2 + c * 7 + l)) model.ParameterCount
                let beta = model.Predictor(span w)
                let literal = Array.init model.Dimension (fun p ->
                    literalOutput m n k1 k2 c l w (Array.init model.Dimension (fun i -> if i = p then 1.0 else 0.0)))
                Expect.isLessThan (relativeError beta literal) 1e-12 $"{model.Name}"
                let x = gaussian 3UL model.Dimension
                Expect.floatClose Accuracy.high (model.Output(span w, span x)) (literalOutput m n k1 k2 c l w x)
                    $"{model.Name} output"

        testCase "depth 2, 1-D: beta = A_K(U V^T), the issue's closed form, for several K and C" <| fun _ ->
            for d in [ 1; 5; 8; 13 ] do
                for k in [ 1; 2; 4; d ] |> List.filter (fun k -> k <= d) |> List.distinct do
                    for c in [ 1; 2; k ] |> List.distinct do
                        let model = KernelConvolutionalNetwork(d, k, c, 2)
                        let w = gaussian (uint64 (d * 31 + k * 7 + c)) model.ParameterCount
                        Expect.isLessThan (relativeError (model.Predictor(span w)) (depthTwoFormula d k c w)) 1e-12
                            model.Name

        testCase
            ("full kernel, one channel, 1-D: the paper's ConvolutionalNetwork, beta and gradient, D not only powers "
             + "of two, L = 1..5") <| fun _ ->
            for d in [ 1; 2; 3; 6; 8; 13; 20 ] do
                for depth in 1 .. 5 do
                    let ours, paper = KernelConvolutionalNetwork(d, d, 1, depth), ConvolutionalNetwork(d, depth)
                    Expect.equal ours.ParameterCount paper.ParameterCount "same layout size"
                    let w, g = gaussian (uint64 (d * 10 + depth)) paper.ParameterCount, gaussian (uint64 (d + 99)) d
                    Expect.isLessThan (relativeError (ours.Predictor(span w)) (paper.Predictor(span w))) 1e-13
                        $"beta D={d} L={depth}"
                    Expect.isLessThan (relativeError (ours.PullBack(span w, span g)) (paper.PullBack(span w, span g)))
                        1e-13 $"gradient D={d} L={depth}"

        testCase "a grid with one row is the 1-D network" <| fun _ ->
            for d, k, c, l in [ (7, 3, 2, 2); (9, 4, 1, 3); (6, 6, 1, 4) ] do
                let twoD, oneD = KernelConvolutionalNetwork(Grid(1, d), KernelSize(1, k), c, l),
                                 KernelConvolutionalNetwork(d, k, c, l)
                let w, g = gaussian 5UL oneD.ParameterCount, gaussian 6UL d
                Expect.equal (twoD.Predictor(span w)) (oneD.Predictor(span w)) "beta"
                Expect.equal (twoD.PullBack(span w, span g)) (oneD.PullBack(span w, span g)) "gradient"
                // And the 1-D literal of eq. (2) (grid 1 x D, kernel 1 x K).
                let literal = Array.init d (fun p ->
                    literalOutput 1 d 1 k c l w (Array.init d (fun i -> if i = p then 1.0 else 0.0)))
                Expect.isLessThan (relativeError (oneD.Predictor(span w)) literal) 1e-12 "literal"

        testCase "homogeneity: P(c w) = c^L P(w)" <| fun _ ->
            for cfg in configurations do
                let model = create cfg
                let w = gaussian 5UL model.ParameterCount
                let scaled = model.Predictor(span (w |> Array.map ((*) 1.7)))
                let expected = model.Predictor(span w) |> Array.map ((*) (1.7 ** float model.Degree))
                Expect.isLessThan (relativeError scaled expected) 1e-12 model.Name

        testCase "gradients of log L_P match central finite differences, both losses" <| fun _ ->
            for loss in [ ExponentialLoss() :> ILoss; LogisticLoss() ] do
                for (m, n, _, _, _, _) as cfg in configurations |> List.filter (fun (m, n, _, _, _, _) -> m * n > 1) do
                    let model = create cfg
                    let data = SyntheticData.GaussianTeacher(4, m * n, uint64 (m * 10 + n))
                    let objective = LogLossObjective(model, data, loss)
                    let w = gaussian 31UL model.ParameterCount |> Array.map ((*) 0.7)
                    let analytic = Array.zeroCreate model.ParameterCount
                    objective.ValueAndGradient(span w, Span analytic) |> ignore
                    let numeric = finiteDifference (fun v -> objective.Value(span v)) w 1e-5
                    Expect.isLessThan (relativeError analytic numeric) 1e-7 $"{model.Name}, {loss.Name} loss"

        testCase "initialization is seeded and gives each layer norm about the scale" <| fun _ ->
            let model = KernelConvolutionalNetwork(Grid(20, 20), KernelSize(10, 10), 4, 2)
            let a, b = model.Initialize(0.5, 7UL), model.Initialize(0.5, 7UL)
            Expect.equal a b "same seed, same w"
            let norm (v: float[]) = sqrt (dot v v)
            Expect.floatClose { absolute = 0.05; relative = 0.0 } (norm a[.. 399]) 0.5
                "kernel layer (400 entries: sd ~ 0.018)"
            Expect.floatClose { absolute = 0.05; relative = 0.0 } (norm a[400 ..]) 0.5 "last layer (1600 entries)"

        testCase "bad shapes are refused with what and where" <| fun _ ->
            let msg f = (throws<ArgumentException> f "bad shape").Message
            Expect.stringContains (msg (fun () -> KernelConvolutionalNetwork(5, 6, 1, 2) |> ignore))
                "does not fit the grid 5" "kernel larger than the grid"
            Expect.stringContains
                (msg (fun () -> KernelConvolutionalNetwork(Grid(3, 4), KernelSize(4, 1), 1, 2) |> ignore))
                "4x1" "2-D kernel too tall"
            Expect.stringContains (msg (fun () -> KernelConvolutionalNetwork(8, 2, 3, 3) |> ignore)) "need depth 2"
                "channels at depth 3"
            Expect.stringContains (msg (fun () -> KernelConvolutionalNetwork(8, 2, 0, 2) |> ignore)) "channels"
                "no channel"
    ]
