/// The engine's folders are layers: a file may use its own layer and those below it, never one above. Read from the
/// sources' `using` lines and namespace-qualified names (documentation links are not dependencies).
module ImplicitBias.Tests.TestArchitecture

open System.IO
open System.Text.RegularExpressions
open Expecto

/// The engine's layers, lowest first; a namespace's layer is its longest listed prefix.
let engineLayers =
    [ "Numerics"; "Fourier"; "Data"; "Losses"; "Groups"; "Steppers"; "Networks"; "Reference"; "Training"; "Theory"
      "Reference.HighPrecision" ]

/// The layer a namespace (or a qualified name) belongs to: its longest listed prefix.
let private layerOf (name: string) =
    engineLayers
    |> List.filter (fun layer -> name = layer || name.StartsWith(layer + "."))
    |> List.sortByDescending String.length
    |> List.tryHead

let private rank (name: string) = layerOf name |> Option.map (fun l -> List.findIndex ((=) l) engineLayers)

let private namespaceOf (source: string) =
    let m = Regex.Match(source, @"^namespace ImplicitBias\.Engine\.([\w.]+);", RegexOptions.Multiline)
    if m.Success then Some m.Groups[1].Value else None

/// The engine layers a source uses: its using lines and fully qualified names outside // comments.
let private usedLayers (source: string) =
    let code =
        source.Split('\n')
        |> Array.map (fun line -> let i = line.IndexOf "//" in if i >= 0 then line.Substring(0, i) else line)
        |> String.concat "\n"
    Regex.Matches(code, @"ImplicitBias\.Engine\.((?:[A-Z]\w*\.)*[A-Z]\w*)")
    |> Seq.choose (fun m -> layerOf m.Groups[1].Value)
    |> Seq.distinct
    |> List.ofSeq

/// (file, its namespace, the namespace it uses from a higher layer) for every violation among (file, source) pairs.
let violations (sources: (string * string) list) =
    [ for file, source in sources do
        match namespaceOf source |> Option.bind (fun ns -> rank ns |> Option.map (fun r -> ns, r)) with
        | Some(ns, own) ->
            for used in usedLayers source do
                match rank used with
                | Some r when r > own -> yield file, ns, used
                | _ -> ()
        | None -> () ]

let private engineSources () =
    let root = Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "core", "Engine")
    Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories)
    |> Array.filter (fun f -> not (f.Contains "/obj/" || f.Contains "/bin/"))
    |> Array.map (fun f -> Path.GetRelativePath(root, f), File.ReadAllText f)
    |> List.ofArray

[<Tests>]
let tests =
    testList "Architecture" [
        testCase "every engine file is in a listed layer" <| fun () ->
            let unlisted =
                engineSources () |> List.filter (fun (_, s) -> namespaceOf s |> Option.bind rank |> Option.isNone)
            Expect.isEmpty (unlisted |> List.map fst) "files whose namespace is no layer"
        testCase "no engine folder uses a layer above it" <| fun () ->
            let found = violations (engineSources ())
            Expect.isEmpty (found |> List.map (fun (f, ns, used) -> $"{f} ({ns}) uses {used}")) "upward dependencies"
        testCase "the check sees an upward using line and an upward qualified name, and not a comment" <| fun () ->
            let up = "using ImplicitBias.Engine.Training;\nnamespace ImplicitBias.Engine.Numerics;\nclass A {}"
            let qualified =
                "namespace ImplicitBias.Engine.Steppers;\nclass B { ImplicitBias.Engine.Networks.LinearModel? m; }"
            let commented =
                "namespace ImplicitBias.Engine.Data;\n// see ImplicitBias.Engine.Theory.CertifiedLimit\nclass C {}"
            let down = "using ImplicitBias.Engine.Numerics;\nnamespace ImplicitBias.Engine.Theory;\nclass D {}"
            let found =
                violations [ "up.cs", up; "qualified.cs", qualified; "commented.cs", commented; "down.cs", down ]
            let expected = [ "up.cs", "Numerics", "Training"; "qualified.cs", "Steppers", "Networks" ]
            Expect.equal found expected "violations"
    ]
