/// The group-convolutional family (GroupConvolutionalFamily.cs): the registry finds it by model and by kind, it trains
/// with the generic stepper and the late phase, its two twins train to the same direction, and groups of order 1 to a
/// few hundred train.
module ImplicitBias.Tests.Engine.Networks.GroupConvolutional.TestGroupConvolutionalFamily

open System
open Expecto
open ImplicitBias.Engine.Groups
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Training
open ImplicitBias.Engine.Training.Late

let private settings theta seconds =
    TrainingSettings(SettlingStep(0.01, 1e-5, 0.2, 1e-4, true, true), ExponentialLoss(), Int64.MaxValue, seconds,
        RecordDirections = false, Late = LatePhaseSettings(), ThetaTarget = theta)

[<Tests>]
let tests =
    testList "Networks.GroupConvolutional.Family" [
        testCase "the registry: both twins and the kind belong to the family; generic stepper, no lanes" <| fun _ ->
            let group = StandardGroups.Dihedral 4
            let data = SyntheticData.GaussianTeacher(4, 8, 1UL)
            for model in [ GroupConvolutionalNetwork(group, 3) :> IParameterization
                           GroupConvolutionalFourierNetwork(group, 3) ] do
                Expect.isTrue (NetworkFamilies.Of(model) :? GroupConvolutionalFamily) model.Name
                Expect.isFalse (NetworkFamilies.HasFastStepper model) "no fast stepper yet"
                Expect.isFalse (NetworkFamilies.LanesApply(model, ExponentialLoss(), 4, 8)) "no lanes"
                use stepper = NetworkFamilies.Stepper(model, data, ReadOnlySpan(model.Initialize(0.5, 1UL)))
                Expect.isTrue (stepper :? GenericStepper) "generic stepper"
                Expect.isTrue (obj.ReferenceEquals(LatePhase.FlowModel model, model)) "the flow on the model itself"
            Expect.isTrue (NetworkFamilies.Of(NetworkKind.GroupConvolutional) :? GroupConvolutionalFamily) "by kind"
            Expect.equal (NetworkFamilies.Of(NetworkKind.GroupConvolutional).DepthPenaltyDomain)
                (Nullable PenaltyDomain.GroupFourier) "penalty on the group Fourier blocks"

        testCase "GD with the late phase: the group-domain net and its Fourier twin reach one direction" <| fun _ ->
            for name in [ "D5"; "Q8" ] do
                let group = StandardGroups.Parse name
                let data = SyntheticData.GaussianTeacher(group.Order / 2, group.Order, 2UL)
                let run (model: IParameterization) =
                    GradientDescent.Train(model, data, ReadOnlySpan(model.Initialize(0.5, 3UL)), settings 30.0 60.0)
                let a = run (GroupConvolutionalNetwork(group, 3))
                let b = run (GroupConvolutionalFourierNetwork(group, 3))
                Expect.isNotNull (box a.Late) $"{name}: the late phase ran"
                let angle = Geometry.Angle(ReadOnlySpan a.Direction, ReadOnlySpan b.Direction)
                Expect.isLessThan angle 1e-6 $"{name}: {angle:E2} rad apart"

        testCase "groups of order 1 and 60 train" <| fun _ ->
            for name, theta in [ "C1", 10.0; "D30", 3.0 ] do
                let group = StandardGroups.Parse name
                let model = GroupConvolutionalNetwork(group, 3)
                let data = SyntheticData.GaussianTeacher(8, group.Order, 1UL)
                let w0 = model.Initialize(0.5, 1UL)
                let r = GradientDescent.Train(model, data, ReadOnlySpan w0, settings theta 60.0)
                Expect.equal r.Outcome TrainingOutcome.LossTargetReached $"{name}: {r.Outcome}"
                Expect.isTrue (r.Direction |> Array.forall Double.IsFinite) $"{name}: finite"
    ]
