namespace ImplicitBias

open System
open System.Collections.Concurrent
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Theory

/// The paper's predictions for stored runs, through the engine's reference solvers
/// (Engine.Reference) and certificates (Engine.Theory), and the exact identities of Lemmas 3, 5-7.
module TheoryChecks =
    /// A point is active when its margin, after scaling to unit minimum margin, is at most
    /// 1 + this. At a finite step the support vectors' margins still differ by a few percent, so
    /// the certificates use 5% (stated in the report).
    let activeTolerance = 0.05

    /// Entries of |beta_hat| (or |beta|) below this fraction of the largest count as zero.
    let supportThreshold = 1e-2

    let private references = ConcurrentDictionary<string, MaxMarginSolution>()

    /// The certified max-margin predictor of a dataset for a bias (cached per dataset and bias).
    let reference (bias: MarginBias) (data: DataSpec) =
        references.GetOrAdd($"{bias}|{DataSpec.describe data}", fun _ -> MaxMargin.Solve(DataSpec.create data, bias))

    /// As `reference`, for inputs on a grid: Fourier-l1 on a 2-D grid is the 2-D spectrum's l1 norm
    /// (FourierL1MaxMargin on the grid); the other biases do not see the grid.
    let referenceOn (bias: MarginBias) (data: DataSpec) (shape: ImplicitBias.Engine.Fourier.Grid option) =
        match bias, shape with
        | MarginBias.FourierL1, Some grid when not grid.IsLine ->
            references.GetOrAdd($"{bias}|{grid}|{DataSpec.describe data}",
                                fun _ -> FourierL1MaxMargin.Solve(DataSpec.create data, grid))
        | _ -> reference bias data

    /// The bias the paper predicts for a model at a depth: l2 for fc and linear (Theorem 1),
    /// Fourier-l1 for conv L=2 (Theorem 2), time-l1 for diag L=2 (Lemma 6 with Theorem 4);
    /// None where the prediction is a stationary point (p = 2/L < 1) rather than a convex optimum.
    let predictedBias (kind: ModelKind) (depth: int) =
        match kind, depth with
        | (Linear | FullyConnected), _ -> Some MarginBias.L2
        | _, 1 -> Some MarginBias.L2
        | (Convolutional | ConvolutionalTime), 2 -> Some MarginBias.FourierL1
        | Diagonal, 2 -> Some MarginBias.TimeL1
        | _ -> None

    /// Eq. (11)-(13) certificate of a direction for min ||beta_hat||_p (conv) or ||beta||_p (diag),
    /// p = 2/L.
    let bridge (c: RunSpec) (direction: float[]) =
        let domain = if c.Model = Diagonal then PenaltyDomain.Time else PenaltyDomain.Fourier
        let p = min 1.0 (2.0 / float c.Depth)
        BridgeStationarity.Certify(DataSpec.create c.Data, ReadOnlySpan direction, p, domain,
                                   StationarityOptions(activeTolerance, supportThreshold))

    /// Theorem 4 certificate: KKT residual of min ||w||^2 s.t. margins >= 1 at the final parameters.
    let parameterKkt (c: RunSpec) (parameters: float[]) =
        let data = DataSpec.create c.Data
        ParameterStationarity.Certify(RunSpec.parameterization c data.Dimension, data, ReadOnlySpan parameters,
                                      activeTolerance)

    let private relative (a: float[]) (b: float[]) =
        let scale = b |> Array.map abs |> Array.max |> max 1e-300
        Array.map2 (fun x y -> abs (x - y)) a b |> Array.max |> fun e -> e / scale

    /// Lemma 3 on random parameters (seeds x dimensions x depths): the largest relative error of
    /// (a) the Fourier-domain network's beta against the time-domain network of eq. (2)-(3), and
    /// (b) |beta_hat| of the time-domain beta against prod_l |w_hat_l|.
    let lemma3 (seeds: uint64 list) (dimensions: int list) (depths: int list) =
        let errors =
            [ for seed in seeds do
                for d in dimensions do
                    for depth in depths do
                        let w = Array.zeroCreate (d * depth)
                        SeededRandom(seed).FillGaussian(Span w)
                        let time = ConvolutionalNetwork(d, depth).Predictor(ReadOnlySpan w)
                        let fourier = ConvolutionalFourierNetwork(d, depth).Predictor(ReadOnlySpan w)
                        let product =
                            Array.init d (fun k ->
                                [ 0 .. depth - 1 ]
                                |> List.fold (fun acc l ->
                                    acc * UnitaryDft.Magnitudes(ReadOnlySpan(w, l * d, d))[k]) 1.0)
                        relative fourier time, relative (UnitaryDft.Magnitudes(ReadOnlySpan time)) product ]
        errors |> List.map fst |> List.max, errors |> List.map snd |> List.max

    /// Lemmas 5-7 for one model kind on random predictors: the balanced parameters w* of each beta
    /// give P(w*) = beta and ||w*||^2 = R_P(beta) (largest relative errors), and random parameters
    /// w never beat the closed form: the smallest (||w||^2 - R_P(P(w))) / R_P(P(w)) (must be >= 0).
    let penalties (kind: ModelKind) (seeds: uint64 list) (dimension: int) (depths: int list) =
        let closedForm, balanced =
            match kind with
            | FullyConnected ->
                (fun (b: float[]) l -> ImpliedPenalty.FullyConnected(ReadOnlySpan b, l)),
                (fun (b: float[]) l -> BalancedParameters.FullyConnected(ReadOnlySpan b, l, null))
            | Diagonal ->
                (fun (b: float[]) l -> ImpliedPenalty.Diagonal(ReadOnlySpan b, l)),
                (fun (b: float[]) l -> BalancedParameters.Diagonal(ReadOnlySpan b, l))
            | _ ->
                (fun (b: float[]) l -> ImpliedPenalty.Convolutional(ReadOnlySpan b, l)),
                (fun (b: float[]) l -> BalancedParameters.Convolutional(ReadOnlySpan b, l))
        let rows =
            [ for seed in seeds do
                for depth in depths do
                    let model = Model.create kind depth dimension
                    let beta = Array.zeroCreate dimension
                    SeededRandom(seed).FillGaussian(Span beta)
                    let r = closedForm beta depth
                    let wStar = balanced beta depth
                    let identity = relative (model.Predictor(ReadOnlySpan wStar)) beta
                    let normSq = wStar |> Array.sumBy (fun x -> x * x)
                    let random = model.Initialize(1.0, seed + 1000UL)
                    let betaRandom = model.Predictor(ReadOnlySpan random)
                    let rRandom = closedForm betaRandom depth
                    identity, abs (normSq - r) / r, ((random |> Array.sumBy (fun x -> x * x)) - rRandom) / rRandom ]
        rows |> List.map (fun (a, _, _) -> a) |> List.max,
        rows |> List.map (fun (_, b, _) -> b) |> List.max,
        rows |> List.map (fun (_, _, c) -> c) |> List.min

    /// The residual of `bridge`, NaN when it cannot be computed (the direction does not separate).
    let bridgeResidual (c: RunSpec) (direction: float[]) =
        let cert = bridge c direction
        if cert.Outcome = CertificateOutcome.Computed then cert.Residual else nan

    /// The residual of `parameterKkt`, NaN when it cannot be computed.
    let parameterResidual (c: RunSpec) (parameters: float[]) =
        let cert = parameterKkt c parameters
        if cert.Outcome = CertificateOutcome.Computed then cert.Residual else nan
