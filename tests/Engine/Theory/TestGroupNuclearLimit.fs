/// The depth-2 group-convolutional limit through CertifiedLimit (GroupNuclearLimit.cs): GD's normalized value gap to
/// the certified optimum, and the flag for optima that may be a face (the D_5 sets where GD approached slowly).
module ImplicitBias.Tests.Engine.Theory.TestGroupNuclearLimit

open System
open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Groups
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Theory
open ImplicitBias.Engine.Training
open ImplicitBias.Engine.Training.Late

let private span (a: float[]) = ReadOnlySpan a

let private train (group: FiniteGroup) (data: Dataset) theta =
    let model = GroupConvolutionalNetwork(group, 2)
    let settings =
        TrainingSettings(SettlingStep(0.01, 1e-5, 0.2, 1e-4, true, true), ExponentialLoss(), Int64.MaxValue, 60.0,
            RecordDirections = false, Late = LatePhaseSettings(), ThetaTarget = theta)
    GradientDescent.Train(model, data, span (model.Initialize(0.5, 1UL)), settings).Direction

[<Tests>]
let tests =
    testList "Theory.GroupNuclearLimit" [
        testCase "D_5: GD's value gap and angle to the unique optimum fall with theta (slow, not a face)" <| fun _ ->
            let group = StandardGroups.Dihedral 5
            let fourier = GroupFourier group
            let data = SyntheticData.GaussianTeacher(5, 10, 1UL)
            let limit = CertifiedLimit.Find(data, LimitKind.GroupNuclear, 1.0, span (Array.zeroCreate 10), group)
            Expect.equal limit.Status LimitStatus.Certified limit.Message
            Expect.isFalse limit.Degenerate $"a point by counting: {limit.Message}"
            Expect.floatClose Accuracy.high (GroupNuclearLimit.ValueGap(fourier, data, span limit.Direction,
                                                                        span limit.Direction)) 0.0 "the limit itself"
            let gap theta =
                let d = train group data theta
                GroupNuclearLimit.ValueGap(fourier, data, span d, span limit.Direction),
                Geometry.Angle(span d, span limit.Direction)
            let (earlyGap, earlyAngle), (lateGap, lateAngle) = gap 60.0, gap 600.0
            Expect.isGreaterThan earlyGap 1e-3 $"at theta 60 GD is {earlyGap:E1} off ({earlyAngle:F2} rad)"
            Expect.isLessThan lateGap 1e-8 $"at theta 600: value gap {lateGap:E1}"
            Expect.isLessThan lateAngle 1e-3 $"at theta 600: {lateAngle:E1} rad"

        testCase "an optimum whose dual has a singular value just below the bound is flagged degenerate" <| fun _ ->
            let group = StandardGroups.Dihedral 5
            let data = SyntheticData.GaussianTeacher(5, 10, 2UL)
            let limit = CertifiedLimit.Find(data, LimitKind.GroupNuclear, 1.0, span (Array.zeroCreate 10), group)
            Expect.equal limit.Status LimitStatus.Certified limit.Message
            Expect.isTrue limit.Degenerate limit.Message
            Expect.stringContains limit.Message "within 1e-3 of the bound" "the reason"
    ]
