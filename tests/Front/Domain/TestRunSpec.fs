/// The run specification (core/Front/Domain/RunSpec.fs): its canonical text, its hash (the run's id) and equality.
module ImplicitBias.Tests.TestRunSpec

open System.Security.Cryptography
open System.Text
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Training
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier

let private sha (text: string) =
    (System.Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes text))).Substring(0, 16).ToLowerInvariant()

[<Tests>]
let tests =
    testList "RunSpec" [
        testCase "the hash is SHA-256 of the canonical text and the engine version" <| fun () ->
            // Independent computation from the documented canonical form (docs/sweeps.md).
            let text =
                "model=conv;depth=2;width=D;init=0.5;step=settling:0.01:1E-05:0.2:0.0001:midpoint:floor-after-cap;"
                + "loss=exp;data=gaussian-teacher(N=8,D=16,seed=1);seed=1;steps=20000;time=600;rpd=20;converge=0;"
                + "late=1.5:12:1E-07;engine=" + RunSpec.engineVersion
            Expect.equal (RunSpec.hash Sweep.defaults) (sha text) "hash of the defaults"

        testCase "the canonical text of the options is the one stored runs were hashed with (RunConfig's)" <| fun () ->
            // Pinned: the text RunConfig.describe gave before RunSettings and RunConfig became RunSpec.
            let c =
                { Sweep.defaults with
                    Model = FullyConnected; Width = Some 5; Loss = Logistic; Late = None; Shape = Some(Grid(4, 4))
                    Kernel = Some(KernelSize(2, 2)); Channels = 3; Step = FixedStep 0.1 }
            Expect.equal (RunSpec.describe c)
                ("model=fc;depth=2;width=5;init=0.5;step=fixed:0.1;loss=logistic;"
                 + "data=gaussian-teacher(N=8,D=16,seed=1);seed=1;steps=20000;time=600;rpd=20;converge=0;"
                 + "shape=4x4;kernel=2x2;channels=3") "text"

        testCase
            "the group is written only when set, after the architecture options (gconv; old ids unchanged)"
        <| fun () ->
            let c = { Sweep.defaults with Model = GroupConvolutional; Depth = 3; Group = Some "D4" }
            Expect.equal (RunSpec.describe c)
                ("model=gconv;depth=3;width=D;init=0.5;step=settling:0.01:1E-05:0.2:0.0001:midpoint:floor-after-cap;"
                 + "loss=exp;data=gaussian-teacher(N=8,D=16,seed=1);seed=1;steps=20000;time=600;rpd=20;converge=0;"
                 + "late=1.5:12:1E-07;group=D4") "text"
            Expect.isFalse ((RunSpec.describe Sweep.defaults).Contains "group") "no group: no field"
            Expect.notEqual (RunSpec.hash c) (RunSpec.hash { c with Group = Some "Q8" }) "the group changes the id"
            Expect.stringContains (RunSpec.label c) "G=D4" "label"

        testCase "every field changes the hash; equal specifications hash equally" <| fun () ->
            let c = Sweep.defaults
            let variants =
                [ { c with Model = Diagonal }; { c with Depth = 3 }; { c with Width = Some 5 }
                  { c with InitScale = 0.2 }; { c with Step = FixedStep(0.5) }; { c with Step = NormalizedStep(0.5) }
                  { c with Loss = Logistic }
                  { c with Data = GaussianTeacher(8, 16, 2UL) }; { c with Seed = 2UL }; { c with MaxSteps = 1L }
                  { c with TimeLimitSeconds = 1.0 }; { c with RecordsPerDecade = 3 }; { c with ConvergenceAngle = 1e-6 }
                  { c with Shape = Some(Grid(4, 4)) }; { c with Kernel = Some(KernelSize(1, 3)) }
                  { c with Channels = 2 }; { c with Shape = Some(Grid(4, 4)); Kernel = Some(KernelSize(2, 2)) }
                  { c with Shape = Some(Grid(1, 16)) }
                  { c with Late = None }; { c with Late = Some(Late.LatePhaseSettings(2.0, 9.0, 1e-7)) }
                  { c with LogLossTarget = -5.0 }; { c with RecordDirections = false } ]
            let hashes = c :: variants |> List.map RunSpec.hash
            Expect.equal (List.distinct hashes).Length hashes.Length "all distinct"
            let same (d: RunSpec) what =
                Expect.equal d c $"{what}: equal"
                Expect.equal (RunSpec.hash d) (RunSpec.hash c) $"{what}: same hash"
            same { c with Step = SettlingStep(0.01, 1e-5, 0.2, 1e-4, true, true) } "step rule: value equality"
            same { c with Late = Some(Late.LatePhaseSettings()) } "late phase: value equality"
            let other = [ SettlingStep(0.01, 1e-5, 0.2, 1e-4, false, true); SettlingStep(0.01, 1e-5, 0.2, 1e-4, true) ]
            for step in other do
                Expect.notEqual (RunSpec.hash { c with Step = step }) (RunSpec.hash c) $"{step.Describe()}"
    ]
