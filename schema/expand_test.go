package schema

import (
	"strings"
	"testing"
	"time"
)

// TestExpandedValueNotShown puts a variable's value where it makes a field
// invalid. The error must name the field and show the reference as
// written, never the value.
func TestExpandedValueNotShown(t *testing.T) {
	const secret = "hunter2-from-env"
	tests := []struct{ name, override, path string }{
		{"redirect url", `redirect_url: "${SEC}"`, "redirect_url"},
		{"scope", `scopes: ["${SEC} x"]`, "scopes[0]"},
		{"auth method", `token: {auth_method: "${SEC}"}`, "token.auth_method"},
		{"check", `checks: ["${SEC}"]`, "checks[0]"},
		{"issuer", `issuer: "${SEC}"`, "issuer"},
		{"exchange method", `exchange: {method: "${SEC}"}`, "exchange.method"},
		{"profile id", `profile: {id: "${SEC}..x"}`, "profile.id[0]"},
		{"logo", `style: {logo: "${SEC}!"}`, "style.logo"},
		{"duration", `token: {default_lifetime: "${SEC}"}`, "token.default_lifetime"},
		{"port", `userinfo: {url: "https://api.example:${SEC}/me"}`, "userinfo.url"},
		{"host after user info", `token: {url: "https://u@${SEC}.example/t"}`, "token.url"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			base := mustParse(t, "preset.yaml", presetYAML)
			over := mustParse(t, "auth.yaml", "client_id: app\nclient_secret: s\n"+test.override+"\n")
			_, err := Merge(base, over).Resolve(ResolveOptions{Lookup: env(map[string]string{"SEC": secret})})
			errs := Errors(err)
			if len(errs) != 1 {
				t.Fatalf("errors = %v, want one", err)
			}
			if errs[0].Path != test.path {
				t.Errorf("path = %q, want %q", errs[0].Path, test.path)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows the variable's value: %v", err)
			}
			if !strings.Contains(err.Error(), "${SEC}") {
				t.Errorf("error does not show the reference: %v", err)
			}
		})
	}
}

func TestVariablesValueNotShown(t *testing.T) {
	dd, err := ParseDeployment("auth.yaml", []byte("variables: {CALLBACK: hunter2-from-variables}\nproviders:\n  example:\n    client_id: a\n    client_secret: s\n    redirect_url: ${CALLBACK}\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = dd.Resolve(examplePreset, env(nil))
	if err == nil {
		t.Fatal("a redirect_url that is not a URL was accepted")
	}
	if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "${CALLBACK}") {
		t.Errorf("error = %v, want the reference and not the value", err)
	}
}

func TestMalformedReference(t *testing.T) {
	tests := []struct{ value, shown string }{
		{"${X", `"${X"`},
		{"${}", `"${}"`},
		{"${X:-default}", `"${X:-default}"`},
		{"${1X}", `"${1X}"`},
		{"https://${TENANT.example/", `"${TENANT.example/"`},
		{"${abcdefghijklmnopqrstuvwxyz0123456789", `"${abcdefghijklmnopqrstuv..."`},
	}
	for _, test := range tests {
		t.Run(test.value, func(t *testing.T) {
			doc := mustParse(t, "auth.yaml", presetYAML+"client_id: \""+test.value+"\"\nclient_secret: s\n")
			_, err := doc.Resolve(ResolveOptions{Lookup: env(map[string]string{"X": "x"})})
			errs := Errors(err)
			if len(errs) != 1 {
				t.Fatalf("errors = %v, want one", err)
			}
			if errs[0].Path != "client_id" || errs[0].Line != 14 {
				t.Errorf("error at %d %s, want line 14 client_id: %v", errs[0].Line, errs[0].Path, errs[0])
			}
			if !strings.Contains(errs[0].Msg, "invalid variable reference "+test.shown) {
				t.Errorf("message %q does not quote %s", errs[0].Msg, test.shown)
			}
		})
	}
}

func TestLiteralDollar(t *testing.T) {
	for _, value := range []string{"a$b", "$", "price $5", "$$", "a$$b${X}"} {
		t.Run(value, func(t *testing.T) {
			doc := mustParse(t, "auth.yaml", presetYAML+"client_id: app\nclient_secret: \""+value+"\"\n")
			if _, err := doc.Resolve(ResolveOptions{Lookup: env(map[string]string{"X": "x"})}); err != nil {
				t.Errorf("client_secret %q: %v", value, err)
			}
		})
	}
}

func TestVariablesValueWithReference(t *testing.T) {
	_, err := ParseDeployment("auth.yaml", []byte("variables:\n  A: \"${B}\"\nproviders:\n  example:\n"))
	errs := Errors(err)
	if len(errs) != 1 {
		t.Fatalf("errors = %v, want one", err)
	}
	if errs[0].Line != 2 || errs[0].Path != "variables.A" || !strings.Contains(errs[0].Msg, "not expanded") {
		t.Errorf("error = %v, want variables.A at line 2 saying values are not expanded", errs[0])
	}
}

func TestDurationFromVariable(t *testing.T) {
	spec, err := resolveMerged(t, credentials+"token: {default_lifetime: \"${DUR}\"}\n")
	if err == nil || !strings.Contains(err.Error(), "variable DUR is not set") {
		t.Fatalf("error = %v, want DUR named as not set", err)
	}

	base := mustParse(t, "preset.yaml", presetYAML)
	over := mustParse(t, "auth.yaml", credentials+"token: {default_lifetime: \"${DUR}\"}\n")
	spec, err = Merge(base, over).Resolve(ResolveOptions{Lookup: env(map[string]string{"SECRET": "s", "DUR": "2h"})})
	if err != nil {
		t.Fatal(err)
	}
	if got := time.Duration(spec.Token.DefaultLifetime); got != 2*time.Hour {
		t.Errorf("default_lifetime = %v, want 2h", got)
	}
}

// examplePreset finds the preset "example", which is presetYAML.
func examplePreset(name string) (*Document, bool) {
	if name != "example" {
		return nil, false
	}
	doc, err := ParseSpec("example.yaml", []byte(presetYAML))
	return doc, err == nil
}

func TestSecretFileFromVariable(t *testing.T) {
	dir := t.TempDir()
	doc := mustParse(t, "auth.yaml", presetYAML+"client_id: a\nclient_secret_file: ${SECRETS}/missing\n")
	_, err := doc.Resolve(ResolveOptions{Dir: dir, Lookup: env(map[string]string{"SECRETS": "/run/hunter2-folder"})})
	errs := Errors(err)
	if len(errs) != 1 {
		t.Fatalf("errors = %v, want one", err)
	}
	if strings.Contains(errs[0].Msg, "hunter2") {
		t.Errorf("message shows the variable's value: %q", errs[0].Msg)
	}
	if want := `cannot read the client secret file "${SECRETS}/missing": no such file or directory`; errs[0].Msg != want {
		t.Errorf("message = %q, want %q", errs[0].Msg, want)
	}
}
