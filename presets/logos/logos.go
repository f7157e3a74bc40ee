// Package logos holds the sign-in button logos that presets name in
// style.logo: small one-color SVG files drawn for this project from simple
// shapes. They paint with currentColor, so a logo takes the text color of
// the button it sits on.
package logos

import (
	"embed"
	"path"
	"regexp"
	"slices"
	"strings"
)

//go:embed *.svg
var files embed.FS

// namePattern is the form of a logo name: the file name without .svg.
var namePattern = regexp.MustCompile(`^[a-z0-9]+$`)

// SVG returns the logo named name, such as "threads" for threads.svg, and
// whether it exists.
func SVG(name string) ([]byte, bool) {
	if !namePattern.MatchString(name) {
		return nil, false
	}
	data, err := files.ReadFile(name + ".svg")
	if err != nil {
		return nil, false
	}
	return data, true
}

// Names lists the logos, sorted.
func Names() []string {
	entries, _ := files.ReadDir(".")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), path.Ext(e.Name())))
	}
	slices.Sort(names)
	return names
}
