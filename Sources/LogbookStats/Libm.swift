// The only file of LogbookStats that imports the C library: every libm function the module needs is
// wrapped here in a small internal function, so the rest of the module imports nothing.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Complementary error function erfc(x) = 1 - erf(x), accurate in the upper tail.
@inline(__always) func libmErfc(_ x: Double) -> Double { erfc(x) }

/// Natural exponential e^x.
@inline(__always) func libmExp(_ x: Double) -> Double { exp(x) }

/// e^x - 1, accurate for small x.
@inline(__always) func libmExpm1(_ x: Double) -> Double { expm1(x) }

/// Natural logarithm.
@inline(__always) func libmLog(_ x: Double) -> Double { log(x) }

/// ln(1 + x), accurate for small x.
@inline(__always) func libmLog1p(_ x: Double) -> Double { log1p(x) }

/// ln|Γ(x)| through the reentrant lgamma_r (plain lgamma writes the global signgam).
@inline(__always) func libmLogGamma(_ x: Double) -> Double {
    var sign: Int32 = 0
    return lgamma_r(x, &sign)
}

/// Arcsine in radians.
@inline(__always) func libmAsin(_ x: Double) -> Double { asin(x) }

/// x raised to the power y.
@inline(__always) func libmPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
