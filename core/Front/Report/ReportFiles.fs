namespace ImplicitBias

open System.IO

/// Where a reproduction's figures and claim rows go (the definitions of what it runs: Reproduction).
module ReportFiles =
    /// OUT/figures: the figures' HTML and PNG files.
    let figuresDirectory (r: Reproduction) = Path.Combine(r.OutDirectory, "figures")
    /// OUT/claims: each script's claim rows, which the report reads.
    let claimsDirectory (r: Reproduction) = Path.Combine(r.OutDirectory, "claims")

    /// Writes a figure (HTML and PNG) under the figures folder and says where.
    let saveFigure r name chart =
        for file in FigureFiles.save (figuresDirectory r) name chart do printfn "wrote %s" file

    /// Keeps a script's claim rows for the report.
    let saveClaims r name rows =
        Claims.save (claimsDirectory r) name rows
        for row in rows do printfn "%s: %s (%s)" row.Claim row.Verdict row.Measured
