/// Networks trained by the engine approach the reference predicted for them (Theorems 1, 2; Lemma 6).
/// Budgets are step counts (deterministic), not wall-clock times. Convergence in direction is slow
/// (about 1/log t for plain gradient descent; polynomial in t with the normalized step), so a
/// threshold says how close the budget gets, measured when the test was written, with some slack.
module ImplicitBias.Tests.TestReferenceTraining

open Expecto
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Training

/// Trains with the toolkit's defaults (exponential loss, normalized step 0.5, init 0.1) for a step budget.
let train kind depth steps seed (data: Dataset) =
    let s = Run.defaults |> Run.withModel kind depth |> Run.withSteps steps |> Run.withTimeLimit 900.0
            |> Run.withSeed seed
    Run.train { s with RecordsPerDecade = 1 } data

/// Cosine of the final direction to a reference, and of the direction after about 1000 steps.
let cosines (r: TrainingResult) (reference: MaxMarginSolution) =
    let early = r.Records |> Seq.find (fun x -> x.Step >= 1000L)
    Geometry.Cosine(early.Direction, reference.Beta), Geometry.Cosine(r.Direction, reference.Beta)

/// Trains kind at depth on the data and checks it ends within cos threshold of its own reference,
/// closer than after 1000 steps, and closer to it than to the l2 reference. Returns the final beta.
let approaches kind depth steps seed (data: Dataset) bias threshold =
    let own = MaxMargin.Solve(data, bias)
    let l2 = MaxMargin.Solve(data, MarginBias.L2)
    let r = train kind depth steps seed data
    let early, final = cosines r own
    Expect.isGreaterThan final threshold $"cos to {bias}"
    Expect.isGreaterThan final early "approaching"
    Expect.isGreaterThan final (Geometry.Cosine(r.Direction, l2.Beta)) $"closer to {bias} than to l2"
    own, r.Beta

[<Tests>]
let tests =
    testList "ReferenceTraining" [
        testCase "fully connected depths 1-4 approach the l2 max-margin direction (Theorem 1)" <| fun () ->
            // Measured with the settling rule (engine 2.1, cap 1e-5) after 1e6 steps: 1 - cos 2e-13 (depth 1), 6e-10,
            // 2.8e-9, 1e-8 (depth 4); the threshold 1e-4 leaves room for other seeds' slower transients.
            let data = SyntheticData.GaussianTeacher(6, 12, 1UL)
            let l2 = MaxMargin.Solve(data, MarginBias.L2)
            let fourier = MaxMargin.Solve(data, MarginBias.FourierL1)
            for depth in 1 .. 4 do
                let kind = if depth = 1 then Linear else FullyConnected
                let r = train kind depth 1_000_000L 1UL data
                let early, final = cosines r l2
                Expect.isGreaterThan final (1.0 - 1e-4) $"depth {depth}: cos to l2"
                Expect.isGreaterThan final early $"depth {depth}: approaching"
                Expect.isGreaterThan final (Geometry.Cosine(r.Direction, fourier.Beta))
                    $"depth {depth}: closer to l2 than to Fourier-l1"

        testCase "convolutional depth 2 approaches the Fourier-l1 max-margin direction (Theorem 2)" <| fun () ->
            // Measured (engine 2.1, settling rule): 1 - cos 0.12 after 1e5 steps, 6.4e-7 after 1e6. Not every dataset
            // is this quick: on Gaussian-teacher data N=8, D=16 (seeds 2, 3) cos was only 0.84-0.85 after 2e5 steps,
            // still rising.
            let data = SyntheticData.FourierSparseTeacher(8, 16, 2, 1UL)
            approaches Convolutional 2 1_000_000L 1UL data MarginBias.FourierL1 0.999 |> ignore

        testCase "diagonal depth 2 approaches the time-l1 max-margin direction (Lemma 6)" <| fun () ->
            // Measured (engine 2.1): 1 - cos 0.26 after 1e5 steps, 5e-11 after 1e6 on this set (N = D = 8). Known slow
            // cases, not hidden: with N=6 < D=12 (seeds 1-3) the l1 margin reached 96-99.8% of the optimum after 1e6
            // steps but cos stayed at 0.62-0.88 - the l1 optimum is nearly degenerate there and small coordinates
            // grow only polynomially slowly out of the saddle at w = 0.
            let data = SyntheticData.GaussianTeacher(8, 8, 3UL)
            let l1, beta = approaches Diagonal 2 1_000_000L 3UL data MarginBias.TimeL1 0.999
            // The l1-normalized margin can never exceed the optimum 1/||beta*||_1; it should be near it.
            let margin = (Certificate.Margins(data, beta) |> Array.min) / MarginBias.TimeL1.Norm(beta)
            Expect.isLessThanOrEqual margin (1.0 / l1.DualObjective + 1e-12) "no beta beats the certified optimum"
            Expect.isGreaterThan (margin * l1.PrimalObjective) 0.99 "l1 margin within 1% of the optimum"
    
        testCase
            ("the default rule reaches 1 - cos <= 1e-4 to the Fourier-l1 direction (conv L=2) and follows the path "
             + "of 10x smaller steps to 1e-9") <| fun () ->
            // Issue 9, part 2. Step counts, not seconds. Measured when written (settling:0.5:1e-05:0.2:1e-05):
            // 1 - cos to the reference 0.23 at 1e5 steps, 6.2e-4 at 1e6, 9.1e-5 at 3e6 on this set (a slow one: the
            // largest off-support modulus of its dual certificate is 0.49); at log L = -1e6 the default run is
            // 1.2e-10 (1 - cos) from the run with every step ten times smaller.
            let data = SyntheticData.GaussianTeacher(6, 16, 1UL)
            let reference = MaxMargin.Solve(data, MarginBias.FourierL1)
            // The wall-clock limit only guards against a hang: the budgets are step counts (the 10x run needs about 1e7
            // steps, the first 5e6 of them midpoint steps of two gradients each: minutes in a Debug build on a busy
            // machine).
            let settings = Run.defaults |> Run.withModel Convolutional 2 |> Run.withTimeLimit 1800.0
                           |> Run.withConvergenceAngle 0.0
            let t = TimeToDirection.measure reference.Direction 1e-4 20 (settings |> Run.withSteps 4_000_000L) data
            Expect.isTrue t.Reached $"1 - cos <= 1e-4 within 4e6 steps (best {t.BestGap:e2})"
            let at rule = Run.train (settings |> Run.withStep rule |> Run.withLogLossTarget -1e6) data
            let rule = Run.defaults.Step :?> SettlingStep
            let standard, small = at rule, at (rule.Smaller 10.0)
            Expect.equal (standard.Outcome, small.Outcome)
                (TrainingOutcome.LossTargetReached, TrainingOutcome.LossTargetReached) "both reached the loss level"
            Expect.floatClose { absolute = 0.0; relative = 1e-9 } standard.Final.LogLoss -1e6 "landed on the level"
            Expect.floatClose { absolute = 0.0; relative = 1e-9 } small.Final.LogLoss -1e6 "landed on the level"
            Expect.isLessThan (TimeToDirection.gap standard.Direction small.Direction) 1e-9
                "same direction as the 10x-smaller-step run at equal loss"
    ]
