package schema

import (
	"strings"
	"testing"
)

// resolveDeployment parses and resolves a deployment whose presets are
// "example" (presetYAML) only.
func resolveDeployment(t *testing.T, data string) error {
	t.Helper()
	dd, err := ParseDeployment("auth.yaml", []byte(data))
	if err != nil {
		return err
	}
	_, err = dd.Resolve(examplePreset, env(map[string]string{"SECRET": "s"}))
	return err
}

func TestTaggedValueRejected(t *testing.T) {
	err := resolveDeployment(t, "providers:\n  example:\n    client_id: a\n    client_secret: !!float hunter2-literal-secret\n")
	errs := Errors(err)
	if len(errs) != 1 {
		t.Fatalf("errors = %v, want one", err)
	}
	e := errs[0]
	if e.File != "auth.yaml" || e.Line != 4 || e.Column != 20 {
		t.Errorf("error at %s:%d:%d, want auth.yaml:4:20", e.File, e.Line, e.Column)
	}
	if strings.Contains(e.Error(), "hunter2") {
		t.Errorf("error shows the value: %v", e)
	}
	if !strings.Contains(e.Msg, "YAML tags such as !!float are not supported") {
		t.Errorf("message %q does not name the tag", e.Msg)
	}

	for _, data := range []string{"name: !!str 1\n", "scopes: !!seq [a]\n", "token: !custom {url: x}\n"} {
		if _, err := ParseSpec("f.yaml", []byte(data)); err == nil || !strings.Contains(err.Error(), "tags") {
			t.Errorf("ParseSpec(%q) = %v, want the tag rejected", data, err)
		}
	}
}

func TestDecodeErrorPositioned(t *testing.T) {
	_, err := resolveMerged(t, credentials+"userinfo:\n  include:\n    - {name: e, url: \"https://api.example/e\", optional: maybe-secret}\n")
	errs := Errors(err)
	if len(errs) != 1 {
		t.Fatalf("errors = %v, want one", err)
	}
	e := errs[0]
	if e.File != "auth.yaml" || e.Line != 5 || e.Column != 57 {
		t.Errorf("error at %s:%d:%d, want auth.yaml:5:57", e.File, e.Line, e.Column)
	}
	if e.Path != "userinfo.include[0].optional" {
		t.Errorf("path = %q, want userinfo.include[0].optional", e.Path)
	}
	if strings.Contains(e.Msg, "maybe") || !strings.Contains(e.Msg, "true or false") {
		t.Errorf("message = %q, want what is allowed without the value", e.Msg)
	}
}

// TestMissingFieldAtEntry checks that a field missing after the merge is
// reported at the deployment entry that lacks it, with a position.
func TestMissingFieldAtEntry(t *testing.T) {
	err := resolveDeployment(t, `providers:
  acme: {}
  example:
    client_id: a
    client_secret: null
`)
	want := map[string]int{
		"providers.acme.name":             2,
		"providers.acme.client_id":        2,
		"providers.example.client_secret": 3,
	}
	for _, e := range Errors(err) {
		line, ok := want[e.Path]
		if !ok {
			continue
		}
		delete(want, e.Path)
		if e.File != "auth.yaml" || e.Line != line || e.Column != 3 {
			t.Errorf("%s at %s:%d:%d, want auth.yaml:%d:3", e.Path, e.File, e.Line, e.Column, line)
		}
	}
	for path := range want {
		t.Errorf("no error for %s in %v", path, err)
	}
}

func TestReservedParamRejected(t *testing.T) {
	for _, name := range []string{"state", "client_id", "redirect_uri", "response_type", "code_challenge", "code_challenge_method", "nonce"} {
		t.Run(name, func(t *testing.T) {
			_, err := resolveMerged(t, credentials+"authorization: {params: {"+name+": x}}\n")
			errs := Errors(err)
			if len(errs) != 1 {
				t.Fatalf("errors = %v, want one", err)
			}
			e := errs[0]
			if e.File != "auth.yaml" || e.Line != 3 || e.Path != "authorization.params."+name {
				t.Errorf("error = %v, want auth.yaml line 3 at authorization.params.%s", e, name)
			}
			if !strings.Contains(e.Msg, "set by the sign-in flow") {
				t.Errorf("message = %q", e.Msg)
			}
		})
	}

	doc := mustParse(t, "preset.yaml", presetYAML+"checks: [state]\n")
	doc = Merge(doc, mustParse(t, "more.yaml", "authorization: {params: {nonce: n}}\n"))
	if _, err := doc.Resolve(ResolveOptions{Preset: true}); err == nil {
		t.Error("a preset with authorization.params.nonce was accepted")
	}
}

