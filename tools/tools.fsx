// Loads the toolkit and its measurement tools into a tool script. Build first: dotnet fsi build.fsx -t Build
#load "../scripts/engine.fsx"
#r "bin/Release/net10.0/ImplicitBias.Tools.dll"
