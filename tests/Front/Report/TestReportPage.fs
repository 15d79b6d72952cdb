/// out/report.html in a real headless Chromium (Debian's, as the PNG export uses): a page built from a fixture of two
/// rows (one PASS, one FAIL) and two tiny charts loads without console errors, draws every figure, resolves every
/// link, and shows the FAIL row as FAIL.
module ImplicitBias.Tests.TestReportPage

open System
open System.Diagnostics
open System.IO
open System.Text.RegularExpressions
open Expecto
open Plotly.NET
open ImplicitBias

/// Two rows as the figure scripts save them: f4's PASS with two sets, f5's FAIL with one failing set (NaN angles,
/// as in the Theorem 4 row), written and read back (Claims.save, Claims.loadSourced).
let private fixtureRows (dir: string) =
    let set name passed angle : SetRecord =
        { Dataset = name; Passed = passed; Outcome = "Converged"; Steps = 1234L; Angle = angle; Residual = 1e-12
          Note = (if passed then "" else "planted failure") }
    let pass =
        { Claims.check "Theorem 2 (conv L=2)" "Fourier-l1" "2 of 2 sets pass" "<= 1e-4" true "suite (F4 script)" with
            Sets = [| set "#0 gaussian N=6 D=16" true 3e-7; set "#1 fourier-sparse N=4 D=8 K=1" true 5e-7 |] }
    let fail =
        { Claims.check "Lemma 3" "beta_hat = prod w_hat <b>" "1 of 2 sets pass" "<= 1e-10" false "F5" with
            Sets = [| set "#0 gaussian N=6 D=16" true nan; set "#1 planted" false nan |] }
    Claims.save dir "f4" [ pass ]
    Claims.save dir "f5" [ fail ]
    Claims.loadSourced dir

/// Two tiny charts kept as the figure scripts keep them (FigureFiles.saveJson), read back by the page.
let private fixtureFigures (dir: string) =
    Directory.CreateDirectory dir |> ignore
    let keep name (chart: GenericChart) = FigureFiles.saveJson dir name chart |> ignore
    Chart.Line([ 1.0; 2.0; 3.0 ], [ 1.0; 0.1; 0.01 ]) |> Chart.withTitle "F4: tiny" |> keep "f4-stationarity"
    Chart.Column([ 1e-15; 2e-15 ], Keys = [ "a"; "b" ]) |> Chart.withTitle "F5: tiny </script>" |> keep "f5-penalties"
    ReportPage.loadFigures dir

let private header: PageHeader =
    { Title = "Reproduction report (fixture)"; Engine = "0.0.0"; Commit = "abc123"; Cores = 2; Seconds = 12.0
      Command = "dotnet fsi build.fsx -t Reproduce"; Notes = [ "Suite: two sets." ] }

/// Records every uncaught error, rejected promise and console.error on the <html> element, where --dump-dom shows it.
let private recorder =
    """<script>(function () { var errors = []; var root = document.documentElement;
function keep(m) { errors.push(String(m)); root.setAttribute('data-console-errors', JSON.stringify(errors)); }
root.setAttribute('data-console-errors', '[]');
window.addEventListener('error', function (e) { keep(e.message || e); });
window.addEventListener('unhandledrejection', function (e) { keep(e.reason); });
var error = console.error;
console.error = function () { keep(Array.prototype.join.call(arguments, ' ')); error.apply(console, arguments); };
})();</script>"""

/// The page's DOM after Chromium has loaded it and run its scripts (5 s of virtual time), and Chromium's stderr.
let private render (page: string) (dir: string) =
    if not (File.Exists FigureFiles.chromium) then
        failtestf "%s not found: the report page's tests need Debian's Chromium (apt-get install -y chromium; %s)"
            FigureFiles.chromium "dotnet fsi build.fsx -t Test installs it"
    let file = Path.Combine(dir, "page.html")
    File.WriteAllText(file, page.Replace("<head>", "<head>" + recorder))
    let profile = Path.Combine(dir, "profile")
    let info = ProcessStartInfo(FigureFiles.chromium, RedirectStandardOutput = true, RedirectStandardError = true)
    for a in [ "--headless"; "--no-sandbox"; "--disable-gpu"; "--disable-background-networking"
               "--disable-component-update"; "--disable-sync"; "--no-first-run"; $"--user-data-dir={profile}"
               "--virtual-time-budget=5000"; "--dump-dom"; Uri(file).AbsoluteUri ] do
        info.ArgumentList.Add a
    use p = Process.Start info
    let stderr = p.StandardError.ReadToEndAsync()
    let dom = p.StandardOutput.ReadToEnd()
    if not (p.WaitForExit 60_000) then
        p.Kill true
        failtest "Chromium did not finish within 60 s"
    dom, stderr.Result

