using System.Text.RegularExpressions;

namespace ImplicitBias.Engine.Groups;

/// <summary>
/// The built-in groups, each a table built once and documented by its element order: cyclic C_n, dihedral D_n
/// (order 2n), the quaternion group Q8, A4, S4 and direct products. <see cref="Parse"/> reads names like "D8",
/// "C4xC4", "Q8xC2", "SmallGroup(24,12)". GAP's DihedralGroup(2n) is our D_n (GAP names dihedral groups by their
/// order).
/// </summary>
public static class StandardGroups
{
    /// <summary>C_n: feature k is r^k, r the generator; r^a r^b = r^(a+b mod n) (the paper's index set).</summary>
    public static FiniteGroup Cyclic(int n)
    {
        if (n < 1) throw new ArgumentException($"C_n needs n >= 1 (got {n}).");
        return FiniteGroup.FromTable(Build(n, (a, b) => (a + b) % n), $"C{n}", "feature k is r^k, r a generator",
                                     Enumerable.Range(0, n).Select(k => $"r^{k}").ToArray());
    }

    /// <summary>
    /// D_n, the symmetries of the regular n-gon, of order 2n: feature k + n j is r^k s^j (k &lt; n, j &lt; 2), r the
    /// rotation by 2 pi / n, s a reflection, s r s = r^-1, so (r^a s^b)(r^c s^e) = r^(a + (-1)^b c) s^(b + e).
    /// </summary>
    public static FiniteGroup Dihedral(int n)
    {
        if (n < 1) throw new ArgumentException($"D_n needs n >= 1 (got {n}).");
        var table = Build(2 * n, (x, y) =>
        {
            int a = x % n, b = x / n, c = y % n, e = y / n;
            int k = ((a + (b == 0 ? c : -c)) % n + n) % n;
            return k + n * ((b + e) % 2);
        });
        var names = Enumerable.Range(0, 2 * n).Select(i => i < n ? $"r^{i}" : $"r^{i - n}s").ToArray();
        return FiniteGroup.FromTable(table, $"D{n}",
            "feature k + n j is r^k s^j, r the rotation by 2 pi/n, s a reflection, s r s = r^-1", names);
    }

    /// <summary>
    /// Q8 = {+-1, +-i, +-j, +-k}: feature u + 4 s is (-1)^s q_u with q_0..q_3 = 1, i, j, k; i^2 = j^2 = k^2 = ijk = -1.
    /// </summary>
    public static FiniteGroup Quaternion()
    {
        // Unit products q_u q_v = sign * q_w, as (w, sign flip) for u, v in 1, i, j, k.
        int[,] unit = { { 0, 1, 2, 3 }, { 1, 0, 3, 2 }, { 2, 3, 0, 1 }, { 3, 2, 1, 0 } };
        int[,] flip = { { 0, 0, 0, 0 }, { 0, 1, 0, 1 }, { 0, 1, 1, 0 }, { 0, 0, 1, 1 } };
        var table = Build(8, (x, y) => unit[x % 4, y % 4] + 4 * ((x / 4 + y / 4 + flip[x % 4, y % 4]) % 2));
        string[] names = { "1", "i", "j", "k", "-1", "-i", "-j", "-k" };
        return FiniteGroup.FromTable(table, "Q8", "feature u + 4 s is (-1)^s q_u with q = 1, i, j, k", names);
    }

    /// <summary>
    /// S4, all permutations of 0..3 in lexicographic order (feature 0 is 0123, the identity; 23 is 3210).
    /// </summary>
    public static FiniteGroup Symmetric4() =>
        FiniteGroup.FromPermutations(new[] { new[] { 1, 0, 2, 3 }, new[] { 1, 2, 3, 0 } }, "S4");

    /// <summary>A4, the even permutations of 0..3 in lexicographic order (feature 0 is the identity).</summary>
    public static FiniteGroup Alternating4() =>
        FiniteGroup.FromPermutations(new[] { new[] { 1, 2, 0, 3 }, new[] { 1, 0, 3, 2 } }, "A4");

    /// <summary>
    /// G x H: feature a |H| + b is the pair (g_a, h_b) (row-major; C_M x C_N is the M x N image grid).
    /// </summary>
    public static FiniteGroup DirectProduct(FiniteGroup g, FiniteGroup h)
    {
        int m = h.Order;
        var table = Build(g.Order * m, (x, y) => g.Multiply(x / m, y / m) * m + h.Multiply(x % m, y % m));
        var names = Enumerable.Range(0, g.Order * m)
            .Select(i => $"({g.ElementNames[i / m]},{h.ElementNames[i % m]})").ToArray();
        return FiniteGroup.FromTable(table, $"{g.Name}x{h.Name}",
            $"feature a |H| + b is (g_a, h_b) with G = {g.Name}, H = {h.Name}; " +
            $"in {g.Name}: {g.ElementOrder}; in {h.Name}: {h.ElementOrder}", names);
    }

    /// <summary>
    /// The group of a name: Cn, Dn (order 2n), Q8, A4, S4, products joined by 'x' (e.g. "C4xC4", "D3xC2"), and
    /// "SmallGroup(n,k)", read from GAP (<see cref="GapSmallGroup"/>).
    /// </summary>
    public static FiniteGroup Parse(string name)
    {
        var small = Regex.Match(name.Trim(), @"^SmallGroup\((\d+),\s*(\d+)\)$");
        if (small.Success)
            return GapSmallGroup.Load(int.Parse(small.Groups[1].Value), int.Parse(small.Groups[2].Value));
        var factors = name.Split('x', 'X');
        if (factors.Length > 1) return factors.Select(Parse).Aggregate(DirectProduct);
        var m = Regex.Match(name.Trim(), @"^([CD])(\d+)$");
        if (m.Success && int.TryParse(m.Groups[2].Value, out int n))
            return m.Groups[1].Value == "C" ? Cyclic(n) : Dihedral(n);
        return name.Trim() switch
        {
            "Q8" => Quaternion(),
            "A4" => Alternating4(),
            "S4" => Symmetric4(),
            _ => throw new ArgumentException(
                $"unknown group '{name}': use Cn, Dn (order 2n), Q8, A4, S4 or products like C4xC4."),
        };
    }

    private static int[,] Build(int n, Func<int, int, int> product)
    {
        var t = new int[n, n];
        for (int a = 0; a < n; a++) for (int b = 0; b < n; b++) t[a, b] = product(a, b);
        return t;
    }
}
