/// Aligned text tables for human output: columns separated by two spaces, the last one not padded.
struct Table {
    var headers: [String]
    var rows: [[String]] = []
    /// Columns aligned to the right (numbers).
    var rightAligned: Set<Int> = []

    init(_ headers: [String], rightAligned: Set<Int> = []) {
        self.headers = headers
        self.rightAligned = rightAligned
    }

    mutating func add(_ row: [String]) { rows.append(row) }

    /// The table as lines; headers in capitals as given.
    func render() -> String {
        let all = [headers] + rows
        let columns = all.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in all { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], Self.width(cell)) } }
        var out = ""
        for row in all {
            var line = ""
            for i in 0..<columns {
                let cell = i < row.count ? row[i] : ""
                let pad = String(repeating: " ", count: widths[i] - Self.width(cell))
                if i > 0 { line += "  " }
                if rightAligned.contains(i) {
                    line += pad + cell
                } else {
                    line += cell
                    if i < columns - 1 { line += pad }
                }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }

    /// `key  value` lines, keys aligned.
    static func keyValues(_ pairs: [(String, String)], indent: String = "") -> String {
        let width = pairs.map { Self.width($0.0) }.max() ?? 0
        var out = ""
        for (k, v) in pairs {
            var line = indent + k + String(repeating: " ", count: width - Self.width(k)) + "  " + v
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }

    /// Display width: one per character (good enough for the text Logbook prints).
    static func width(_ s: String) -> Int { s.count }
}

extension Table {
    /// Rows aligned in columns, without a header line.
    static func plain(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var t = Table(first)
        t.rows = Array(rows.dropFirst())
        return t.render()
    }
}
