namespace ImplicitBias

/// The report's rows "Beyond the paper" (issue 10): the claims the runs of BeyondSuites are checked against.
/// (docs/theory-checks.md, "Beyond")
module Beyond =
    /// A dataset's short name in the digits rows: "digits 4 vs 9".
    let digitName (spec: DataSpec) =
        match spec with
        | Digits(a, b, _) -> $"digits {a} vs {b}"
        | other -> DataSpec.describe other

    /// How a run's architecture reads in a row: "conv L=2 K=2x2 C=4 on 4x4".
    let describe (c: RunSpec) =
        // fc and diag do not see the grid
        let shape = match c.Model, c.Shape with Convolutional, Some g when not g.IsLine -> " (2-D)" | _ -> ""
        let kernel = match c.Kernel with Some k -> $" K={k}" | None -> ""
        let channels = if c.Channels > 1 then $" C={c.Channels}" else ""
        $"{Model.name c.Model}{shape} L={c.Depth}{kernel}{channels}"

    let private claim name prediction evidence : SuiteClaim =
        { Claim = $"{Claims.beyondPrefix} {name}"
          Prediction = prediction
          Tolerance = $"certified limit, angle <= {Evidence.suiteAngleTolerance} rad on every set"
          Threshold = Evidence.suiteAngleTolerance
          WorseWhen = Larger
          Evidence = evidence }

    /// The group of a kernel-size run in the rows: (K label, C label), C written "K" when it equals K > 1.
    let kernelGroup (c: RunSpec) =
        let d = BeyondSuites.dimensionOf c.Data
        let k = c.Kernel |> Option.map (fun k -> k.Columns) |> Option.defaultValue d
        BeyondSuites.kernelLabel k d, (if c.Channels = k && k > 1 then "K" else string c.Channels)

    /// The row of a kernel-size group.
    let kernelClaim (c: RunSpec) =
        let k, channels = kernelGroup c
        let name = $"K-kernel conv L=2, K={k}, C={channels}"
        let prediction =
            if channels = "1" && k <> "1" && k <> "D" then
                "a question, not a theorem: with one channel the parameter problem is non-convex and Theorem 4 "
                    + "promises only a KKT point; measured: GD's angle to the R_K max-margin predictor"
            else "converges in direction to the R_K max-margin predictor (COLT 2022; K = 1: l2 SVM, K = D: Fourier-l1)"
        claim name prediction "F6 script (fig6-kernel-size.fsx)"

    /// The row of a 2-D architecture.
    let gridClaim (c: RunSpec) =
        let prediction =
            match c.Kernel, c.Depth with
            | None, 2 -> "converges in direction to the 2-D Fourier-l1 max-margin predictor (Theorem 2 with the 2-D " +
                         "DFT)"
            | None, l -> $"beta/||beta|| tends to a first-order stationary point of min ||beta_hat||_(2/{l}) s.t. " +
                         $"margins >= 1, 2-D DFT (eq. 10-13)"
            | Some _, _ -> "converges in direction to the 2-D R_K max-margin predictor (COLT 2022 with 2-D kernels; " +
                           "for C = 1 a question, as in 1-D)"
        claim (describe c + " on random images") prediction "2-D suite (beyond-2d.fsx)"

    /// The row of a digits architecture.
    let digitClaim (c: RunSpec) =
        let prediction =
            match c.Model, c.Depth with
            | FullyConnected, _ -> "fc converges to the l2 max-margin predictor (Theorem 1)"
            | Diagonal, 2 -> "diag L=2 converges to the time-l1 max-margin predictor"
            | Diagonal, l -> $"diag L={l}: a stationary point of the l_(2/{l}) bridge in time"
            | Convolutional, 2 -> "2-D conv L=2 converges to the 2-D Fourier-l1 max-margin predictor"
            | _, l -> $"2-D conv L={l}: a stationary point of the l_(2/{l}) bridge of the 2-D spectrum"
        claim (describe c + " on digits") prediction "F7 script (fig7-digits.fsx)"

    /// A set's name in the rows: the suite's names, and "4x4 #i ..." for the 2-D sets.
    let setName (sets: DataSpec list) (spec: DataSpec) =
        match List.tryFindIndex ((=) spec) sets with
        | Some i -> SuiteEvidence.setName i spec
        | None -> DataSpec.describe spec

    /// Limit rows over runs grouped by `key`, each with the claim of its group's first configuration.
    let rows (claimOf: RunSpec -> SuiteClaim) (key: RunSpec -> 'k) (name: DataSpec -> string)
             (runs: (RunSpec * StoredRun) list) =
        [ for _, group in runs |> List.groupBy (fst >> key) ->
            let first = fst group.Head
            SuiteEvidence.limitRow (claimOf first) [ for c, r in group -> c, SuiteEvidence.limitOf (name c.Data) c r ] ]

