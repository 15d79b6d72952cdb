/// The parameterizations (core/Engine/Networks) against literal forward passes of the paper's
/// networks, against each other (time vs Fourier domain), Lemma 3, homogeneity and finite differences.
module ImplicitBias.Tests.TestParameterizations

open System
open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Training
open ImplicitBias.Tests.TestUtil

let private span (a: float[]) = ReadOnlySpan a
let private unit d p = Array.init d (fun i -> if i = p then 1.0 else 0.0)

// ---- Literal forward passes, written from the paper's equations and independent of the engine ----

/// Eq. (1): h_l = w_l^T h_{l-1}, with layer l stored row-major D_{l-1} x D_l.
let private fullyConnectedOutput (widths: int[]) (w: float[]) (x: float[]) =
    let mutable h = x
    let mutable offset = 0
    for l in 1 .. widths.Length - 1 do
        let rows, cols = widths[l - 1], widths[l]
        h <- Array.init cols (fun j -> Seq.sum (seq { for i in 0 .. rows - 1 -> w[offset + i * cols + j] * h[i] }))
        offset <- offset + rows * cols
    h[0]

/// Eq. (2): h_l[d] = D^{-1/2} sum_k w_l[k] h_{l-1}[(d + k) mod D]; eq. (3): output <h_{L-1}, w_L>.
let private convolutionalOutput (d: int) (depth: int) (w: float[]) (x: float[]) =
    let layer l = w[(l - 1) * d .. l * d - 1]
    let mutable h = x
    for l in 1 .. depth - 1 do
        let wl = layer l
        h <- Array.init d (fun i -> (Seq.sum (seq { for k in 0 .. d - 1 -> wl[k] * h[(i + k) % d] })) / sqrt (float d))
    dot h (layer depth)

/// Figure 1c: h_l = diag(w_l) h_{l-1}, output <h_{L-1}, w_L>.
let private diagonalOutput (d: int) (depth: int) (w: float[]) (x: float[]) =
    let mutable h = x
    for l in 1 .. depth - 1 do h <- Array.init d (fun i -> w[(l - 1) * d + i] * h[i])
    dot h w[(depth - 1) * d ..]

/// The paper's closed form P_conv(w) = (((w_L^flip * w_{L-1}) * w_{L-2}) ... * w_1)^flip.
let private paperFlipFormula (d: int) (depth: int) (w: float[]) =
    let layer l = w[(l - 1) * d .. l * d - 1]
    let mutable v = CircularCorrelation.Flip(span (layer depth))
    for l in depth - 1 .. -1 .. 1 do
        let next = Array.zeroCreate d
        CircularCorrelation.Apply(span v, span (layer l), Span next)
        v <- next
    CircularCorrelation.Flip(span v)

/// Every model of the engine at small sizes, with the literal output function it must match.
let private cases : (IParameterization * (float[] -> float[] -> float)) list =
    [ for d in [ 1; 2; 5; 8 ] do
        yield (LinearModel(d) :> IParameterization), (fun w x -> dot w x)
        for depth in 1 .. 4 do
            let fc = FullyConnectedNetwork(d, depth)
            yield (fc :> IParameterization), fullyConnectedOutput (Seq.toArray fc.Widths)
            yield (DiagonalNetwork(d, depth) :> IParameterization), diagonalOutput d depth
            yield (ConvolutionalNetwork(d, depth) :> IParameterization), convolutionalOutput d depth
            yield (ConvolutionalFourierNetwork(d, depth) :> IParameterization), convolutionalOutput d depth
      let narrow = FullyConnectedNetwork(6, 3, [| 2; 9 |])
      yield (narrow :> IParameterization), fullyConnectedOutput (Seq.toArray narrow.Widths) ]