func TestInvalidCharactersPositioned(t *testing.T) {
	tests := []struct {
		name, data   string
		line, column int
		contains     string
	}{
		{"invalid UTF-8", "name: a\nb: é\xff\n", 2, 5, "not valid UTF-8"},
		{"NUL", "name: a\x00\n", 1, 8, "U+0000"},
		{"escape", "name: a\n\x1b[31m: x\n", 2, 1, "U+001B"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			_, err := ParseSpec("f.yaml", []byte(test.data))
			errs := Errors(err)
			if len(errs) != 1 {
				t.Fatalf("errors = %v, want one", err)
			}
			e := errs[0]
			if e.Line != test.line || e.Column != test.column {
				t.Errorf("error at %d:%d, want %d:%d: %v", e.Line, e.Column, test.line, test.column, e)
			}
			if !strings.Contains(e.Msg, test.contains) || strings.Contains(e.Msg, "yaml:") {
				t.Errorf("message = %q, want it to contain %q and no yaml: prefix", e.Msg, test.contains)
			}
		})
	}

	for _, text := range []string{"tab\there", "line\r\nbreak", "next line\u0085", "emoji 🙂", "\ufeffname: bom"} {
		if err := checkCharacters("f.yaml", []byte(text)); err != nil {
			t.Errorf("checkCharacters(%q) = %v, want nil", text, err)
		}
	}
}

