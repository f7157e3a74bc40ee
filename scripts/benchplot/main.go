// Command benchplot reads `go test -bench` output, takes the median of each
// benchmark's runs, prints a Markdown table of the medians with ratios to
// the baselines, and writes an SVG bar chart of ns/op.
//
// Benchmark names end in the implementation, as in
// BenchmarkCallback/threads/oauth2-by-hand. A name ending in "presetauth"
// or "presetauth-..." is this module; any other ending is a baseline, and
// the ratios compare each of ours with each baseline of the same group.
//
//	go test -run '^$' -bench . -benchmem -count 6 ./bench/ | tee docs/benchmarks.txt |
//		go run ./scripts/benchplot -o docs/benchmarks.svg
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

func main() {
	out := flag.String("o", "", "write the SVG chart to this file")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: benchplot [-o chart.svg] [file ...]")
		fmt.Fprintln(os.Stderr, "Reads go test -bench output from the files, or from standard input.")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(*out, flag.Args(), os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchplot:", err)
		os.Exit(1)
	}
}

func run(svgPath string, files []string, stdin io.Reader, stdout io.Writer) error {
	var readers []io.Reader
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		readers = append(readers, f)
	}
	if len(readers) == 0 {
		readers = append(readers, stdin)
	}

	set, err := parse(io.MultiReader(readers...))
	if err != nil {
		return err
	}
	if len(set.results) == 0 {
		return errors.New("no benchmark lines in the input")
	}
	if err := writeTable(stdout, set); err != nil {
		return err
	}
	if svgPath == "" {
		return nil
	}
	return os.WriteFile(svgPath, []byte(chart(set)), 0o644)
}

// result is one benchmark with the values of all its runs, by unit.
type result struct {
	name   string // without "Benchmark" and the GOMAXPROCS suffix
	group  string // name up to the last "/"
	impl   string // the last element of name
	values map[string][]float64
}

func (r *result) ours() bool { return isOurs(r.impl) }

func isOurs(impl string) bool {
	return impl == "presetauth" || strings.HasPrefix(impl, "presetauth-")
}

// median returns the median of the runs in unit, or NaN when there are none.
func (r *result) median(unit string) float64 {
	values := slices.Clone(r.values[unit])
	if len(values) == 0 {
		return math.NaN()
	}
	slices.Sort(values)
	n := len(values)
	if n%2 == 1 {
		return values[n/2]
	}
	return (values[n/2-1] + values[n/2]) / 2
}

// resultSet is the parsed output: the results in input order and the
// machine lines (goos, goarch, cpu).
type resultSet struct {
	results []*result
	machine map[string]string
}

var benchLine = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

func parse(r io.Reader) (*resultSet, error) {
	set := &resultSet{machine: map[string]string{}}
	byName := map[string]*result{}
	scanner := bufio.NewScanner(r)
	for scanner.Scan() {
		line := scanner.Text()
		for _, key := range []string{"goos", "goarch", "cpu"} {
			if value, ok := strings.CutPrefix(line, key+": "); ok {
				set.machine[key] = strings.TrimSpace(value)
			}
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name := m[1]
		res := byName[name]
		if res == nil {
			res = &result{name: name, group: name, values: map[string][]float64{}}
			if i := strings.LastIndex(name, "/"); i >= 0 {
				res.group, res.impl = name[:i], name[i+1:]
			}
			byName[name] = res
			set.results = append(set.results, res)
		}
		fields := strings.Fields(m[2])
		for i := 0; i+1 < len(fields); i += 2 {
			value, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("benchmark %s: value %q: %w", name, fields[i], err)
			}
			res.values[fields[i+1]] = append(res.values[fields[i+1]], value)
		}
	}
	return set, scanner.Err()
}

// groups returns the group names in input order.
func (s *resultSet) groups() []string {
	var out []string
	for _, r := range s.results {
		if !slices.Contains(out, r.group) {
			out = append(out, r.group)
		}
	}
	return out
}

func (s *resultSet) inGroup(group string) []*result {
	var out []*result
	for _, r := range s.results {
		if r.group == group {
			out = append(out, r)
		}
	}
	return out
}

// writeTable prints the medians and, for each of ours, the ratios to each
// baseline of its group: ours divided by the baseline, so below 1 is better.
// cpu-ns/op is the CPU time of the benchmark process per iteration, which
// some benchmarks report.
func writeTable(w io.Writer, s *resultSet) error {
	var b strings.Builder
	b.WriteString("| benchmark | implementation | runs | ns/op | cpu-ns/op | B/op | allocs/op | ns/op vs baseline | cpu-ns/op vs baseline | allocs/op vs baseline |\n")
	b.WriteString("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |\n")
	for _, group := range s.groups() {
		members := s.inGroup(group)
		for _, r := range members {
			var timeRatios, cpuRatios, allocRatios []string
			if r.ours() {
				for _, base := range members {
					if base.ours() {
						continue
					}
					timeRatios = appendRatio(timeRatios, r, base, "ns/op")
					cpuRatios = appendRatio(cpuRatios, r, base, "cpu-ns/op")
					allocRatios = appendRatio(allocRatios, r, base, "allocs/op")
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |\n",
				group, r.impl, len(r.values["ns/op"]), formatNumber(r.median("ns/op")),
				formatNumber(r.median("cpu-ns/op")), formatNumber(r.median("B/op")),
				formatNumber(r.median("allocs/op")), strings.Join(timeRatios, ", "),
				strings.Join(cpuRatios, ", "), strings.Join(allocRatios, ", "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// appendRatio appends "ours/base× base" for unit, unless either result
// lacks the unit.
func appendRatio(ratios []string, ours, base *result, unit string) []string {
	a, b := ours.median(unit), base.median(unit)
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return ratios
	}
	return append(ratios, fmt.Sprintf("%.2f× %s", a/b, base.impl))
}

func formatNumber(v float64) string {
	switch {
	case math.IsNaN(v):
		return ""
	case v >= 100 || v == math.Trunc(v):
		return strconv.FormatFloat(math.Round(v), 'f', -1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
}

// formatDuration writes ns as a duration with three significant digits.
func formatDuration(ns float64) string {
	unit, scale := "ns", 1.0
	switch {
	case ns >= 1e9:
		unit, scale = "s", 1e9
	case ns >= 1e6:
		unit, scale = "ms", 1e6
	case ns >= 1e3:
		unit, scale = "µs", 1e3
	}
	v := ns / scale
	digits := 0
	switch {
	case v < 10:
		digits = 2
	case v < 100:
		digits = 1
	}
	return strconv.FormatFloat(v, 'f', digits, 64) + " " + unit
}