[<Tests>]
let tests =
    testList "Parameterizations" [
        testCase "P(w)[p] is the network's output on the unit vector e_p (eq. 1-3, Figure 1c)" <| fun _ ->
            for model, output in cases do
                let w = gaussian 11UL model.ParameterCount
                let beta = model.Predictor(span w)
                let literal = Array.init model.Dimension (fun p -> output w (unit model.Dimension p))
                Expect.isLessThan (relativeError beta literal) 1e-12 (describe model)

        testCase "convolutional P matches the paper's flip formula" <| fun _ ->
            for d in [ 1; 3; 8; 13 ] do
                for depth in 1 .. 5 do
                    let model = ConvolutionalNetwork(d, depth)
                    let w = gaussian (uint64 (d * 10 + depth)) model.ParameterCount
                    Expect.isLessThan (relativeError (model.Predictor(span w)) (paperFlipFormula d depth w)) 1e-12
                        $"D={d} L={depth}"

        testCase "ConvolutionalNetwork.Output is eq. (3)" <| fun _ ->
            let model = ConvolutionalNetwork(9, 3)
            let w, x = gaussian 1UL 27, gaussian 2UL 9
            Expect.floatClose Accuracy.high (model.Output(span w, span x)) (convolutionalOutput 9 3 w x) "output"

        testProperty "Fourier-domain and time-domain convolutional networks agree to 1e-10 in beta and gradients" <|
            fun (size: FsCheck.PositiveInt) (layers: FsCheck.PositiveInt) (seed: uint64) ->
                let d, depth = 1 + size.Get % 40, 1 + layers.Get % 5
                let time, fourier = ConvolutionalNetwork(d, depth), ConvolutionalFourierNetwork(d, depth)
                let w, g = gaussian seed (d * depth), gaussian (seed + 1UL) d
                relativeError (fourier.Predictor(span w)) (time.Predictor(span w)) < 1e-10
                && relativeError (fourier.PullBack(span w, span g)) (time.PullBack(span w, span g)) < 1e-10

        testCase "Lemma 3: |beta_hat| = prod_l |w_hat_l| (time-domain beta)" <| fun _ ->
            for d in [ 4; 7; 16 ] do
                for depth in 1 .. 4 do
                    let model = ConvolutionalNetwork(d, depth)
                    let w = gaussian (uint64 (d + depth)) model.ParameterCount
                    let betaHat = UnitaryDft.Magnitudes(span (model.Predictor(span w)))
                    let product =
                        Array.init d (fun k ->
                            Seq.init depth (fun l -> (UnitaryDft.Magnitudes(span w[l * d .. (l + 1) * d - 1]))[k])
                            |> Seq.fold (*) 1.0)
                    Expect.isLessThan (relativeError betaHat product) 1e-12 $"D={d} L={depth}"

        testCase "homogeneity: P(c w) = c^degree P(w)" <| fun _ ->
            for model, _ in cases do
                let w = gaussian 5UL model.ParameterCount
                let c = 1.7
                let scaled = model.Predictor(span (w |> Array.map ((*) c)))
                let expected = model.Predictor(span w) |> Array.map ((*) (c ** float model.Degree))
                Expect.isLessThan (relativeError scaled expected) 1e-12 (describe model)

        testCase "gradients of log L_P match central finite differences, every model and both losses" <| fun _ ->
            let data = SyntheticData.GaussianTeacher(4, 8, 21UL)
            let small = SyntheticData.GaussianTeacher(3, 5, 22UL)
            for loss in [ ExponentialLoss() :> ILoss; LogisticLoss() ] do
                for model, _ in cases do
                    let data =
                        if model.Dimension = 8 then data
                        elif model.Dimension = 5 then small
                        else SyntheticData.GaussianTeacher(3, model.Dimension, 23UL)
                    if model.Dimension = data.Dimension then
                        let objective = LogLossObjective(model, data, loss)
                        let w = gaussian 31UL model.ParameterCount |> Array.map ((*) 0.7)
                        let analytic = Array.zeroCreate model.ParameterCount
                        objective.ValueAndGradient(span w, Span analytic) |> ignore
                        let numeric = finiteDifference (fun v -> objective.Value(span v)) w 1e-5
                        Expect.isLessThan (relativeError analytic numeric) 1e-7 $"{describe model}, {loss.Name} loss"

        testCase "initialization is seeded and gives each layer norm about the scale" <| fun _ ->
            let model = DiagonalNetwork(400, 3)
            let a, b = model.Initialize(0.5, 7UL), model.Initialize(0.5, 7UL)
            Expect.equal a b "same seed, same w"
            for l in 0 .. 2 do
                let norm = sqrt (dot a[l * 400 .. l * 400 + 399] a[l * 400 .. l * 400 + 399])
                Expect.floatClose { absolute = 0.05; relative = 0.0 } norm 0.5
                    $"layer {l} norm (chi distribution, D=400: sd ~ 0.018)"
    ]
