namespace ImplicitBias

open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Training

/// The report's rows computed from sweeps: each compares trained networks (or exact identities)
/// with the paper's prediction, through TheoryChecks. Tolerances are stated in each row.
module Evidence =
    /// Relative KKT / stationarity residuals at most this count as stationary at a finite step.
    let residualTolerance = 0.05

    /// Exact identities (Lemmas 3, 5-7) hold to this relative error.
    let identityTolerance = 1e-10

    let private e (x: float) = x.ToString("0.0e0", System.Globalization.CultureInfo.InvariantCulture)

    /// Lemma 3 on random parameters: both relative errors within identityTolerance.
    let lemma3 evidence =
        let twin, product = TheoryChecks.lemma3 [ 1UL .. 5UL ] [ 7; 8; 16 ] [ 1 .. 5 ]
        Claims.check "Lemma 3" ("beta_hat = prod_l w_hat_l, so |beta_hat| = prod |w_hat_l|; Fourier-domain network " +
                                "= time-domain eq. (2)-(3)")
            ($"max rel. error |beta_hat| vs prod |w_hat_l|: {e product}; Fourier vs time network beta: {e twin} "
             + $"(5 seeds x D in 7,8,16 x L=1..5)")
            $"<= {identityTolerance}" (twin <= identityTolerance && product <= identityTolerance) evidence

    /// Lemmas 5-7 for a model kind: balanced parameters attain the closed form; random ones never beat it.
    let penalty claim (kind: ModelKind) (formula: string) evidence =
        let identity, attained, gap = TheoryChecks.penalties kind [ 1UL .. 5UL ] 8 [ 1 .. 5 ]
        Claims.check claim $"R_P(beta) = {formula}, attained by balanced w*"
            ($"P(w*) vs beta: {e identity}; ||w*||^2 vs R_P: {e attained}; min over random w of (||w||^2 - R_P)/R_P: "
             + $"{e gap} (5 seeds x L=1..5, D=8)")
            $"<= {identityTolerance}; gap >= 0"
            (identity <= identityTolerance && attained <= identityTolerance && gap >= -identityTolerance) evidence

    /// F5 input: (check, relative error, tolerance) for Lemma 3 and the identities of Lemmas 5-7.
    let identityChecks () =
        let twin, product = TheoryChecks.lemma3 [ 1UL .. 5UL ] [ 7; 8; 16 ] [ 1 .. 5 ]
        [ yield "Lemma 3: |β̂| vs ∏|ŵ_l|", product, identityTolerance
          yield "Lemma 3: Fourier vs time network", twin, identityTolerance
          for name, kind in [ "Lemma 5 (fc)", FullyConnected; "Lemma 6 (diag)", Diagonal
                              "Lemma 7 (conv)", Convolutional ] do
              let identity, attained, _ = TheoryChecks.penalties kind [ 1UL .. 5UL ] 8 [ 1 .. 5 ]
              yield $"{name}: P(w*) vs β", identity, identityTolerance
              yield $"{name}: ||w*||² vs R_P", attained, identityTolerance ]

    /// Training rows on the suite: GD's final direction must be within this angle (radians) of its certified limit.
    /// (docs/theory-checks.md, "Evidence.suiteAngleTolerance")
    let suiteAngleTolerance = 1e-4

    /// The row's claim for a (model, depth) of the suite, with the tolerance and where the runs are.
    let suiteClaim (kind: ModelKind) (depth: int) : SuiteClaim =
        let tolerance = $"certified limit, angle <= {suiteAngleTolerance} rad on every set"
        let claim, prediction =
            match kind, depth with
            | Linear, _ -> "Theorem 1 (linear)", "GD's direction -> the l2 max-margin predictor (eq. 6)"
            | FullyConnected, l -> $"Theorem 1 (fc L={l})", "fc networks converge in direction to the l2 max-margin " +
                                                            "predictor (eq. 8)"
            | Convolutional, 2 -> "Theorem 2 (conv L=2)", "conv L=2 converges in direction to the Fourier-l1 " +
                                                          "max-margin predictor (eq. 9)"
            | Diagonal, 2 -> "Theorem 4 + Lemma 6 (diag L=2)", "diag L=2 converges in direction to the time-l1 " +
                                                               "max-margin predictor"
            | Convolutional, l -> $"Theorem 2a (conv L={l})", $"conv L={l}: beta/||beta|| tends to a first-order " +
                                                              $"stationary point of min ||beta_hat||_(2/{l}) s.t. " +
                                                              $"margins >= 1 (eq. 10-13)"
            | Diagonal, l -> $"Theorem 2a (diag L={l}, time domain)", $"diag L={l}: beta/||beta|| tends to a " +
                                                                      $"first-order stationary point of min " +
                                                                      $"||beta||_(2/{l}) s.t. margins >= 1"
            | k, l -> $"{Model.name k} L={l}", "the certified limit of CertifiedLimit.For"
        let convex = (TheoryChecks.predictedBias kind depth).IsSome
        { Claim = claim
          Prediction = prediction
          Tolerance =
            (if convex then
                let referenceTolerance =
                    SuiteEvidence.referenceToleranceOf
                        (if kind = Convolutional then ImplicitBias.Engine.Theory.LimitKind.FourierL1
                         else ImplicitBias.Engine.Theory.LimitKind.L2)
                tolerance + $"; the limit is the reference optimum to {referenceTolerance} rad"
             else tolerance)
          Threshold = suiteAngleTolerance
          WorseWhen = Larger
          Evidence = "suite (F4 script)" }

    /// Theorem 4 over every trained run of the suite: the relative KKT residual of eq. (14) at the
    /// final parameters at most residualTolerance (the report's certificate tolerance).
    let suiteKktClaim : SuiteClaim =
        { Claim = "Theorem 4 (KKT, every run)"
          Prediction = "w/||w|| tends to a KKT point of min ||w||^2 s.t. margins >= 1 (eq. 14), for every model and " +
                       "depth"
          Tolerance = $"relative KKT residual <= {residualTolerance} on every run (active set: margins within " +
                      $"{TheoryChecks.activeTolerance * 100.0}%% of the minimum)"
          Threshold = residualTolerance
          WorseWhen = Larger
          Evidence = "suite (F4 script)" }

    /// The suite's rows from its runs: one limit row per (model, depth), then one Theorem 4 row over
    /// every run, each with the rerun commands of its failing sets. `name` names a run's dataset
    /// (SuiteEvidence.setName by its index in the suite).
    let suiteRows (name: DataSpec -> string) (runs: (RunSpec * StoredRun) list) =
        let groups = runs |> List.groupBy (fun (c, _) -> c.Model, c.Depth)
        [ for (kind, depth), group in groups do
            yield SuiteEvidence.limitRow (suiteClaim kind depth)
                      [ for c, r in group -> c, SuiteEvidence.limitOf (name c.Data) c r ]
          yield SuiteEvidence.kktRow suiteKktClaim
              [ for c, r in runs -> c, SuiteEvidence.kktOf $"{Model.name c.Model} L={c.Depth} {name c.Data}" c r ] ]
