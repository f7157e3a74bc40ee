package logos_test

import (
	"bytes"
	"encoding/xml"
	"regexp"
	"strings"
	"testing"

	"github.com/presetauth/presetauth/presets/logos"
)

// maxLogoBytes keeps logos small enough to inline in every sign-in page.
const maxLogoBytes = 2048

func TestLogosAreSafeSVG(t *testing.T) {
	names := logos.Names()
	if len(names) == 0 {
		t.Fatal("Names() is empty")
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			data, ok := logos.SVG(name)
			if !ok {
				t.Fatalf("SVG(%q) not found, but Names lists it", name)
			}
			if len(data) > maxLogoBytes {
				t.Errorf("logo is %d bytes, want at most %d", len(data), maxLogoBytes)
			}

			var root struct {
				XMLName xml.Name
				ViewBox string `xml:"viewBox,attr"`
			}
			if err := xml.Unmarshal(data, &root); err != nil {
				t.Fatalf("logo is not XML: %v", err)
			}
			if root.XMLName.Local != "svg" || root.XMLName.Space != "http://www.w3.org/2000/svg" {
				t.Errorf("root element = %v, want svg in the SVG namespace", root.XMLName)
			}
			if root.ViewBox == "" {
				t.Errorf("logo has no viewBox, so it cannot scale")
			}
			if !bytes.Contains(data, []byte("currentColor")) {
				t.Errorf("logo does not paint with currentColor")
			}
			lower := strings.ToLower(string(data))
			for _, banned := range []string{"<script", "href", "<foreignobject", "<style"} {
				if strings.Contains(lower, banned) {
					t.Errorf("logo contains %s; logos are inlined into pages and must be inert", banned)
				}
			}
			if eventHandler.MatchString(lower) {
				t.Errorf("logo has an event handler attribute; logos are inlined into pages and must be inert")
			}
		})
	}
}

var eventHandler = regexp.MustCompile(`\son[a-z]+\s*=`)

func TestSVGRejectsOtherNames(t *testing.T) {
	for _, name := range []string{"", "../logos", "threads.svg", "Threads", "nope"} {
		if _, ok := logos.SVG(name); ok {
			t.Errorf("SVG(%q) found a logo", name)
		}
	}
}
