package main

import (
	"html/template"
	"log/slog"
	"strings"
	"testing"

	"github.com/presetauth/presetauth"
	"github.com/presetauth/presetauth/oauth"
	"github.com/presetauth/presetauth/providers"
)

func TestNewButtonStyle(t *testing.T) {
	const pngLogo = "data:image/png;base64,iVBORw0KGgo="
	tests := []struct {
		name      string
		style     string
		svg       bool
		image     template.URL
		letter    string
		colors    [3]string // background, text, border
		wantsWarn bool
	}{
		{"preset style", "{}", true, "", "", [3]string{"#000000", "#ffffff", "transparent"}, false},
		{"no logo", "{logo: null}", false, "", "T", [3]string{"#000000", "#ffffff", "transparent"}, false},
		{"built-in logo", "{logo: threads, border: \"#d1d5db\", background: \"#ffffff\", text: \"#111111\"}", true, "", "", [3]string{"#ffffff", "#111111", "#d1d5db"}, false},
		{"data URI logo", "{logo: \"" + pngLogo + "\"}", false, pngLogo, "", [3]string{"#000000", "#ffffff", "transparent"}, false},
		{"unknown logo", "{logo: nosuchlogo}", false, "", "T", [3]string{"#000000", "#ffffff", "transparent"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := presetauth.Provider("threads", presetauth.WithOverrides([]byte(
				"client_id: \"1\"\nclient_secret: x\nstyle: "+tt.style+"\n")))
			if err != nil {
				t.Fatal(err)
			}
			var logs strings.Builder
			app := newDemoApp(nil, slog.New(slog.NewTextHandler(&logs, nil)))
			sealer, err := oauth.NewSealer([]byte(strings.Repeat("k", 32)))
			if err != nil {
				t.Fatal(err)
			}
			if app.auth, err = oauth.NewHandler(oauth.Options{Providers: []*providers.Provider{p}, Sealer: sealer, OnSignIn: app.signedIn}); err != nil {
				t.Fatal(err)
			}

			b := app.newButton(p)
			if b.Name != "Threads" || b.Path != "/auth/signin/threads" {
				t.Errorf("name %q, path %q", b.Name, b.Path)
			}
			if got := [3]string{b.Background, b.Text, b.Border}; got != tt.colors {
				t.Errorf("colors = %v, want %v", got, tt.colors)
			}
			if (b.LogoSVG != "") != tt.svg {
				t.Errorf("inline SVG logo = %t, want %t", b.LogoSVG != "", tt.svg)
			}
			if b.LogoImage != tt.image {
				t.Errorf("image logo = %q, want %q", b.LogoImage, tt.image)
			}
			if b.Letter != tt.letter {
				t.Errorf("letter = %q, want %q", b.Letter, tt.letter)
			}
			if warned := strings.Contains(logs.String(), "unknown logo"); warned != tt.wantsWarn {
				t.Errorf("logged a warning = %t, want %t: %s", warned, tt.wantsWarn, logs.String())
			}
		})
	}
}

func TestHomePageEscapesStyle(t *testing.T) {
	b := button{ID: "x", Name: `<script>alert(1)</script>`, Path: "/auth/signin/x", Background: "#000000", Text: "#ffffff", Border: "transparent", Letter: "<"}
	var out strings.Builder
	if err := homeTemplate.Execute(&out, map[string]any{"Buttons": []button{b}}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "<script>alert(1)") {
		t.Errorf("the provider name is not escaped:\n%s", out.String())
	}
}
