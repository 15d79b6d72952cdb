/// The arbitrary-precision numbers of core/Engine/Reference/HighPrecision: BigFloat against IEEE doubles (which round
/// correctly) and System.Decimal, against 120-digit constants from Python's decimal module and pi by Gauss-Legendre,
/// exp/log/sqrt against libm and identities at 300 bits, the dense solver on a Hilbert matrix, and the Radau IIA
/// coefficients against their closed form and order conditions.
module ImplicitBias.Tests.TestHighPrecisionNumbers

open System
open Expecto
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Reference.HighPrecision

let private big (x: float) (p: int) = BigFloat.FromDouble(x, p)

/// Seeded doubles of both signs over 2^-60 .. 2^60 (and a few subnormal and huge ones for the conversions).
let private doubles (seed: uint64) (count: int) (spread: int) =
    let rng = SeededRandom seed
    Array.init count (fun _ -> (rng.NextGaussian()) * Math.ScaleB(1.0, rng.NextInt(2 * spread + 1) - spread))

/// |a - b| / |b| as a power of two (log2), from a difference at the precision of a and b.
let private relativeBits (a: BigFloat) (b: BigFloat) =
    let d = (a - b).Abs()
    if d.IsZero then -infinity else float (d.Top - b.Abs().Top)

/// Distance in units in the last place of b between two doubles of the same sign.
let private ulps (a: float) (b: float) =
    abs (float (BitConverter.DoubleToInt64Bits a - BitConverter.DoubleToInt64Bits b))

/// Reference values to 120 significant digits, printed by
/// `python3 -c "from decimal import *; getcontext().prec=120; print(Decimal(2).ln())"` (likewise Decimal(1).exp(),
/// Decimal(10).ln(), Decimal('-37.5').exp(), Decimal(2).sqrt(), Decimal('0.001').ln()); pi by the recipe `pi()` of
/// Python's decimal documentation at the same precision. Each is correctly rounded to 120 digits (about 2^-398).
let private reference =
    [ "ln 2", "0.6931471805599453094172321214581765680755001343602552541206"
              + "80009493393621969694715605863326996418687542001481020570685734"
      "e", "2.7182818284590452353602874713526624977572470936999595749669"
           + "6762772407663035354759457138217852516642742746639193200305992"
      "ln 10", "2.3025850929940456840179914546843642076011014886287729760333"
               + "2790096757260967735248023599720508959829834196778404228624863"
      "exp(-37.5)", "5.1755550058018685348510907057388299460248104678145500561957"
                    + "5036714426025974634841302202792538435218622336533926452600260E-17"
      "sqrt 2", "1.4142135623730950488016887242096980785696718753769480731766"
                + "7973799073247846210703885038753432764157273501384623091229702"
      "ln 0.001", "-6.907755278982137052053974364053092622803304465886318928099"
                  + "98370290271782903205744070799161526879489502590335212685874590" ]
let private pi120 =
    "3.1415926535897932384626433832795028841971693993751058209749"
    + "4459230781640628620899862803482534211706798214808651328230665"

