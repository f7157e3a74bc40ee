package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestReadmePresetTable fails when the README's table of presets differs
// from what the catalogue prints, such as after a preset is added.
func TestReadmePresetTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "<!-- presets:begin")
	if !ok {
		t.Fatal("README.md has no <!-- presets:begin --> marker")
	}
	_, rest, _ = strings.Cut(rest, "-->\n")
	table, _, ok := strings.Cut(rest, "<!-- presets:end -->")
	if !ok {
		t.Fatal("README.md has no <!-- presets:end --> marker")
	}

	var stdout, stderr bytes.Buffer
	if code := run([]string{"presets", "--markdown"}, &stdout, &stderr); code != 0 {
		t.Fatalf("presets --markdown exited %d: %s", code, stderr.String())
	}
	if table != stdout.String() {
		t.Errorf("the README's preset table is out of date; replace it with the output of `go run ./cmd/presetauth presets --markdown`")
	}
}
