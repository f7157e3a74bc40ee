package main

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `goos: linux
goarch: amd64
pkg: github.com/presetauth/presetauth/bench
cpu: AMD EPYC
BenchmarkCallback/threads/presetauth-2         	    2438	    500000 ns/op	     90000 cpu-ns/op	   26410 B/op	     280 allocs/op
BenchmarkCallback/threads/presetauth-2         	    2283	    400000 ns/op	     99000 cpu-ns/op	   26450 B/op	     282 allocs/op
BenchmarkCallback/threads/presetauth-2         	    2492	    460000 ns/op	     95000 cpu-ns/op	   26472 B/op	     284 allocs/op
BenchmarkCallback/threads/oauth2-by-hand-2     	    3021	    400000 ns/op	     80000 cpu-ns/op	   19639 B/op	     239 allocs/op
BenchmarkCallback/threads/oauth2-by-hand-2     	    2562	    420000 ns/op	     90000 cpu-ns/op	   19673 B/op	     241 allocs/op
BenchmarkProfileMapping/threads/presetauth-2   	  888049	      1427 ns/op	     736 B/op	       6 allocs/op
PASS
ok  	github.com/presetauth/presetauth/bench	9.106s
`

func TestParseMedians(t *testing.T) {
	set, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(set.results) != 3 {
		t.Fatalf("%d results, want 3", len(set.results))
	}
	if set.machine["cpu"] != "AMD EPYC" {
		t.Errorf("cpu = %q", set.machine["cpu"])
	}

	tests := []struct {
		index       int
		group, impl string
		unit        string
		want        float64
	}{
		{0, "Callback/threads", "presetauth", "ns/op", 460000}, // odd count: the middle run
		{0, "Callback/threads", "presetauth", "allocs/op", 282},
		{0, "Callback/threads", "presetauth", "cpu-ns/op", 95000},
		{1, "Callback/threads", "oauth2-by-hand", "ns/op", 410000}, // even count: the mean of the middle two
		{2, "ProfileMapping/threads", "presetauth", "B/op", 736},
		{2, "ProfileMapping/threads", "presetauth", "allocs/op", 6},
	}
	for _, test := range tests {
		r := set.results[test.index]
		if r.group != test.group || r.impl != test.impl {
			t.Errorf("result %d: group %q impl %q, want %q %q", test.index, r.group, r.impl, test.group, test.impl)
		}
		if got := r.median(test.unit); got != test.want {
			t.Errorf("%s %s: median %v, want %v", r.name, test.unit, got, test.want)
		}
	}
}

func TestTableRatios(t *testing.T) {
	set, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := writeTable(&out, set); err != nil {
		t.Fatal(err)
	}
	table := out.String()
	for _, want := range []string{
		"| Callback/threads | presetauth | 3 | 460000 | 95000 | 26450 | 282 | 1.12× oauth2-by-hand | 1.12× oauth2-by-hand | 1.18× oauth2-by-hand |",
		"| Callback/threads | oauth2-by-hand | 2 | 410000 | 85000 | 19656 | 240 |  |  |  |",
		"| ProfileMapping/threads | presetauth | 1 | 1427 |  | 736 | 6 |  |  |  |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks the row\n%s\ntable:\n%s", want, table)
		}
	}
}

func TestChartIsSVG(t *testing.T) {
	set, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	svg := chart(set)
	decoder := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := decoder.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("the chart is not well-formed XML: %v", err)
			}
			break
		}
	}
	for _, want := range []string{"Callback/threads", "oauth2-by-hand", "460 µs", "1.43 µs", oursColor, baselineColor} {
		if !strings.Contains(svg, want) {
			t.Errorf("the chart lacks %q", want)
		}
	}
}

func TestAxisLabel(t *testing.T) {
	tests := []struct {
		ns   float64
		want string
	}{
		{1, "1 ns"}, {100, "100 ns"}, {1e3, "1 µs"}, {1e4, "10 µs"}, {1e5, "100 µs"}, {1e6, "1 ms"}, {1e9, "1 s"},
	}
	for _, test := range tests {
		if got := axisLabel(test.ns); got != test.want {
			t.Errorf("axisLabel(%v) = %q, want %q", test.ns, got, test.want)
		}
	}
}

func TestRunWritesChart(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "bench.txt")
	if err := os.WriteFile(input, []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	output := filepath.Join(dir, "chart.svg")
	var table bytes.Buffer
	if err := run(output, []string{input}, strings.NewReader(""), &table); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(output); err != nil {
		t.Errorf("no chart written: %v", err)
	}
	if !strings.Contains(table.String(), "| benchmark |") {
		t.Errorf("no table printed:\n%s", table.String())
	}

	if err := run("", nil, strings.NewReader("PASS\n"), &table); err == nil {
		t.Error("input without benchmark lines was accepted")
	}
}
