namespace ImplicitBias

/// One set's line of a suite row, kept with the row so that the report page can show the row's evidence set by
/// set: how the run stopped, GD's final angle to its certified limit and the certificate's residual.
[<CLIMutable>]
type SetRecord =
    { /// The set's name in the row (SuiteEvidence.setName), with the network for the Theorem 4 row.
      Dataset: string
      /// The set passes the row (SuiteVerdict.fails is false).
      Passed: bool
      /// How the run stopped (Converged, Stationary, StepLimit, ...).
      Outcome: string
      Steps: int64
      /// GD's final angle (radians) to the certified limit; NaN where the row does not measure it (Theorem 4).
      Angle: float
      /// The residual of the row's certificate: the certified limit's (limit rows), the KKT residual (Theorem 4).
      Residual: float
      /// Why the set failed, or how its worst value came about; empty when there is nothing to say.
      Note: string }
