namespace ImplicitBias

open System.IO

/// How to redo one run of the report by hand: the command that writes its data set (make-data.fsx, the
/// same bits: CSV in round-trip format) and the one that trains the row's network on it with the settings
/// the report used (train.fsx), so that a set a row failed on can be studied alone.
[<CLIMutable>]
type Rerun =
    { /// The set's name in the row.
      Dataset: string
      /// make-data.fsx writing the set as CSV; empty when train.fsx reads the data itself (Note says how).
      Regenerate: string
      /// train.fsx training the row's network on the set with the run's settings; empty when its flags
      /// cannot give them (Note says why).
      Train: string
      /// Where the data comes from when there is no regenerate command, or why there is no train command.
      Note: string }

/// The rerun commands of a run configuration, and how the report prints them.
module Rerun =
    /// The set's name in the commands' files: "fourier-sparse-N20-D32-K3-seed7737694440164836961".
    let stem (spec: DataSpec) =
        match spec with
        | GaussianTeacher(n, d, s) -> $"gaussian-N{n}-D{d}-seed{s}"
        | FourierSparseTeacher(n, d, k, s) -> $"fourier-sparse-N{n}-D{d}-K{k}-seed{s}"
        | Digits(a, b, count) -> $"""digits-{a}-{b}-{count |> Option.map string |> Option.defaultValue "all"}"""
        | CsvFile path -> Path.GetFileNameWithoutExtension path

    /// The commands of the run `c` on the set the row names `dataset`: make-data.fsx writes STEM.csv, and
    /// train.fsx writes runs/MODEL-L<depth>[-shape][-K..][-C..]-STEM.
    let ofSpec (dataset: string) (c: RunSpec) : Rerun =
        let file = stem c.Data + ".csv"
        let regenerate, dataArgument, source =
            match DataSpec.generatorArguments c.Data file, DataSpec.argument c.Data with
            | Some args, _ -> CommandLine.command "make-data.fsx" args, file, []
            | None, Some(argument: string) when argument.StartsWith "digits:" ->
                "", argument, [ $"no file to write: train.fsx reads {argument} itself, from the UCI digits of " +
                                $"Debian's python3-sklearn (apt-get install -y python3-sklearn)" ]
            | None, argument ->
                let path = defaultArg argument ""
                "", path, [ $"no generator: the data is the CSV file {path} ({DataSpec.describe c.Data})" ]
        let shape = match c.Shape with Some g -> $"-{g.Rows}x{g.Columns}" | None -> ""
        let kernel = match c.Kernel with Some k -> $"-K{k.Rows}x{k.Columns}" | None -> ""
        let channels = if c.Channels <> 1 then $"-C{c.Channels}" else ""
        let out = $"runs/{Model.name c.Model}-L{c.Depth}{shape}{kernel}{channels}-{stem c.Data}"
        let train, why =
            match RunSpec.arguments dataArgument out c with
            | Ok args -> CommandLine.command "train.fsx" args, []
            | Error e -> "", [ $"no train command: {e}" ]
        { Dataset = dataset; Regenerate = regenerate; Train = train; Note = String.concat "; " (source @ why) }

    /// A rerun as a markdown list item: the set's name, then its commands as code, the note between them.
    let markdown (r: Rerun) =
        [ yield $"- {r.Dataset}"
          if r.Regenerate <> "" then yield $"  - data: `{r.Regenerate}`"
          if r.Note <> "" then yield $"  - note: {r.Note}"
          if r.Train <> "" then yield $"  - train: `{r.Train}`" ]
