/// The group-convolutional network (core/Engine/Networks/GroupConvolutional): the group-domain twin against a literal
/// forward pass, the Fourier path against the twin, PullBack against finite differences, homogeneity, the paper's
/// conv net on C_n, the 2-D conv net on C_M x C_N, and a generic gradient-descent run on D_4 that fits its data.
module ImplicitBias.Tests.Engine.Networks.GroupConvolutional.TestGroupConvolutionalNetwork

open System
open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Groups
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Training
open ImplicitBias.Tests.TestUtil

let private span (a: float[]) = ReadOnlySpan a
let private groups = [ "C1"; "C2"; "D3"; "D4"; "D5"; "Q8"; "A4"; "S4"; "D3xC2"; "Q8xC3"; "D15" ]

/// Written from the definition, independent of the engine: h(g) = |G|^-1/2 sum_h x(g h) w_l(h), f = <h_(L-1), w_L>.
let private literalOutput (g: FiniteGroup) depth (w: float[]) (x: float[]) =
    let n = g.Order
    let layer l = w[(l - 1) * n .. l * n - 1]
    let mutable h = x
    for l in 1 .. depth - 1 do
        let wl, prev = layer l, h
        let at a = Seq.sum (seq { for b in 0 .. n - 1 -> prev[g.Multiply(a, b)] * wl[b] })
        h <- Array.init n (fun a -> at a / sqrt (float n))
    dot h (layer depth)

let private pair name depth =
    let g = StandardGroups.Parse name
    GroupConvolutionalNetwork(g, depth), GroupConvolutionalFourierNetwork(g, depth)

[<Tests>]
let tests =
    testList "Networks.GroupConvolutional" [
        testCase "twin: P(w)[g] is the literal network's output on the unit vector e_g" <| fun _ ->
            for name in [ "D3"; "Q8"; "A4" ] do
                for depth in 1 .. 4 do
                    let twin, _ = pair name depth
                    let n = twin.Dimension
                    let w = gaussian 11UL twin.ParameterCount
                    let unit p = Array.init n (fun i -> if i = p then 1.0 else 0.0)
                    let literal = Array.init n (fun p -> literalOutput twin.Group depth w (unit p))
                    Expect.isLessThan (relativeError (twin.Predictor(span w)) literal) 1e-13 $"{name} L={depth}"

        testCase "Fourier path = twin: Predictor and PullBack to 1e-12, depths 1-5" <| fun _ ->
            for name in groups do
                for depth in 1 .. 5 do
                    let twin, fast = pair name depth
                    let w = gaussian (uint64 depth) twin.ParameterCount
                    let beta = relativeError (fast.Predictor(span w)) (twin.Predictor(span w))
                    Expect.isLessThan beta 1e-12 $"{name} L={depth} beta"
                    let g = gaussian 99UL twin.Dimension
                    let grad = relativeError (fast.PullBack(span w, span g)) (twin.PullBack(span w, span g))
                    Expect.isLessThan grad 1e-12 $"{name} L={depth} grad"

        testCase "PullBack = finite differences of <g, P(w)>, both paths" <| fun _ ->
            for name in [ "D4"; "Q8"; "S4" ] do
                for depth in 1 .. 4 do
                    let twin, fast = pair name depth
                    let w = gaussian 21UL twin.ParameterCount
                    let g = gaussian 22UL twin.Dimension
                    for model in [ twin :> IParameterization; fast ] do
                        let fd = finiteDifference (fun v -> dot g (model.Predictor(span v))) w 1e-5
                        Expect.isLessThan (relativeError (model.PullBack(span w, span g)) fd) 1e-8 $"{describe model}"

        testCase "homogeneous of degree L: P(c w) = c^L P(w)" <| fun _ ->
            for name in [ "D5"; "A4" ] do
                for depth in 1 .. 4 do
                    let _, fast = pair name depth
                    let w = gaussian 31UL fast.ParameterCount
                    let scaled = fast.Predictor(span (Array.map (fun v -> 1.7 * v) w))
                    let expected = fast.Predictor(span w) |> Array.map (fun v -> v * Math.Pow(1.7, float depth))
                    Expect.isLessThan (relativeError scaled expected) 1e-13 $"{name} L={depth}"
                    Expect.equal fast.Degree depth "Degree"

        testCase "on C_n it is the paper's ConvolutionalNetwork with the same w (element k = r^k = index k)" <| fun _ ->
            for n in [ 1; 2; 5; 8; 13 ] do
                for depth in 1 .. 4 do
                    let twin, fast = pair $"C{n}" depth
                    let paper = ConvolutionalNetwork(n, depth)
                    let w = gaussian 41UL paper.ParameterCount
                    let g = gaussian 42UL n
                    let beta = paper.Predictor(span w)
                    let grad = paper.PullBack(span w, span g)
                    for model in [ twin :> IParameterization; fast ] do
                        Expect.isLessThan (relativeError (model.Predictor(span w)) beta) 1e-12 $"{describe model} beta"
                        let error = relativeError (model.PullBack(span w, span g)) grad
                        Expect.isLessThan error 1e-12 $"{describe model} grad"

        testCase "on C_M x C_N it is the 2-D conv net with full kernels (feature i N + j is pixel (i, j))" <| fun _ ->
            for m, n in [ 2, 3; 3, 4; 4, 4 ] do
                for depth in 1 .. 3 do
                    let twin, fast = pair $"C{m}xC{n}" depth
                    let grid = Grid(m, n)
                    let image = KernelConvolutionalNetwork(grid, KernelSize.Full grid, 1, depth)
                    let w = gaussian 51UL image.ParameterCount
                    let g = gaussian 52UL (m * n)
                    for model in [ twin :> IParameterization; fast ] do
                        let beta = relativeError (model.Predictor(span w)) (image.Predictor(span w))
                        Expect.isLessThan beta 1e-12 $"{describe model} beta"
                        let grad = relativeError (model.PullBack(span w, span g)) (image.PullBack(span w, span g))
                        Expect.isLessThan grad 1e-12 $"{describe model} grad"

        testCase "initialization: every layer of norm about the scale, seeded" <| fun _ ->
            let _, fast = pair "D8" 3
            let w = fast.Initialize(0.5, 3UL)
            Expect.equal w (fast.Initialize(0.5, 3UL)) "seeded"
            for l in 0 .. 2 do
                let norm = sqrt (Array.sumBy (fun v -> v * v) w[l * 16 .. l * 16 + 15])
                Expect.isTrue (norm > 0.2 && norm < 0.9) $"layer {l + 1}: {norm}"

        testCase "generic gradient descent trains the Fourier path on D_4 data to fit, as the twin" <| fun _ ->
            let data = SyntheticData.GaussianTeacher(6, 8, 5UL)
            let _, fast = pair "D4" 3
            let twin = GroupConvolutionalNetwork(fast.Group, 3)
            let w0 = fast.Initialize(0.5, 1UL)
            let settings = TrainingSettings(NormalizedStep(0.5), ExponentialLoss(), 300)
            let run (m: IParameterization) = GradientDescent.Train(m, data, ReadOnlySpan w0, settings)
            let a, b = run fast, run twin
            let margins (beta: float[]) =
                Array.init data.Count (fun i -> data.Labels[i] * dot beta (data.Features[i * 8 .. i * 8 + 7]))
            Expect.isTrue (margins a.Direction |> Array.forall (fun v -> v > 0.0)) "every point classified"
            Expect.isLessThan (relativeError a.Direction b.Direction) 1e-8 "the twin follows the same path"
    ]
