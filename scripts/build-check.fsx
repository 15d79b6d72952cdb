// Stops a script with a clear message when the toolkit has not been built yet (loaded by engine.fsx
// before its #r lines, which would otherwise fail with a bare "assembly not found").
let private toolkitDll = System.IO.Path.Combine(__SOURCE_DIRECTORY__,
                                                "../core/Front/bin/Release/net10.0/ImplicitBias.dll")
if not (System.IO.File.Exists toolkitDll) then
    eprintfn "The toolkit is not built (%s is missing): run `dotnet fsi build.fsx -t Build` first."
        (System.IO.Path.GetFullPath toolkitDll)
    exit 2
