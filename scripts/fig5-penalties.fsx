// F5, penalties: Lemma 3 (|beta_hat| = prod |w_hat_l|, Fourier network = eq. 2-3) and the implied
// penalties R_P of Lemmas 5-7 (balanced parameters attain them, random ones never do better), as
// relative errors beside their tolerance.
//   dotnet fsi scripts/fig5-penalties.fsx [--full]
#load "build-check.fsx" // first: says to build when the toolkit is missing
#load "engine.fsx"
open ImplicitBias

let f5 = Reproduction.fromArgs fsi.CommandLineArgs __SOURCE_DIRECTORY__

let rows = [
    Evidence.lemma3 "F5"
    Evidence.penalty "Lemma 5" FullyConnected "L ||beta||_2^(2/L)" "F5"
    Evidence.penalty "Lemma 6" Diagonal "L ||beta||_(2/L)^(2/L)" "F5"
    Evidence.penalty "Lemma 7" Convolutional "L ||beta_hat||_(2/L)^(2/L)" "F5" ]

Evidence.identityChecks ()
|> Figures.checks "F5: exact identities of Lemmas 3, 5-7 (relative error; bars below the tolerance marks pass)"
|> ReportFiles.saveFigure f5 "f5-penalties"
ReportFiles.saveClaims f5 "f5" rows
