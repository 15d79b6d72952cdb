namespace ImplicitBias

open Plotly.NET

/// Charts in a notebook's output through Plotly.NET's HTML (no Plotly.NET.Interactive, whose FSharp.Core clashes
/// with the kernel's): plotly.js once (`plotlyScript`), then each chart as a div and the script that draws it.
module NotebookView =
    /// plotly.js (the copy Plotly.NET embeds, so it works offline) in a script element. An AMD loader (Jupyter's
    /// require.js) is hidden while it runs, so plotly.js sets window.Plotly, which every chart's script calls.
    let plotlyScript () =
        "<script>window.__ibDefine = window.define; window.define = undefined;</script>"
        + $"<script>{ReportPage.plotlyJs.Value}</script>"
        + "<script>window.define = window.__ibDefine;</script>"

    /// A chart as HTML that draws with the plotly.js of `plotlyScript` (shown once, in an earlier cell).
    let html (chart: GenericChart) =
        chart
        |> Chart.withDisplayOptions (DisplayOptions.init (PlotlyJSReference = PlotlyJSReference.NoReference))
        |> GenericChart.toChartHTML
