// Loads the toolkit into a script. Build first: dotnet fsi build.fsx -t Build
// (the front library's bin folder holds the engine and every package DLL beside it).
#load "build-check.fsx"
#I "../core/Front/bin/Release/net10.0"
#r "ImplicitBias.Engine.dll"
#r "MathNet.Numerics.dll"
#r "System.Numerics.Tensors.dll"
#r "ImplicitBias.dll"
#r "Parquet.dll"
#r "Plotly.NET.dll"
#r "Plotly.NET.ImageExport.dll"
