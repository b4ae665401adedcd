/// ISO-8601 formatting and parsing of millisecond timestamps, without Foundation.
public enum Timestamp {
    /// The earliest time Logbook records: 0000-01-01T00:00:00.000Z.
    public static let earliest: Int64 = -62_167_219_200_000
    /// The latest time Logbook records: 9999-12-31T23:59:59.999Z.
    public static let latest: Int64 = 253_402_300_799_999

    /// Whether `ms` is a time Logbook records (years 0000 to 9999, what ISO-8601 text can say).
    public static func isRecordable(_ ms: Int64) -> Bool { ms >= earliest && ms <= latest }

    /// `2026-03-01T14:00:00.000Z` for milliseconds since the epoch (UTC); times outside years 0000-9999 print as
    /// their number of milliseconds.
    public static func iso(_ ms: Int64) -> String {
        if ms == .min { return "-" }
        guard isRecordable(ms) else { return "\(ms) ms" }
        let days = floorDiv(ms, 86_400_000)
        let msOfDay = ms - days * 86_400_000
        let (y, m, d) = civil(fromDays: days)
        let h = msOfDay / 3_600_000, mi = msOfDay / 60_000 % 60, s = msOfDay / 1000 % 60, f = msOfDay % 1000
        // Written into the string's own storage, digit by digit: exports print one per metric point.
        return String(unsafeUninitializedCapacity: 24) { b in
            func put(_ v: Int64, _ width: Int, at i: Int) {
                var v = v
                for k in stride(from: i + width - 1, through: i, by: -1) {
                    b[k] = UInt8(ascii: "0") + UInt8(v % 10)
                    v /= 10
                }
            }
            put(y, 4, at: 0); b[4] = UInt8(ascii: "-"); put(m, 2, at: 5); b[7] = UInt8(ascii: "-"); put(d, 2, at: 8)
            b[10] = UInt8(ascii: "T"); put(h, 2, at: 11); b[13] = UInt8(ascii: ":"); put(mi, 2, at: 14)
            b[16] = UInt8(ascii: ":"); put(s, 2, at: 17); b[19] = UInt8(ascii: "."); put(f, 3, at: 20)
            b[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    /// Parses `2026-03-01`, `2026-03-01T14:00`, `2026-03-01T14:00:00Z`, `...T14:00:00.123+02:00` (a date alone or a
    /// time without offset is UTC); nil when malformed.
    public static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        var i = 0
        func number(_ digits: Int) -> Int64? {
            guard i + digits <= b.count else { return nil }
            var v: Int64 = 0
            for k in 0..<digits {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            i += digits
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count && b[i] == c else { return false }
            i += 1
            return true
        }
        guard let y = number(4), expect(45), let mo = number(2), expect(45), let d = number(2),
              (1...12).contains(mo), d >= 1 && d <= daysIn(month: mo, year: y) else { return nil }
        var ms = days(fromCivil: y, mo, d) * 86_400_000
        if i == b.count { return ms }
        guard expect(84) || expect(116) || expect(32), let h = number(2), expect(58), let mi = number(2),
              h < 24, mi < 60 else { return nil }
        ms += h * 3_600_000 + mi * 60_000
        if expect(58) {
            guard let s = number(2), s < 60 else { return nil }
            ms += s * 1000
            if expect(46) {
                let start = i
                var frac: Int64 = 0, digits = 0
                while i < b.count, b[i] >= 48 && b[i] <= 57 {
                    if digits < 3 { frac = frac * 10 + Int64(b[i] - 48); digits += 1 }
                    i += 1
                }
                guard i > start else { return nil }
                while digits < 3 { frac *= 10; digits += 1 }
                ms += frac
            }
        }
        if i == b.count || expect(90) || expect(122) { return i == b.count ? ms : nil }
        let sign: Int64
        if expect(43) { sign = 1 } else if expect(45) { sign = -1 } else { return nil }
        guard let oh = number(2), oh < 24 else { return nil }
        _ = expect(58)
        guard let om = number(2), om < 60, i == b.count else { return nil }
        return ms - sign * (oh * 3_600_000 + om * 60_000)
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a / b - (a % b < 0 ? 1 : 0) }

    private static func isLeap(_ y: Int64) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }

    private static func daysIn(month m: Int64, year y: Int64) -> Int64 {
        [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][Int(m - 1)]
    }

    /// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of days since 1970-01-01.
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
