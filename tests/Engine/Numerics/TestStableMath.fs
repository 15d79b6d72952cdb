/// The stable scalar math (core/Engine/Numerics/StableMath.cs): Exp with the bits of Math.Exp, LogSoftplus across
/// its branch points.
module ImplicitBias.Tests.TestStableMath

open Expecto
open ImplicitBias.Engine.Numerics

[<Tests>]
let tests =
    testList "StableMath" [
        testCase "StableMath.Exp has the bits of Math.Exp everywhere, the underflow range and its edge included"
        <| fun _ ->
            let rng = System.Random(7)
            let edge = [ -745.0; -745.13; -745.1332191019411; -745.1332191019412; -745.2; -745.9999; -746.0;
                         -746.0000001; -800.0; -1e10; -1e308
                         -infinity; infinity; nan; 0.0; -0.0; 709.78; 709.79; 1e-300; -708.4 ]
            let drawn = [ for _ in 1 .. 20000 -> (rng.NextDouble() - 0.9) * 1700.0 ]
            for x in edge @ drawn do
                Expect.equal (System.BitConverter.DoubleToInt64Bits(StableMath.Exp x))
                    (System.BitConverter.DoubleToInt64Bits(exp x)) $"e^{x}"

        testCase "LogSoftplus is continuous across its branch points" <| fun _ ->
            for z in [ -37.0; 0.0; 36.0 ] do
                let left, right = StableMath.LogSoftplus(z - 1e-9), StableMath.LogSoftplus(z + 1e-9)
                Expect.floatClose Accuracy.medium left right $"z = {z}"
            Expect.equal (StableMath.LogSoftplus -1e300) -1e300 "log(log(1 + e^z)) = z for very negative z"
    ]