/// The first group of every match of a pattern.
let private all (pattern: string) (text: string) =
    Regex.Matches(text, pattern) |> Seq.map (fun m -> m.Groups[1].Value) |> List.ofSeq

/// The DOM from the plot element with this id to the next figure (or the end).
let private plotContent (dom: string) (id: string) =
    let start = dom.IndexOf($"id=\"{id}\"")
    if start < 0 then ""
    else
        let next = dom.IndexOf("class=\"figure\"", start)
        if next < 0 then dom.Substring start else dom.Substring(start, next - start)

/// The fixture's page and its DOM in Chromium, made once for every test of the list.
let private rendered =
    lazy
        (let dir = Path.Combine(Path.GetTempPath(), $"report-page-{Guid.NewGuid():N}")
         try
             let rows = fixtureRows (Path.Combine(dir, "claims"))
             let figures = fixtureFigures (Path.Combine(dir, "figures"))
             let page = ReportPage.html header rows figures
             let dom, stderr = render page dir
             figures, page, dom, stderr
         finally
             if Directory.Exists dir then Directory.Delete(dir, true))

[<Tests>]
let tests =
    testSequenced <| testList "ReportPage" [
        testCase "figures are read back from their JSON with their titles; plotly.js is embedded once" <| fun () ->
            let figures, page, _, _ = rendered.Value
            Expect.equal (figures |> List.map (fun f -> f.Name, f.Title))
                [ "f4-stationarity", "F4: tiny"; "f5-penalties", "F5: tiny </script>" ] "figures and titles"
            Expect.equal (Regex.Matches(page, Regex.Escape "plotly.js v").Count) 1 "one copy of plotly.js (its licence)"
            Expect.isGreaterThan page.Length 3_000_000 "plotly.js is inline, not linked"
            Expect.isFalse (page.Contains "<script src") "no external script"

        testCase "the page loads in Chromium with no console errors" <| fun () ->
            let _, _, dom, stderr = rendered.Value
            let errors = Regex.Match(dom, "data-console-errors=\"([^\"]*)\"")
            Expect.isTrue errors.Success $"the recorder did not run; Chromium's stderr:\n{stderr}"
            Expect.equal (Net.WebUtility.HtmlDecode errors.Groups[1].Value) "[]" "console errors"

        testCase "every figure is drawn: one plot element per figure, with plotly's svg inside" <| fun () ->
            let _, _, dom, _ = rendered.Value
            let plots = all "<div [^>]*id=\"(plot-[^\"]+)\"" dom
            Expect.equal plots [ "plot-f4-stationarity"; "plot-f5-penalties" ] "one plot element per figure"
            for id in plots do
                Expect.stringContains (plotContent dom id) "main-svg" $"{id} is drawn"

        testCase "every link resolves: each row to its evidence, the evidence to its figure" <| fun () ->
            let _, _, dom, _ = rendered.Value
            let ids = all " id=\"([^\"]+)\"" dom |> Set.ofList
            let links = all "href=\"#([^\"]+)\"" dom
            Expect.containsAll links [ "row-1"; "row-2"; "figure-f4-stationarity"; "figure-f5-penalties" ] "linked"
            for link in links do Expect.isTrue (ids.Contains link) $"#{link} exists in the page"

        testCase "the planted FAIL row shows as FAIL, the PASS row as PASS, with their sets" <| fun () ->
            let _, _, dom, _ = rendered.Value
            let verdict claim =
                let cell = "<td class=\"verdict ([a-z]+)\">([A-Z ]+)</td>"
                let m = Regex.Match(dom, $"<tr id=\"claim-\\d+\"><td>{Regex.Escape claim}</td>.*?{cell}")
                Expect.isTrue m.Success $"the row of {claim}"
                m.Groups[1].Value, m.Groups[2].Value
            Expect.equal (verdict "Lemma 3") ("fail", "FAIL") "the planted FAIL row"
            Expect.equal (verdict "Theorem 2 (conv L=2)") ("pass", "PASS") "the PASS row"
            Expect.stringContains dom "planted failure" "the failing set's line"
            Expect.stringContains dom "beta_hat = prod w_hat &lt;b&gt;" "text is escaped"
    ]