func TestSyntaxErrorWithoutLine(t *testing.T) {
	err := syntaxError("f.yaml", errorString("yaml: something without a line"))
	if got := err.Error(); got != "schema: f.yaml: invalid YAML: something without a line" {
		t.Errorf("error = %q, want one yaml prefix removed", got)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

func TestEmptyProvidersRejected(t *testing.T) {
	_, err := ParseDeployment("auth.yaml", []byte("variables: {A: b}\nproviders: {}\n"))
	errs := Errors(err)
	if len(errs) != 1 {
		t.Fatalf("errors = %v, want one", err)
	}
	if errs[0].Line != 2 || errs[0].Path != "providers" || !strings.Contains(errs[0].Msg, "no providers") {
		t.Errorf("error = %v, want no providers at line 2", errs[0])
	}
}

func TestPresetNullRejected(t *testing.T) {
	for _, value := range []string{"null", "~", `""`} {
		t.Run(value, func(t *testing.T) {
			_, err := ParseDeployment("auth.yaml", []byte("providers:\n  example:\n    preset: "+value+"\n"))
			errs := Errors(err)
			if len(errs) != 1 {
				t.Fatalf("errors = %v, want one", err)
			}
			if errs[0].Line != 3 || errs[0].Path != "providers.example.preset" || !strings.Contains(errs[0].Msg, "null or empty") {
				t.Errorf("error = %v, want preset at line 3 called null or empty", errs[0])
			}
		})
	}
}

func TestDurationTooLong(t *testing.T) {
	_, err := resolveMerged(t, credentials+"refresh: {url: \"https://a.example/r\", refresh_before: 100000000h}\n")
	errs := Errors(err)
	if len(errs) != 1 {
		t.Fatalf("errors = %v, want one", err)
	}
	if !strings.Contains(errs[0].Msg, "too long; the maximum is 2562047h") {
		t.Errorf("message = %q, want the maximum", errs[0].Msg)
	}
}

func TestUnknownKeySuggestion(t *testing.T) {
	tests := []struct{ key, suggestion string }{
		{"scope", "scopes"},
		{"Scopes", "scopes"},
		{"client_secrt", "client_secret"},
		{"redirect_uri", "redirect_url"},
		{"colour", ""},
		{"x", ""},
	}
	for _, test := range tests {
		t.Run(test.key, func(t *testing.T) {
			_, err := resolveMerged(t, credentials+test.key+": 1\n")
			errs := Errors(err)
			if len(errs) != 1 {
				t.Fatalf("errors = %v, want one", err)
			}
			hint := "did you mean " + test.suggestion + "?"
			switch {
			case test.suggestion == "" && strings.Contains(errs[0].Msg, "did you mean"):
				t.Errorf("message %q suggests a key, want none", errs[0].Msg)
			case test.suggestion != "" && !strings.Contains(errs[0].Msg, hint):
				t.Errorf("message %q does not contain %q", errs[0].Msg, hint)
			}
			if !strings.Contains(errs[0].Msg, "llowed keys are authorization, checks") {
				t.Errorf("message %q does not list the allowed keys", errs[0].Msg)
			}
		})
	}

	_, err := ParseDeployment("auth.yaml", []byte("provider:\n  example:\nproviders:\n  example:\n"))
	if err == nil || !strings.Contains(err.Error(), "did you mean providers?") {
		t.Errorf("deployment key: error = %v, want a suggestion of providers", err)
	}
}

func TestClientIDControlCharacter(t *testing.T) {
	for _, value := range []string{`"a\0b"`, `"app\n"`, `"${ID}"`} {
		t.Run(value, func(t *testing.T) {
			doc := mustParse(t, "auth.yaml", presetYAML+"client_id: "+value+"\nclient_secret: s\n")
			_, err := doc.Resolve(ResolveOptions{Lookup: env(map[string]string{"ID": "app\r\nX-Injected: 1"})})
			errs := Errors(err)
			if len(errs) != 1 {
				t.Fatalf("errors = %v, want one", err)
			}
			if errs[0].Path != "client_id" || errs[0].Line != 14 || !strings.Contains(errs[0].Msg, "control character") {
				t.Errorf("error = %v, want a control character in client_id at line 14", errs[0])
			}
			if strings.Contains(errs[0].Msg, "Injected") {
				t.Errorf("message shows the value: %q", errs[0].Msg)
			}
		})
	}
}

func TestHeadersChecked(t *testing.T) {
	tests := []struct {
		name, override string
		line, column   int
		path, contains string
	}{
		{"line break in value", `token: {headers: {X-A: "a\r\nX-Evil: 1"}}`, 3, 24, "token.headers.X-A", "control character"},
		{"NUL in value", `authorization: {headers: {X-A: "a\0"}}`, 3, 32, "authorization.headers.X-A", "control character"},
		{"space in name", `userinfo: {headers: {"Bad Name": v}}`, 3, 22, "userinfo.headers.Bad Name", `invalid header name "Bad Name"`},
		{"colon in name", `exchange: {headers: {"X-A:": v}}`, 3, 22, "exchange.headers.X-A:", "invalid header name"},
		{"empty name", `refresh: {url: "https://a.example/r", headers: {"": v}}`, 3, 49, "refresh.headers.", "invalid header name"},
		{"include", `userinfo: {include: [{name: e, url: "https://a.example/e", headers: {X: "a\nb"}}]}`, 3, 73, "userinfo.include[0].headers.X", "control character"},
		{"from a variable", `token: {headers: {X-A: "${NL}"}}`, 3, 24, "token.headers.X-A", "control character"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			base := mustParse(t, "preset.yaml", presetYAML)
			over := mustParse(t, "auth.yaml", credentials+test.override+"\n")
			_, err := Merge(base, over).Resolve(ResolveOptions{Lookup: env(map[string]string{"SECRET": "s", "NL": "a\nb"})})
			errs := Errors(err)
			if len(errs) != 1 {
				t.Fatalf("errors = %v, want one", err)
			}
			e := errs[0]
			if e.File != "auth.yaml" || e.Line != test.line || e.Column != test.column {
				t.Errorf("error at %s:%d:%d, want auth.yaml:%d:%d", e.File, e.Line, e.Column, test.line, test.column)
			}
			if e.Path != test.path || !strings.Contains(e.Msg, test.contains) {
				t.Errorf("error = %v, want %s: ...%s...", e, test.path, test.contains)
			}
		})
	}

	if _, err := resolveMerged(t, credentials+"token: {headers: {X-Tab: \"a\\tb\", User-Agent: \"app/1.0 (+https://app.example)\"}}\n"); err != nil {
		t.Errorf("valid headers rejected: %v", err)
	}
}

func TestCheckEndpointURLMessages(t *testing.T) {
	tests := []struct{ url, contains string }{
		{"javascript:alert(1)", `has scheme "javascript"; use https`},
		{"file:///etc/passwd", `has scheme "file"; use https`},
		{"https://example.com:99999/", "invalid port; use a number from 1 to 65535"},
		{"https://example.com:0/", "invalid port"},
		{"https://example.com:x1/", "invalid port after host"},
		{"/relative", "not absolute"},
	}
	for _, test := range tests {
		err := CheckEndpointURL(test.url)
		if err == nil || !strings.Contains(err.Error(), test.contains) {
			t.Errorf("CheckEndpointURL(%q) = %v, want an error containing %q", test.url, err, test.contains)
		}
	}
	if err := CheckEndpointURL("https://example.com:8443/"); err != nil {
		t.Errorf("port 8443: %v", err)
	}
}
