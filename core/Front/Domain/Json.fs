namespace ImplicitBias

open System.IO
open System.Text
open System.Text.Json

/// A JSON value small enough for summaries and certificates; written with System.Text.Json.
type JsonValue =
    | JNumber of float
    | JInt of int64
    /// An unsigned integer, such as a seed (0 .. 2^64 - 1, beyond int64's range).
    | JUInt of uint64
    | JString of string
    | JBool of bool
    | JArray of JsonValue list
    | JObject of (string * JsonValue) list
    /// JSON null: a value that does not exist (e.g. the angle change at the first record).
    | JNull

/// Writing JSON values, and files written atomically (temporary file, then rename), so an
/// interrupted run never leaves a half-written result behind.
module Json =
    let rec private write (w: Utf8JsonWriter) value =
        match value with
        | JNumber x when System.Double.IsFinite x -> w.WriteNumberValue x
        | JNumber x -> w.WriteStringValue(string x) // NaN / infinity are not JSON numbers
        | JInt i -> w.WriteNumberValue i
        | JUInt u -> w.WriteNumberValue u
        | JNull -> w.WriteNullValue()
        | JString s -> w.WriteStringValue s
        | JBool b -> w.WriteBooleanValue b
        | JArray items ->
            w.WriteStartArray()
            for item in items do write w item
            w.WriteEndArray()
        | JObject fields ->
            w.WriteStartObject()
            for (k, v) in fields do
                w.WritePropertyName k
                write w v
            w.WriteEndObject()

    /// A float as JSON: the number, or null where it is not finite (NaN for "does not exist").
    let finiteNumber (x: float) = if System.Double.IsFinite x then JNumber x else JNull

    /// The indented JSON text of a value.
    let serialize value =
        use stream = new MemoryStream()
        (use w = new Utf8JsonWriter(stream, JsonWriterOptions(Indented = true))
         write w value)
        Encoding.UTF8.GetString(stream.ToArray())

/// File writes that either complete or leave the old file untouched.
module AtomicFile =
    /// Writes text to path via a temporary file in the same folder and a rename.
    let writeAllText (path: string) (text: string) =
        let full = Path.GetFullPath path
        Directory.CreateDirectory(Path.GetDirectoryName full) |> ignore
        let temp = full + $".tmp-{System.Environment.ProcessId}-{System.Threading.Thread.CurrentThread.ManagedThreadId}"
        File.WriteAllText(temp, text)
        File.Move(temp, full, true)

    /// Writes lines (each ending in a newline) atomically.
    let writeAllLines (path: string) (lines: string seq) =
        let sb = StringBuilder()
        for line in lines do sb.Append(line).Append('\n') |> ignore
        writeAllText path (sb.ToString())
