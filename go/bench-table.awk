# Turns `go test -bench SideBySide` output into BENCHMARKS.md's table rows:
#   go test -run '^$' -bench SideBySide -benchtime 41x . | awk -f bench-table.awk
# Columns: bundle, Go rule µs/call (median), package µs/call (median), ratio
# Go rule ÷ package per round (median, minimum), min ÷ min, verifications
# per call (Go rule / package).
/^BenchmarkSideBySide\// {
	name = $1
	sub(/^BenchmarkSideBySide\//, "", name)
	sub(/-[0-9]+$/, "", name)
	for (i = 3; i < NF; i += 2) m[$(i + 1)] = $i
	printf "| %s | %.0f | %.0f | %.1f | %.1f | %.1f | %d / %d |\n", name,
		m["rule-ns/call"] / 1000, m["pkg-ns/call"] / 1000, m["ratio-med"],
		m["ratio-min"], m["ratio-minmin"], m["rule-verifs"], m["pkg-verifs"]
}
