package main

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Chart layout, in SVG user units (pixels).
const (
	chartWidth  = 960
	labelWidth  = 300 // left column with the benchmark names
	valueWidth  = 90  // right margin for the value printed after a bar
	barHeight   = 16
	barGap      = 4
	groupGap    = 14
	headerSpace = 70
	footerSpace = 40
)

const (
	oursColor     = "#1f6fb4"
	baselineColor = "#e0802a"
	gridColor     = "#d0d0d0"
	textColor     = "#222222"
)

// chart draws the median ns/op of every result as a horizontal bar on a
// logarithmic axis, grouped as in the table, ours in blue and baselines in
// orange. A logarithmic axis is needed because the results span from a
// microsecond (profile mapping) to a millisecond (a callback over loopback).
func chart(s *resultSet) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range s.results {
		if v := r.median("ns/op"); !math.IsNaN(v) && v > 0 {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 0) {
		lo, hi = 1, 10
	}
	minExp, maxExp := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if maxExp == minExp {
		maxExp++
	}
	plotLeft, plotRight := float64(labelWidth), float64(chartWidth-valueWidth)
	x := func(ns float64) float64 {
		return plotLeft + (math.Log10(ns)-minExp)/(maxExp-minExp)*(plotRight-plotLeft)
	}

	groups := s.groups()
	height := headerSpace + footerSpace
	for _, g := range groups {
		height += groupGap + len(s.inGroup(g))*(barHeight+barGap)
	}

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="22" font-size="16" fill="%s">presetauth benchmarks: median ns/op, logarithmic axis (shorter is faster)</text>`+"\n", textColor)
	fmt.Fprintf(&b, `<text x="10" y="42" fill="%s">%s</text>`+"\n", textColor, html.EscapeString(machineLine(s)))
	legend(&b, 10, 58)

	top := float64(headerSpace)
	bottom := float64(height - footerSpace)
	for e := minExp; e <= maxExp; e++ {
		gx := x(math.Pow(10, e))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`+"\n", gx, top, gx, bottom, gridColor)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s">%s</text>`+"\n",
			gx, bottom+16, textColor, axisLabel(math.Pow(10, e)))
	}

	y := top
	for _, g := range groups {
		y += groupGap
		fmt.Fprintf(&b, `<text x="10" y="%.1f" font-weight="bold" fill="%s">%s</text>`+"\n", y-3, textColor, html.EscapeString(g))
		for _, r := range s.inGroup(g) {
			v := r.median("ns/op")
			color := baselineColor
			if r.ours() {
				color = oursColor
			}
			fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="%s">%s</text>`+"\n",
				labelWidth-8, y+barHeight-4, textColor, html.EscapeString(r.impl))
			if !math.IsNaN(v) && v > 0 {
				end := x(v)
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%d" fill="%s"><title>%s: %s</title></rect>`+"\n",
					plotLeft, y, math.Max(end-plotLeft, 1), barHeight, color, html.EscapeString(r.name), formatDuration(v))
				fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s">%s</text>`+"\n", end+4, y+barHeight-4, textColor, formatDuration(v))
			}
			y += barHeight + barGap
		}
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// axisLabel writes a power of ten nanoseconds without decimals, as 10 µs.
func axisLabel(ns float64) string {
	label := formatDuration(ns)
	number, unit, _ := strings.Cut(label, " ")
	if strings.Contains(number, ".") {
		number = strings.TrimRight(strings.TrimRight(number, "0"), ".")
	}
	return number + " " + unit
}

func legend(b *strings.Builder, x, y int) {
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d" fill="%s">presetauth</text>`+"\n",
		x, y-10, oursColor, x+16, y, textColor)
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d" fill="%s">baseline (hand-written x/oauth2, goth, encoding/json)</text>`+"\n",
		x+110, y-10, baselineColor, x+126, y, textColor)
}

// machineLine describes where the figures come from.
func machineLine(s *resultSet) string {
	runs := 0
	for _, r := range s.results {
		runs = max(runs, len(r.values["ns/op"]))
	}
	parts := []string{}
	for _, key := range []string{"cpu", "goos", "goarch"} {
		if v := s.machine[key]; v != "" {
			parts = append(parts, v)
		}
	}
	return fmt.Sprintf("%s; median of %d runs per benchmark", strings.Join(parts, ", "), runs)
}
