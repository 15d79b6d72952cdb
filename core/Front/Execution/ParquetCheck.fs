namespace ImplicitBias

open System
open Parquet

/// A second, independent reader of the store's files: Parquet.Net's low-level column API (no
/// class serializer), so the files are checked by something other than what wrote them.
module ParquetCheck =
    let private doubleSum (group: ParquetRowGroupReader) (f: Schema.DataField) n =
        let values = Array.zeroCreate<float> n
        let definitions = Array.zeroCreate<int> n
        let repetitions = Array.zeroCreate<int> n
        group.ReadRawAsync<float>(f, Memory values, Nullable(Memory definitions), Nullable(Memory repetitions))
            .AsTask().GetAwaiter().GetResult()
        // Values of non-null entries come first; an entry below the maximum definition level has none.
        let count = definitions |> Array.filter (fun d -> d = f.MaxDefinitionLevel) |> Array.length
        values |> Array.truncate count |> Array.filter Double.IsFinite |> Array.sum

    let private summarizeOpen (reader: ParquetReader) =
        let fields = reader.Schema.GetDataFields()
        let mutable rows = 0L
        let columns = Collections.Generic.Dictionary<string, int64 * float>()
        for g in 0 .. reader.RowGroupCount - 1 do
            use group = reader.OpenRowGroupReader g
            rows <- rows + group.RowCount
            for f in fields do
                let n = int (group.GetMetadata(f).MetaData.NumValues)
                let sum = if f.ClrType = typeof<float> then doubleSum group f n else nan
                let key = f.Path.ToString()
                let (n0, s0) = match columns.TryGetValue key with | true, v -> v | _ -> (0L, 0.0)
                columns[key] <- (n0 + int64 n, s0 + sum)
        rows, [ for kv in columns -> kv.Key, fst kv.Value, snd kv.Value ]

    /// Per column: (path, number of values, sum of the finite double values, NaN for non-double
    /// columns), over every row group, with the file's row count first.
    let summarize (path: string) =
        let reader = ParquetReader.CreateAsync(path).GetAwaiter().GetResult()
        try summarizeOpen reader
        finally reader.DisposeAsync().AsTask().GetAwaiter().GetResult()
