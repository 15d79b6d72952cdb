// The convex limits against an independent solver (issue 22, point 4): dotnet fsi tools/convex-polish-check.fsx
// after dotnet fsi build.fsx -t Build; needs Debian's python3-cvxopt (apt-get install -y python3-cvxopt).
// On the suite of tests/Engine/Theory/TestConvexPolish.fs (32 seeded sets, D = 12, 20, 33, 48, N = D/4 .. 2D) every
// convex limit is solved again by CVXOPT (tools/cvxopt/cvx_limits.py: QP, LP, SOCP), whose point is then polished too
// (support and active set read off CVXOPT's point). Prints, per kind, the angle to CVXOPT of the reference solver's
// direction and of the polished limit, and the angle between the two polished points (from two solvers).
// Writes out/bench/convex-polish.md; the CSV files exchanged with Python go to out/bench/convex-polish/.
#load "tools.fsx"

open System
open System.Diagnostics
open System.IO
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Theory
open ImplicitBias.Engine.Training

let python = "/usr/bin/python3"
let root = Path.Combine(__SOURCE_DIRECTORY__, "..")
let work = Path.Combine(root, "out/bench/convex-polish")
let suite = DataSuite.acrossCounts [ 12; 20; 33; 48 ] 22_000UL |> List.map DataSpec.create
let kinds = [ LimitKind.L2, MarginBias.L2, 2.0, PenaltyDomain.Time
              LimitKind.TimeL1, MarginBias.TimeL1, 1.0, PenaltyDomain.Time
              LimitKind.FourierL1, MarginBias.FourierL1, 1.0, PenaltyDomain.Fourier ]
let csv (v: float seq) = String.Join(",", v |> Seq.map (fun x -> x.ToString "R"))
let parse (line: string) = line.Split ',' |> Array.map float

Directory.CreateDirectory(Path.Combine(work, "in")) |> ignore
suite |> List.iteri (fun i data ->
    let z = data.SignedFeatures()
    File.WriteAllLines(Path.Combine(work, "in", $"set{i:D2}.csv"),
                       [ for n in 0 .. data.Count - 1 -> csv z[n * data.Dimension .. (n + 1) * data.Dimension - 1] ]))
let info = ProcessStartInfo(python,
                            [ Path.Combine(root, "tools/cvxopt/cvx_limits.py");
                              Path.Combine(work, "in"); Path.Combine(work, "out") ],
                            RedirectStandardError = true, UseShellExecute = false)
let clock = Stopwatch.StartNew()
using (Process.Start info) (fun p ->
    let err = p.StandardError.ReadToEnd()
    p.WaitForExit()
    if p.ExitCode <> 0 then
        failwithf "%s cvx_limits.py failed (exit %d; is python3-cvxopt installed?):\n%s" python p.ExitCode err)
printfn "CVXOPT solved %d problems in %.1f s" (3 * suite.Length) clock.Elapsed.TotalSeconds

let angle (a: float[]) (b: float[]) = Geometry.Angle(ReadOnlySpan a, ReadOnlySpan b)
/// CVXOPT's point polished: support and active set read off it at 1e-6, as ConvexLimit does off the reference solver's.
let polishFrom (data: Dataset) bias p domain (beta: float[]) (alpha: float[]) =
    let beta = let m = Array.min (Certificate.Margins(data, beta)) in beta |> Array.map (fun v -> v / m)
    let space = EntrySpace(domain, Grid.Line data.Dimension)
    let e = space.Of(ReadOnlySpan beta)
    let top = e |> Array.map (fun c -> c.Magnitude) |> Array.max
    let margins = Certificate.Margins(data, beta)
    let s = [| for j in 0 .. e.Length - 1 do if p = 2.0 || e[j].Magnitude > 1e-6 * top then j |]
    let a = [| for n in 0 .. data.Count - 1 do if margins[n] <= 1.0 + 1e-6 then n |]
    let z = data.SignedFeatures()
    let points = Array.init data.Count (fun n -> space.Of(ReadOnlySpan(z, n * data.Dimension, data.Dimension)))
    ConvexPolish.Run(data, bias, SupportKkt(points, s, a, space, p), beta, a |> Array.map (fun n -> alpha[n]))

let median (xs: float list) = let s = List.sort xs in s[s.Length / 2]
let lines =
    [ "| kind | sets | CVXOPT 'optimal' at tolerance (loosest) | reference solver to CVXOPT: worst / median (rad) | " +
      "polished to CVXOPT: worst / median | CVXOPT's point polished: accepted | polished from the two solvers: " +
      "worst / median |"
      "| --- | --- | --- | --- | --- | --- | --- |"
      for kind, bias, p, domain in kinds do
          let rows =
              [ for i, data in List.indexed suite do
                  let cvx = File.ReadAllLines(Path.Combine(work, "out", $"set{i:D2}.{kind}.csv"))
                  let cvxBeta, cvxAlpha = parse cvx[0], parse cvx[1]
                  let limit = CertifiedLimit.Find(data, kind, p, ReadOnlySpan(Array.zeroCreate data.Dimension))
                  let reference = MaxMargin.Solve(data, bias).Direction
                  let other = polishFrom data bias p domain cvxBeta cvxAlpha
                  if not other.Accepted then
                      printfn "%s %A: CVXOPT's point not polished: %s" data.Name kind other.Reason
                  yield (angle reference cvxBeta, angle limit.Direction cvxBeta, other.Accepted,
                         (if other.Accepted then angle limit.Direction other.Beta else nan)), float cvx[2] ]
          let tolerance = rows |> List.map snd |> List.max
          let rows = rows |> List.map fst
          let a1 = rows |> List.map (fun (x, _, _, _) -> x)
          let a2 = rows |> List.map (fun (_, x, _, _) -> x)
          let ok = rows |> List.filter (fun (_, _, acc, _) -> acc) |> List.map (fun (_, _, _, x) -> x)
          sprintf "| %A | %d | %.0e | %.1e / %.1e | %.1e / %.1e | %d of %d | %s |"
              kind rows.Length tolerance (List.max a1) (median a1) (List.max a2) (median a2)
              ok.Length rows.Length (if ok.IsEmpty then "-" else sprintf "%.1e / %.1e" (List.max ok) (median ok)) ]
lines |> List.iter (printfn "%s")
File.WriteAllLines(Path.Combine(root, "out/bench/convex-polish.md"),
    [ sprintf "Run %s UTC by tools/convex-polish-check.fsx; CVXOPT at the tightest abstol = reltol = feastol in 1e-12 .. 1e-7 where it reports optimal."
          (DateTime.UtcNow.ToString "yyyy-MM-dd HH:mm")
      "" ] @ lines)
