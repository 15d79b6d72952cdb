/// Stationarity certificates of eq. (10)-(13) on points built to be stationary, against a direct
/// full-spectrum computation, and on points that are not stationary.
module ImplicitBias.Tests.TestBridgeStationarity

open System.Numerics
open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Theory
open ImplicitBias.Tests.TestUtil

/// A dataset on which beta is a stationary point by construction (eq. 11 with known alpha).
type Constructed = { Data: Dataset; Beta: float[]; Alpha: float[]; SupportEntries: int[] }

let private entriesOn (rng: SeededRandom) count (onSet: int -> bool) =
    Array.init count (fun j -> if onSet j then Complex(rng.NextGaussian(), rng.NextGaussian()) else Complex.Zero)

/// Builds beta supported on the given entries (time indices or half-spectrum frequencies), two
/// active points z_1, z_2 with alpha_1 z_1 + alpha_2 z_2 = g (the sub-gradient of ||.||_p^p,
/// eq. 12/13) on the support and margin exactly 1, plus off-support noise of size `offScale`
/// (relative to alpha; it changes neither margins nor eq. 11 on the support) and two inactive points of margin 2.
let construct (domain: PenaltyDomain) (dim: int) (support: int[]) (p: float) (offScale: float) (seed: uint64) =
    let rng = SeededRandom(seed)
    let count = DomainEntries.Count(dim, domain)
    let onS j = Array.contains j support
    let bEntries = entriesOn rng count onS
    let beta = DomainEntries.ToVector(bEntries, dim, domain)
    let bEntries = DomainEntries.Of(beta, domain) // self-conjugate entries are now real
    let gEntries = bEntries |> Array.mapi (fun j b ->
        if onS j then b / b.Magnitude * (p * b.Magnitude ** (p - 1.0)) else Complex.Zero)
    let g = DomainEntries.ToVector(gEntries, dim, domain)
    let total = dot g beta // = p ||beta||_p^p in the domain
    let bb = dot beta beta
    let onSupportOrthogonal () =
        let u = DomainEntries.ToVector(entriesOn rng count onS, dim, domain)
        let c = dot u beta / bb
        Array.map2 (fun a b -> a - c * b) u beta
    // Off-support noise scaled so that alpha-weighted it has entries of order offScale.
    let offNoise () =
        DomainEntries.ToVector(entriesOn rng count (onS >> not), dim, domain) |> Array.map ((*) (offScale / total))
    let a1 = 0.3 * total
    let a2 = total - a1
    let z1core = Array.map2 (+) (onSupportOrthogonal ()) (beta |> Array.map (fun v -> v / bb))
    let z2core = Array.map2 (fun gv zv -> (gv - a1 * zv) / a2) g z1core
    let z1 = Array.map2 (+) z1core (offNoise ())
    let z2 = Array.map2 (+) z2core (offNoise ())
    let inactive () =
        Array.map2 (+) (onSupportOrthogonal ()) (beta |> Array.map (fun v -> 2.0 * v / bb))
        |> Array.map2 (+) (offNoise ())
    let rows = [| inactive (); z1; inactive (); z2 |]
    let labels = [| 1.0; -1.0; -1.0; 1.0 |]
    let features = Array.concat (Array.map2 (fun (r: float[]) y -> r |> Array.map ((*) y)) rows labels)
    { Data = Dataset(features, labels, dim, "constructed"); Beta = beta; Alpha = [| 0.0; a1; 0.0; a2 |];
      SupportEntries = support }

let private tight = StationarityOptions(1e-8, 1e-8)

/// ||sum alpha_n z_n_hat - g||_S / ||g||_S over the whole spectrum with the naive DFT (independent
/// of the half-spectrum weighting), S the full-spectrum support reported by the certificate.
let private fullSpectrumResidual (data: Dataset) (beta: float[]) (c: StationarityCertificate) =
    let dim = data.Dimension
    let scaled = beta |> Array.map ((*) c.Scale)
    let toC (v: float[]) = v |> Array.map (fun x -> Complex(x, 0.0))
    let bHat = NaiveDft.Forward(System.ReadOnlySpan(toC scaled))
    let z = data.SignedFeatures()
    let combo =
        Array.init dim (fun d -> Seq.sum (seq { for n in 0 .. data.Count - 1 -> c.Alpha.[n] * z.[n * dim + d] }))
    let cHat = NaiveDft.Forward(System.ReadOnlySpan(toC combo))
    let target k = bHat.[k] / bHat.[k].Magnitude * (c.P * bHat.[k].Magnitude ** (c.P - 1.0))
    let num = c.Support |> Array.sumBy (fun k -> (cHat.[k] - target k).Magnitude ** 2.0)
    let den = c.Support |> Array.sumBy (fun k -> (target k).Magnitude ** 2.0)
    sqrt (num / den)

