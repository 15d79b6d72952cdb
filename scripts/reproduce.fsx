// The main job: every figure of the paper and out/report.md, one row per claim with PASS or FAIL, and
// out/report.html, the same as one page with the rows' sets and every figure inline.
//   dotnet fsi build.fsx -t Reproduce          (quick: at most 10 minutes on 2 cores)
//   dotnet fsi build.fsx -t ReproduceFull      (publication size: writes out/full/)
// Results are stored in out/store (Parquet); a rerun reuses every finished run.
#load "build-check.fsx" // first: says to build when the toolkit is missing
#load "engine.fsx"
open ImplicitBias
let reproduction = Reproduction.fromArgs fsi.CommandLineArgs __SOURCE_DIRECTORY__
let clock = System.Diagnostics.Stopwatch.StartNew()
// Start from no claim files, so the report only holds what this run measured.
if System.IO.Directory.Exists(ReportFiles.claimsDirectory reproduction) then
    System.IO.Directory.Delete(ReportFiles.claimsDirectory reproduction, true)
#load "fig1-spectra.fsx" "fig2-sparsity.fsx" "fig3-convergence.fsx" "fig4-stationarity.fsx" "fig5-penalties.fsx"
// Beyond the paper: kernel sizes and channels (F6), 2-D convolutions, handwritten digits (F7).
#load "beyond-runs.fsx" "fig6-kernel-size.fsx" "beyond-2d.fsx" "fig7-digits.fsx"
// Group-convolutional networks (issue 24): the group rows and F8.
#load "fig8-groups.fsx"
printfn "consolidated %d runs into %s" (Store.consolidate reproduction.StoreDirectory) reproduction.StoreDirectory
let header =
    [ $"# Reproduction report ({reproduction.Scale})"
      ""
      ($"Gunasekar, Lee, Soudry, Srebro (NeurIPS 2018), checked by this toolkit. Figures on " +
       $"{DataSpec.describe Reproduction.dataset}; training claims on the suite below;")
      ($"engine {RunSpec.engineVersion}, commit {Runner.gitCommit.Value}; {clock.Elapsed.TotalSeconds:F0} s on " +
       $"{System.Environment.ProcessorCount} cores.")
      ""
      Reproduction.describeSuite reproduction
      ""
      ""
      BeyondSuites.describeSuites reproduction
      GroupSuites.describeSuites reproduction
      ""
      ("Figures: figures/f1-spectra .. f5-penalties, f6-kernel-size, f7-digits, f8-groups (.html, .png). Runs: " +
       "store/runs.parquet, store/trajectories.parquet.")
      "The same as one page, with each row's sets and every figure: report.html." ]
    |> String.concat "\n"
let rows = Claims.loadSourced (ReportFiles.claimsDirectory reproduction)
let report = Claims.markdown header (List.map snd rows)
AtomicFile.writeAllText (System.IO.Path.Combine(reproduction.OutDirectory, "report.md")) report
printfn "%s" report
let page: PageHeader =
    { Title = $"Reproduction report ({reproduction.Scale})"; Engine = RunSpec.engineVersion
      Commit = Runner.gitCommit.Value; Cores = System.Environment.ProcessorCount; Seconds = clock.Elapsed.TotalSeconds
      Command = "dotnet fsi build.fsx -t " + (if reproduction.Scale = Full then "ReproduceFull" else "Reproduce")
      Notes = [ Reproduction.describeSuite reproduction; BeyondSuites.describeSuites reproduction
                GroupSuites.describeSuites reproduction ] }
let pagePath = System.IO.Path.Combine(reproduction.OutDirectory, "report.html")
ReportPage.write pagePath page rows (ReportPage.loadFigures (ReportFiles.figuresDirectory reproduction))
printfn "wrote %s" pagePath