[<Tests>]
let tests =
    testList "HighPrecisionNumbers" [
        testCase "doubles convert exactly both ways, subnormals and extremes included" <| fun _ ->
            let extremes = [| Double.Epsilon; -Double.Epsilon; Double.MaxValue; 2.2250738585072014e-308; 1.0; -0.5 |]
            let values = Array.append (doubles 1UL 2000 1000) extremes
            for x in values do
                Expect.equal ((big x 64).ToDouble()) x $"{x:R}"

        testCase "ToDouble rounds to nearest, ties to even, at normal and subnormal sizes" <| fun _ ->
            let at (m: int64) (e: int) = BigFloat.Create(Numerics.BigInteger m, int64 e, 128).ToDouble()
            Expect.equal (at ((1L <<< 53) + 1L) 0) (Math.ScaleB(1.0, 53)) "2^53 + 1 -> 2^53 (tie, even)"
            Expect.equal (at ((1L <<< 53) + 3L) 0) (Math.ScaleB(1.0, 53) + 4.0) "2^53 + 3 -> 2^53 + 4 (tie, even)"
            Expect.equal (at ((1L <<< 54) + 5L) 0) (Math.ScaleB(1.0, 54) + 4.0) "2^54 + 5 -> 2^54 + 4 (below the tie)"
            Expect.equal (at ((1L <<< 54) + 6L) 0) (Math.ScaleB(1.0, 54) + 8.0) "2^54 + 6 -> 2^54 + 8 (tie, even)"
            Expect.equal (at ((1L <<< 54) + 7L) 0) (Math.ScaleB(1.0, 54) + 8.0) "2^54 + 7 -> 2^54 + 8 (above the tie)"
            Expect.equal (at 3L -1076) Double.Epsilon "0.75 of the smallest subnormal rounds up to it"
            Expect.equal (at 1L -1075) 0.0 "half the smallest subnormal ties to 0 (even)"
            Expect.equal (at 3L -1075) (2.0 * Double.Epsilon) "1.5 of the smallest subnormal ties to 2 (even)"
            Expect.equal (at 1L 1024) Double.PositiveInfinity "2^1024 overflows"

        testCase
            "sums, products, quotients and square roots of doubles, rounded once, are IEEE's correctly rounded results"
        <| fun _ ->
            // At 200 bits a sum of doubles within 2^140 of each other and every product is exact, and a farther
            // addend is below a quarter of the result's last bit; quotients and square roots of doubles are never
            // within 2^-107 (relative) of a midpoint between doubles unless exact, so a faithful 200-bit value
            // rounds to the same double as the exact one.
            let a, b = doubles 2UL 3000 60, doubles 3UL 3000 60
            for i in 0 .. a.Length - 1 do
                let x, y = big a[i] 200, big b[i] 200
                Expect.equal ((x + y).ToDouble()) (a[i] + b[i]) $"{a[i]:R} + {b[i]:R}"
                Expect.equal ((x - y).ToDouble()) (a[i] - b[i]) $"{a[i]:R} - {b[i]:R}"
                Expect.equal ((x * y).ToDouble()) (a[i] * b[i]) $"{a[i]:R} * {b[i]:R}"
                Expect.equal ((x / y).ToDouble()) (a[i] / b[i]) $"{a[i]:R} / {b[i]:R}"
                Expect.equal ((BigFloatMath.Sqrt(x.Abs())).ToDouble()) (sqrt (abs a[i])) $"sqrt {a[i]:R}"
                Expect.equal (x.CompareTo y) (compare a[i] b[i]) $"compare {a[i]:R} {b[i]:R}"

        testCase "exp and log are within one ulp of libm's (itself within one ulp of the truth)" <| fun _ ->
            let rng = SeededRandom 4UL
            for _ in 1 .. 400 do
                let x = (rng.NextDouble() - 0.5) * 1400.0
                let e = (BigFloatMath.Exp(big x 128)).ToDouble()
                Expect.isLessThanOrEqual (ulps e (exp x)) 1.0 $"exp {x:R}"
                let y = Math.ScaleB(0.5 + rng.NextDouble(), rng.NextInt(2000) - 1000)
                Expect.isLessThanOrEqual (ulps ((BigFloatMath.Log(big y 128)).ToDouble()) (log y)) 1.0 $"log {y:R}"

        testCase "constants agree with Python's 120-digit decimals to 2^-300 at 320 bits" <| fun _ ->
            let p = 320
            let computed =
                [ BigFloatMath.Ln2 p; BigFloatMath.Exp(BigFloat.One p); BigFloatMath.Log(big 10.0 p)
                  BigFloatMath.Exp(big -37.5 p); BigFloatMath.Sqrt(big 2.0 p)
                  BigFloatMath.Log(BigFloat.One p / BigFloat.FromInteger(Numerics.BigInteger 1000, p)) ]
            for (name, digits), value in List.zip reference computed do
                Expect.isLessThan (relativeBits value (BigFloat.Parse(digits, p))) -300.0 name

        testCase "pi by the Gauss-Legendre iteration (square roots, quotients, products) to 2^-300 at 320 bits"
        <| fun _ ->
            // a, b, t, k = 1, 1/sqrt 2, 1/4, 1; then a' = (a + b)/2, b' = sqrt(a b), t' = t - k (a - a')^2, k' = 2k;
            // pi = (a + b)^2 / (4 t). The digits double each round: 9 rounds give more than 320 bits.
            let p = 320
            let one = BigFloat.One p
            let mutable a, b, t, k = one, one / BigFloatMath.Sqrt(big 2.0 p), one.ScaleB(-2L), one
            for _ in 1 .. 9 do
                let next = (a + b).ScaleB(-1L)
                b <- BigFloatMath.Sqrt(a * b)
                t <- t - k * (a - next) * (a - next)
                k <- k.ScaleB(1L)
                a <- next
            let pi = (a + b) * (a + b) / t.ScaleB(2L)
            Expect.isLessThan (relativeBits pi (BigFloat.Parse(pi120, p))) -300.0 "pi"

        testCase "System.Decimal: exact sums and products to 2^-250, quotients to decimal's 28 digits" <| fun _ ->
            // Decimals with 12 significant digits: their sums and products (at most 24 digits) are exact in decimal;
            // at 256 bits the parsed operands and the result are each within 2^-256 (relative), so the difference is
            // below 2^-250 of |a| + |b| (sums) or of |a b| (products). Decimal rounds a quotient to 28 significant
            // digits and at most 28 decimal places: within 1e-27 of it or 1e-28.
            let rng = SeededRandom 6UL
            let text (x: decimal) = x.ToString(Globalization.CultureInfo.InvariantCulture)
            let parse (x: decimal) = BigFloat.Parse(text x, 256)
            let relative (x: BigFloat) (y: BigFloat) (scale: BigFloat) = abs (((x - y) / scale).ToDouble())
            for _ in 1 .. 500 do
                let draw () =
                    decimal (rng.NextInt(2_000_000) - 1_000_000) * 1_000_000M + decimal (rng.NextInt 1_000_000)
                let a, b = draw () / 1_000_000_000M, draw () / 1_000M
                if a <> 0M && b <> 0M then
                    let x, y = parse a, parse b
                    Expect.isLessThan (relative (x + y) (parse (a + b)) (x.Abs() + y.Abs())) (Math.ScaleB(1.0, -250))
                        $"{a} + {b}"
                    Expect.isLessThan (relative (x * y) (parse (a * b)) (x * y)) (Math.ScaleB(1.0, -250)) $"{a} * {b}"
                    let q = x / y
                    Expect.isLessThan (abs ((q - parse (a / b)).ToDouble())) (1e-27 * abs (q.ToDouble()) + 1e-28)
                        $"{a} / {b}"

        testCase "exp(log x) = x, log(exp a) = a, exp(a + b) = exp(a) exp(b), sqrt(x)^2 = x at 300 bits" <| fun _ ->
            // Bounds from the conditioning: a relative error e in x is e in log x (absolute), and an absolute error e
            // in a is a relative e in exp a; a + b is rounded to |a + b| 2^-300 <= 2^-290 here (|a|, |b| <= 2^10).
            let p = 300
            let xs = doubles 5UL 60 40
            for i in 0 .. xs.Length - 2 do
                let x = big (abs xs[i]) p
                let a, b = big (Math.ScaleB(xs[i], -30)) p, big (Math.ScaleB(xs[i + 1], -30)) p
                Expect.isLessThan (relativeBits (BigFloatMath.Exp(BigFloatMath.Log x)) x) -290.0 $"exp log {xs[i]:R}"
                let error = (BigFloatMath.Log(BigFloatMath.Exp a) - a).Abs()
                let allowed = -290.0 + max 0.0 (float (a.Abs().Top))
                Expect.isTrue (error.IsZero || float error.Top < allowed) $"log exp {a}"
                let product = BigFloatMath.Exp(a) * BigFloatMath.Exp(b)
                Expect.isLessThan (relativeBits (BigFloatMath.Exp(a + b)) product) -285.0 $"exp sum {i}"
                let root = BigFloatMath.Sqrt x
                Expect.isLessThan (relativeBits (root * root) x) -295.0 $"sqrt {xs[i]:R}"

        testCase "equality and order are by value, across representations and precisions" <| fun _ ->
            let half = BigFloat.Create(Numerics.BigInteger 3, -1L, 64)
            Expect.isTrue (half = big 1.5 256) "3 2^-1 = 1.5"
            Expect.isTrue (big 1.5 64 < big 1.5000000000000002 64) "next double"
            Expect.isTrue (big -2.0 64 < big -1.0 64) "negatives"
            Expect.equal (half.GetHashCode()) ((big 1.5 300).GetHashCode()) "equal values hash alike"

        testCase "Gaussian elimination solves a 12 x 12 Hilbert system (condition 1.7e16) to 2^-180 at 256 bits"
        <| fun _ ->
            // Forward error <= condition * 2^-256 * small factor ~ 1e16 * 1e-77: 2^-180 leaves room for the factor.
            let p, n = 256, 12
            let h = Array2D.init n n (fun i j ->
                BigFloat.One p / BigFloat.FromInteger(Numerics.BigInteger(i + j + 1), p))
            let rowSum i = Seq.fold (fun (s: BigFloat) j -> s + h[i, j]) (BigFloat.Zero p) (seq { 0 .. n - 1 })
            let rhs = Array.init n rowSum
            for x in BigLinearSolve.Solve(h, rhs) do
                Expect.isLessThan (relativeBits x (BigFloat.One p)) -180.0 "x = 1"

        testCase "Radau IIA: the 3-stage closed form, and order exactly 2s - 1 (quadrature conditions) for s = 1..7"
        <| fun _ ->
            let p = 256
            let r3 = RadauIIA.Create(3, p)
            let s6 = BigFloatMath.Sqrt(big 6.0 p)
            let q (a: float) (b: float) (c: float) = (big a p + big b p * s6) / big c p
            let closed =
                array2D [ [ q 88.0 -7.0 360.0; q 296.0 -169.0 1800.0; q -2.0 3.0 225.0 ]
                          [ q 296.0 169.0 1800.0; q 88.0 7.0 360.0; q -2.0 -3.0 225.0 ]
                          [ q 16.0 -1.0 36.0; q 16.0 1.0 36.0; q 1.0 0.0 9.0 ] ]
            for i in 0 .. 2 do
                for j in 0 .. 2 do
                    Expect.isLessThan (relativeBits r3.Matrix[i, j] closed[i, j]) -240.0 $"a{i + 1}{j + 1}"
            Expect.isLessThan (relativeBits r3.Nodes[0] (q 4.0 -1.0 10.0)) -240.0 "c1 = (4 - sqrt 6) / 10"
            for s in 1 .. 7 do
                let m = RadauIIA.Create(s, p)
                let power (x: BigFloat) k =
                    Seq.fold (fun (acc: BigFloat) _ -> acc * x) (BigFloat.One p) (seq { 1 .. k })
                let error k = // sum_i b_i c_i^(k-1) - 1/k, b the last row of A
                    let terms = seq { for i in 0 .. s - 1 -> m.Matrix[s - 1, i] * power m.Nodes[i] (k - 1) }
                    let sum = Seq.fold (fun (acc: BigFloat) t -> acc + t) (BigFloat.Zero p) terms
                    abs ((sum - BigFloat.One p / BigFloat.FromInteger(Numerics.BigInteger k, p)).ToDouble())
                for k in 1 .. 2 * s - 1 do Expect.isLessThan (error k) 1e-70 $"s = {s}: B({k})"
                Expect.isGreaterThan (error (2 * s)) 1e-30 $"s = {s}: not exact at degree {2 * s - 1}"
    ]
