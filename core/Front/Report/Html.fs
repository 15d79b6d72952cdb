namespace ImplicitBias

/// Text made safe for an HTML page: element content and attribute values, identifiers for anchors, and JSON
/// placed inside a script element.
module Html =
    /// Escapes &, <, >, " and ' (enough for element content and quoted attribute values).
    let escape (text: string) =
        if isNull text then ""
        else
            text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;")
                .Replace("'", "&#39;")

    /// An anchor identifier from a name: letters and digits kept (lower case), every other run of characters one '-'.
    let anchor (name: string) =
        let chars = name.ToLowerInvariant() |> Seq.map (fun c -> if System.Char.IsAsciiLetterOrDigit c then c else '-')
        let joined = System.String(Array.ofSeq chars)
        System.Text.RegularExpressions.Regex.Replace(joined, "-+", "-").Trim('-')

    /// JSON text that can stand inside <script>: "</" written "<\/" (the same string to a JSON reader), so no
    /// string in the data can close the element.
    let scriptJson (json: string) = json.Replace("</", "<\\/")

    /// An element with attributes (their values escaped here) around content (already HTML).
    let element (name: string) (attributes: (string * string) list) (content: string) =
        let attrs = attributes |> List.map (fun (k, v) -> $" {k}=\"{escape v}\"") |> String.concat ""
        $"<{name}{attrs}>{content}</{name}>"
