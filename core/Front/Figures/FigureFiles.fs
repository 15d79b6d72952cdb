namespace ImplicitBias

open System.IO
open Plotly.NET
open Plotly.NET.ImageExport

/// Writing charts: HTML with plotly.js embedded (renders offline) and PNG through Debian's Chromium.
module FigureFiles =
    /// Where Debian's chromium package puts the browser.
    let chromium = "/usr/bin/chromium"

    let private configureBrowser =
        lazy
            (PuppeteerSharpRendererOptions.localBrowserExecutablePath <- Some chromium
             PuppeteerSharpRendererOptions.launchOptions.Args <-
                [| "--no-sandbox"; "--disable-gpu"; "--disable-background-networking"; "--disable-component-update"
                   "--disable-sync"; "--no-first-run" |])

    /// The self-contained HTML of a chart.
    let html (chart: GenericChart) =
        chart
        |> Chart.withDisplayOptions (DisplayOptions.init (PlotlyJSReference = PlotlyJSReference.Full))
        |> GenericChart.toEmbeddedHTML

    /// Writes dir/name.json: the chart's data and layout (GenericChart.toFigureJson), for the report page,
    /// which draws every figure with one copy of plotly.js. Returns the file written.
    let saveJson (dir: string) (name: string) (chart: GenericChart) =
        let path = Path.Combine(dir, name + ".json")
        AtomicFile.writeAllText path (GenericChart.toFigureJson chart)
        path

    /// Writes dir/name.html, dir/name.json (saveJson) and dir/name.png (PNG only if Chromium is installed: install
    /// it with `apt-get install -y chromium`; build.fsx -t Reproduce does). Returns the files written.
    let save (dir: string) (name: string) (chart: GenericChart) =
        Directory.CreateDirectory dir |> ignore
        let htmlPath = Path.Combine(dir, name + ".html")
        AtomicFile.writeAllText htmlPath (html chart)
        let jsonPath = saveJson dir name chart
        if File.Exists chromium then
            configureBrowser.Force()
            let layout = GenericChart.getLayout chart
            let size (v: int option) fallback = defaultArg v fallback
            let width = size (layout.TryGetTypedPropertyValue<int> "width") 1000
            let height = size (layout.TryGetTypedPropertyValue<int> "height") 600
            let temp = Path.Combine(dir, $"{name}.tmp-{System.Environment.ProcessId}")
            chart |> Chart.savePNG (temp, Width = width, Height = height)
            File.Move(temp + ".png", Path.Combine(dir, name + ".png"), true)
            [ htmlPath; jsonPath; Path.Combine(dir, name + ".png") ]
        else
            eprintfn "PNG for %s skipped: %s not found (apt-get install -y chromium)" name chromium
            [ htmlPath; jsonPath ]
