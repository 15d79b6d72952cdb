/// The group-convolutional family (GroupConvolutionalFamily.cs): the registry finds it by model and by kind; the
/// Fourier net trains with the group Fourier steppers, its group-domain twin with the generic one, both with the late
/// phase, to the same direction; groups of order 1 to a few hundred train.
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
        testCase "the registry: both twins and the kind belong to the family; the Fourier net's steppers" <| fun _ ->
            let group = StandardGroups.Dihedral 4
            let data = SyntheticData.GaussianTeacher(4, 8, 1UL)
            let twin = GroupConvolutionalNetwork(group, 3) :> IParameterization
            let fourier = GroupConvolutionalFourierNetwork(group, 3) :> IParameterization
            for model in [ twin; fourier ] do
                Expect.isTrue (NetworkFamilies.Of(model) :? GroupConvolutionalFamily) model.Name
                Expect.isTrue (obj.ReferenceEquals(LatePhase.FlowModel model, model)) "the flow on the model itself"
            // The group-domain twin: the generic stepper, no lanes (as conv-time).
            Expect.isFalse (NetworkFamilies.HasFastStepper twin) "the twin has no fast stepper"
            Expect.isFalse (NetworkFamilies.LanesApply(twin, ExponentialLoss(), 4, 8)) "the twin has no lanes"
            use generic = NetworkFamilies.Stepper(twin, data, ReadOnlySpan(twin.Initialize(0.5, 1UL)))
            Expect.isTrue (generic :? GenericStepper) "generic stepper for the twin"
            // The Fourier net: the group Fourier stepper alone, lanes under the exponential loss only.
            Expect.isTrue (NetworkFamilies.HasFastStepper fourier) "fast stepper"
            use fast = NetworkFamilies.Stepper(fourier, data, ReadOnlySpan(fourier.Initialize(0.5, 1UL)))
            Expect.isTrue (fast :? GroupFourierStepper) "the group Fourier stepper"
            Expect.isTrue (NetworkFamilies.LanesApply(fourier, ExponentialLoss(), 4, 8)) "lanes"
            Expect.isFalse (NetworkFamilies.LanesApply(fourier, LogisticLoss(), 4, 8)) "no lanes for logistic"
            Expect.isTrue (NetworkFamilies.Lanes(fourier, ExponentialLoss(), 4, 8, 1) :? GroupFourierLaneStepper)
                "lane stepper"
            use alone = NetworkFamilies.Alone(fourier, data, ReadOnlySpan(fourier.Initialize(0.5, 1UL)))
            Expect.isTrue (alone :? GroupFourierLoneStepper) "lone stepper"
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
