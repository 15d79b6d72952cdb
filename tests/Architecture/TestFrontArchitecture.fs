/// The Front's folders are layers in compile order (docs/manual.md, "Layout"): the fsproj lists each folder once, in
/// the agreed order, and no file uses a module or type defined in a folder after its own.
module ImplicitBias.Tests.TestFrontArchitecture

open System.IO
open System.Text.RegularExpressions
open Expecto

/// The Front's layers, lowest first: what a run is, training one, the experiments, running many and storing them,
/// figures, the report, the scripts' command lines.
let frontLayers = [ "Domain"; "Running"; "Experiments"; "Execution"; "Figures"; "Report"; "Cli" ]

/// The folders of an fsproj's Compile items in order, each run of equal folders once ("Domain/Json.fs" -> Domain).
let compileFolders (fsproj: string) =
    Regex.Matches(fsproj, "<Compile Include=\"([^\"/]+)/[^\"]+\"")
    |> Seq.map (fun m -> m.Groups[1].Value)
    |> Seq.fold (fun acc folder -> match acc with last :: _ when last = folder -> acc | _ -> folder :: acc) []
    |> List.rev

/// A source without its // comments and string literals (names there are text, not uses).
let private code (source: string) =
    source.Split('\n')
    |> Array.map (fun line -> let i = line.IndexOf "//" in if i >= 0 then line.Substring(0, i) else line)
    |> String.concat "\n"
    |> fun text -> Regex.Replace(text, "\"[^\"\n]*\"", "\"\"")

/// The modules and types a source defines at its top level (column 0 under `namespace ImplicitBias`).
let private defined (source: string) =
    Regex.Matches(source, @"^(?:module|type) (?:private )?(\w+)", RegexOptions.Multiline)
    |> Seq.map (fun m -> m.Groups[1].Value)
    |> List.ofSeq

/// (file, the name it uses, the later layer that defines it) for every upward use among (layer, file, source).
let violations (sources: (string * string * string) list) =
    let rank layer = List.findIndex ((=) layer) frontLayers
    let owners = [ for layer, _, source in sources do for name in defined source -> name, rank layer ]
    [ for layer, file, source in sources do
        let text = code source
        for name, owner in owners do
            if owner > rank layer && Regex.IsMatch(text, $@"(?<![\w.]){name}\b") then
                yield file, name, frontLayers[owner] ]

let private frontRoot = Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "core", "Front")

let private frontSources () =
    [ for folder in frontLayers do
        for f in Directory.GetFiles(Path.Combine(frontRoot, folder), "*.fs") ->
            folder, $"{folder}/{Path.GetFileName f}", File.ReadAllText f ]

[<Tests>]
let tests =
    testList "Front architecture" [
        testCase "the fsproj compiles each folder once, in the layers' order, and every folder is a layer" <| fun () ->
            let fsproj = File.ReadAllText(Path.Combine(frontRoot, "ImplicitBias.fsproj"))
            Expect.equal (compileFolders fsproj) frontLayers "folders in compile order"
            let onDisk = Directory.GetFiles(frontRoot, "*.fs", SearchOption.AllDirectories)
                         |> Array.filter (fun f -> not (f.Contains "/obj/" || f.Contains "/bin/"))
            let compiled =
                Regex.Matches(fsproj, "<Compile Include=\"([^\"]+)\"") |> Seq.map (fun m -> m.Groups[1].Value)
            Expect.equal (onDisk |> Array.map (fun f -> Path.GetRelativePath(frontRoot, f)) |> Set.ofArray)
                (Set.ofSeq compiled) "every source is compiled, from a layer's folder"
        testCase "no Front file uses a module or type of a later layer" <| fun () ->
            let found = violations (frontSources ())
            Expect.isEmpty (found |> List.map (fun (f, name, layer) -> $"{f} uses {name} ({layer})")) "upward uses"
        testCase "the checks see a folder out of order or twice, an upward use, not a comment or a string" <| fun () ->
            let fsproj folders =
                folders |> List.map (fun f -> $"<Compile Include=\"{f}/A.fs\" />") |> String.concat "\n"
            Expect.equal (compileFolders (fsproj [ "Domain"; "Domain"; "Cli"; "Domain" ])) [ "Domain"; "Cli"; "Domain" ]
                "a folder twice is seen twice"
            Expect.notEqual (compileFolders (fsproj (List.rev frontLayers))) frontLayers "out of order"
            let spec = "namespace ImplicitBias\n\ntype RunSpec = { Depth: int }\n\nmodule RunSpec =\n    let x = 1\n"
            let cli = "namespace ImplicitBias\n\nmodule TrainCli =\n    let parse () = RunSpec.x\n"
            let up = "namespace ImplicitBias\n\nmodule Rerun =\n    let f () = TrainCli.parse ()\n"
            let mentions =
                "namespace ImplicitBias\n\n/// see TrainCli.parse\nmodule Claims =\n    let s = \"TrainCli\"\n"
            let found =
                violations [ "Domain", "spec.fs", spec; "Cli", "cli.fs", cli; "Report", "up.fs", up
                             "Report", "mentions.fs", mentions ]
            Expect.equal found [ "up.fs", "TrainCli", "Cli" ] "violations"
    ]