[<Tests>]
let tests =
    testList "BridgeStationarity" [
        for domain in [ PenaltyDomain.Time; PenaltyDomain.Fourier ] do
            for p in [ 2.0 / 3.0; 0.5; 1.0 ] do
                testCase $"a constructed stationary point is certified ({domain}, p = {p:F3})" <| fun () ->
                    let support = if domain = PenaltyDomain.Time then [| 1; 4; 5 |] else [| 0; 2; 3 |]
                    let c = construct domain 8 support p 0.02 7UL
                    let cert = BridgeStationarity.Certify(c.Data, System.ReadOnlySpan c.Beta, p, domain, tight)
                    Expect.equal cert.Outcome CertificateOutcome.Computed "computed"
                    Expect.isLessThan cert.Residual 1e-10 "eq. (11) holds"
                    Expect.sequenceEqual cert.ActiveSet [| 1; 3 |] "the two points of margin 1"
                    let expectedSupport =
                        support |> Array.collect (fun j -> Seq.toArray (DomainEntries.FullIndices(j, 8, domain)))
                        |> Array.sort
                    Expect.sequenceEqual cert.Support expectedSupport "support with conjugate partners"
                    // Time: one real equation per entry; Fourier: entry 0 is real, 2 and 3 give Re and Im rows.
                    Expect.equal cert.Equations (if domain = PenaltyDomain.Time then 3 else 5) "equations"
                    // Two active points and >= 3 real rows: alpha is unique, so it must be the constructed one.
                    Expect.isLessThan (relativeError cert.Alpha c.Alpha) 1e-8 "alpha recovered"
                    if p = 1.0 then Expect.isLessThan cert.OffSupportMax 1.0 "eq. (12): |z| <= 1 off the support"
                    else Expect.isTrue (System.Double.IsNaN cert.OffSupportMax) "no off-support condition for p < 1"
                    Expect.isTrue (cert.Holds 1e-8) "Holds"
        testCase "the certificate is free of beta's scale" <| fun () ->
            let c = construct PenaltyDomain.Fourier 8 [| 1; 2 |] (2.0 / 3.0) 0.1 8UL
            let perturbed = c.Beta |> Array.mapi (fun i v -> v + 0.05 * float (i % 3))
            let a = BridgeStationarity.Certify(c.Data, System.ReadOnlySpan perturbed, 2.0 / 3.0, PenaltyDomain.Fourier)
            let b = BridgeStationarity.Certify(c.Data, System.ReadOnlySpan(perturbed |> Array.map ((*) 7.0)), 2.0 / 3.0,
                                               PenaltyDomain.Fourier)
            Expect.floatClose Accuracy.high a.Residual b.Residual "same residual"
            Expect.isLessThan (relativeError b.Alpha a.Alpha) 1e-9 "same alpha (unit-margin scaling)"
        for dim in [ 7; 8 ] do
            testCase $"the half-spectrum residual equals the full-spectrum one (D = {dim})" <| fun () ->
                // Random data and a random (non-stationary) separating beta: residual strictly between 0 and 1.
                let beta = gaussian 41UL dim
                let x = gaussian 42UL (10 * dim)
                let labels =
                    Array.init 10 (fun n -> if dot beta x.[n * dim .. n * dim + dim - 1] >= 0.0 then 1.0 else -1.0)
                let data = Dataset(x, labels, dim)
                let cert = BridgeStationarity.Certify(data, System.ReadOnlySpan beta, 2.0 / 3.0, PenaltyDomain.Fourier,
                                                      StationarityOptions(0.5, 1e-6))
                Expect.isGreaterThan cert.Residual 1e-3 "not stationary"
                Expect.floatClose Accuracy.high cert.Residual (fullSpectrumResidual data beta cert) "same residual"
        testCase "moving off a stationary point raises the residual" <| fun () ->
            let c = construct PenaltyDomain.Fourier 8 [| 1; 3 |] (2.0 / 3.0) 0.1 9UL
            let moved = DomainEntries.Of(c.Beta, PenaltyDomain.Fourier)
            moved.[1] <- moved.[1] * Complex(1.1, 0.1)
            let beta = DomainEntries.ToVector(moved, 8, PenaltyDomain.Fourier)
            let cert = BridgeStationarity.Certify(c.Data, System.ReadOnlySpan beta, 2.0 / 3.0, PenaltyDomain.Fourier,
                                                  StationarityOptions(0.3, 1e-6))
            Expect.isGreaterThan cert.Residual 1e-2 "not stationary any more"
        testCase "p = 1: a large off-support correlation violates eq. (12)" <| fun () ->
            let c = construct PenaltyDomain.Time 6 [| 0; 2 |] 1.0 50.0 10UL
            let cert = BridgeStationarity.Certify(c.Data, System.ReadOnlySpan c.Beta, 1.0, PenaltyDomain.Time, tight)
            Expect.isLessThan cert.Residual 1e-10 "support part holds"
            Expect.isGreaterThan cert.OffSupportMax 1.0 "off-support bound fails"
            Expect.isFalse (cert.Holds 1e-6) "not certified"
        testCase "a beta that does not separate is reported, not certified" <| fun () ->
            let c = construct PenaltyDomain.Time 6 [| 0; 2 |] 0.5 0.1 11UL
            let cert = BridgeStationarity.Certify(c.Data, System.ReadOnlySpan(c.Beta |> Array.map (~-)), 0.5,
                                                  PenaltyDomain.Time)
            Expect.equal cert.Outcome CertificateOutcome.NotSeparating "outcome"
            Expect.isFalse (cert.Holds 1.0) "never holds"
    ]
