namespace ImplicitBias

open ImplicitBias.Engine.Numerics

/// Seeded suites of synthetic datasets, so that every claim of the report is checked on many sets rather than one:
/// dimensions cycle through DataSuite.dimensions (powers of two and not), N is drawn from D/4 .. D, the two teacher
/// generators alternate, and each set has its own data seed. (docs/sweeps.md, "DataSuite")
module DataSuite =
    /// The dimensions a suite cycles through, in this order.
    let dimensions = [ 8; 12; 16; 24; 32 ]

    /// The smallest N drawn for dimension D: D/4, and at least 2.
    let minCount (dimension: int) = max 2 (dimension / 4)

    /// `size` datasets cycling through the given dimensions: set i has D = dims[i mod |dims|], N uniform
    /// in minCount D .. D, a Gaussian teacher when i is even and a Fourier-sparse teacher with 1..3
    /// frequencies when i is odd, and a data seed drawn from the suite's generator.
    let createWith (dims: int list) (size: int) (seed: uint64) : DataSpec list =
        if size < 0 then invalidArg "size" $"a suite has at least 0 datasets (got {size})"
        if dims.IsEmpty then invalidArg "dims" "a suite needs at least one dimension"
        let rng = SeededRandom seed
        [ for i in 0 .. size - 1 do
            let d = dims[i % dims.Length]
            let lo = minCount d
            let n = lo + rng.NextInt(d - lo + 1)
            if i % 2 = 0 then
                GaussianTeacher(n, d, rng.NextUInt64())
            else
                let k = 1 + rng.NextInt 3
                FourierSparseTeacher(n, d, k, rng.NextUInt64()) ]

    /// `size` datasets of createWith over DataSuite.dimensions (D = 8, 12, 16, 24, 32 in turn).
    let create (size: int) (seed: uint64) : DataSpec list = createWith dimensions size seed

    /// A suite across N for solver checks: for each dimension D, N = D/4, D/2, D and 2D (at least 2), each with a
    /// Gaussian teacher (data seed from `seed`, D and N) and a Fourier-sparse teacher with 2 frequencies (that seed +
    /// 1). (docs/sweeps.md, "DataSuite.acrossCounts")
    let acrossCounts (dims: int list) (seed: uint64) : DataSpec list =
        [ for d in dims do
            for n in [ d / 4; d / 2; d; 2 * d ] do
                let s = seed + uint64 (100 * d + n)
                yield GaussianTeacher(max 2 n, d, s)
                yield FourierSparseTeacher(max 2 n, d, 2, s + 1UL) ]

    /// Set i of the late-phase check (tools/late-phase-check.fsx; tests/Engine/Theory/TestCertifiedLimit.fs names
    /// sets by it): D = dimensions[i mod 5], N uniform in minCount D .. D from a generator seeded by 7919 (i + 1), data
    /// seed 1000 + i, a Gaussian teacher when i is even and a Fourier-sparse teacher with 3 frequencies when i is odd.
    let latePhaseSet (i: int) : DataSpec =
        let rng = SeededRandom(uint64 (7919 * (i + 1)))
        let d = dimensions[i % dimensions.Length]
        let n = minCount d + rng.NextInt(d - minCount d + 1)
        let seed = uint64 (1000 + i)
        if i % 2 = 0 then GaussianTeacher(n, d, seed) else FourierSparseTeacher(n, d, 3, seed)

    /// The suite the quick report uses: 20 datasets, seed 1.
    let quick = create 20 1UL

    /// The suite of the publication-size report: 60 datasets, seed 1 (its first 20 are `quick`).
    let full = create 60 1UL

    /// (N, D) of a generated specification (CSV files have no size until loaded: None).
    let size (spec: DataSpec) =
        match spec with
        | GaussianTeacher(n, d, _) | FourierSparseTeacher(n, d, _, _) -> Some(n, d)
        | CsvFile _
        | Digits _ -> None
