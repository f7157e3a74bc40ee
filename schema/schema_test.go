package schema

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const presetYAML = `name: Example
authorization: "https://accounts.example/authorize?scope=user-read-email&prompt=consent"
token:
  url: https://accounts.example/token
  auth_method: client_secret_basic
scopes: [openid, email]
userinfo: https://api.example/me
exchange:
  url: https://api.example/exchange
  params: {grant_type: exchange, access_token: "{access_token}"}
profile:
  id: id
  name: [name, login]
`

func env(vars map[string]string) Lookup {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func mustParse(t *testing.T, file, data string) *Document {
	t.Helper()
	doc, err := ParseSpec(file, []byte(data))
	if err != nil {
		t.Fatalf("ParseSpec(%s): %v", file, err)
	}
	return doc
}

func resolveMerged(t *testing.T, override string) (*Spec, error) {
	t.Helper()
	base := mustParse(t, "preset.yaml", presetYAML)
	over := mustParse(t, "auth.yaml", override)
	return Merge(base, over).Resolve(ResolveOptions{Lookup: env(map[string]string{"SECRET": "s3cret"})})
}

const credentials = "client_id: app\nclient_secret: ${SECRET}\n"

func TestMergeParamsKeepsURL(t *testing.T) {
	spec, err := resolveMerged(t, credentials+`authorization: {params: {scope: "user-read-email playlist-read-private"}}`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := spec.Authorization.URL, "https://accounts.example/authorize"; got != want {
		t.Errorf("authorization.url = %q, want %q", got, want)
	}
	if got, want := spec.Authorization.Params["scope"], "user-read-email playlist-read-private"; got != want {
		t.Errorf("params.scope = %q, want %q", got, want)
	}
	if got, want := spec.Authorization.Params["prompt"], "consent"; got != want {
		t.Errorf("params.prompt = %q, want %q (kept from the preset)", got, want)
	}
}

func TestMergeListReplaces(t *testing.T) {
	spec, err := resolveMerged(t, credentials+"scopes: [profile]\n")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(spec.Scopes, []string{"profile"}) {
		t.Errorf("scopes = %q, want [profile]", spec.Scopes)
	}
}

func TestMergeNullResets(t *testing.T) {
	spec, err := resolveMerged(t, credentials+"exchange: null\nauthorization: {params: {prompt: null}}\n")
	if err != nil {
		t.Fatal(err)
	}
	if spec.Exchange != nil {
		t.Errorf("exchange = %+v, want nil", spec.Exchange)
	}
	if _, ok := spec.Authorization.Params["prompt"]; ok {
		t.Errorf("params.prompt still set: %q", spec.Authorization.Params)
	}
	if spec.Authorization.Params["scope"] != "user-read-email" {
		t.Errorf("params.scope = %q, want the preset's", spec.Authorization.Params["scope"])
	}
}

func TestMergeStringOverridesMapping(t *testing.T) {
	spec, err := resolveMerged(t, credentials+"token: https://other.example/token\n")
	if err != nil {
		t.Fatal(err)
	}
	if spec.Token.URL != "https://other.example/token" {
		t.Errorf("token.url = %q", spec.Token.URL)
	}
	if spec.Token.AuthMethod != "client_secret_basic" {
		t.Errorf("token.auth_method = %q, want the preset's client_secret_basic", spec.Token.AuthMethod)
	}
}

func TestMergeLeavesInputs(t *testing.T) {
	base := mustParse(t, "preset.yaml", presetYAML)
	over := mustParse(t, "auth.yaml", credentials+"exchange: null\nscopes: [x]\n")
	Merge(base, over)
	spec, err := Merge(base, mustParse(t, "auth.yaml", credentials)).Resolve(ResolveOptions{Lookup: env(map[string]string{"SECRET": "s"})})
	if err != nil {
		t.Fatal(err)
	}
	if spec.Exchange == nil || len(spec.Scopes) != 2 {
		t.Errorf("a first merge changed the preset: exchange=%v scopes=%q", spec.Exchange, spec.Scopes)
	}
}

func TestErrorsPositioned(t *testing.T) {
	tests := []struct {
		name     string
		override string
		line     int
		column   int
		path     string
		contains string
	}{
		{"unknown key", credentials + "scope: [x]\n", 3, 1, "scope", `unknown key "scope"`},
		{"unknown nested key", credentials + "token:\n  auth_mode: basic\n", 4, 3, "token.auth_mode", "auth_method"},
		{"auth method", credentials + "token:\n  auth_method: client_secret_jwt\n", 4, 16, "token.auth_method", "client_secret_post, client_secret_basic, none"},
		{"http url", credentials + "userinfo: http://api.example/me\n", 3, 11, "userinfo.url", "use https"},
		{"relative url", credentials + "token: {url: /token}\n", 3, 14, "token.url", "not absolute"},
		{"bad path", credentials + "profile: {email: \"a..b\"}\n", 3, 18, "profile.email[0]", "empty component"},
		{"unknown modifier", credentials + "profile: {extra: {x: \"@nope\"}}\n", 3, 22, "profile.extra[x][0]", "unknown modifier"},
		{"empty scopes", credentials + "scopes: []\n", 3, 9, "scopes", "list is empty"},
		{"scope with space", credentials + "scopes: [\"a b\"]\n", 3, 10, "scopes[0]", "one scope per list item"},
		{"list for scalar", credentials + "name: [a, b]\n", 3, 7, "name", "single value"},
		{"missing variable", "client_id: app\nclient_secret: ${NOPE}\n", 2, 16, "client_secret", "variable NOPE is not set"},
		{"missing client id", "client_secret: x\n", 0, 0, "client_id", "missing"},
		{"bad check", credentials + "checks: [state, csrf]\n", 3, 17, "checks[1]", "state, pkce, nonce"},
		{"bad placeholder", credentials + "exchange: {params: {token: \"{acces_token}\"}}\n", 3, 28, "exchange.params.token", "{acces_token}"},
		{"bad duration", credentials + "refresh: {url: \"https://a.example/r\", refresh_before: soon}\n", 3, 55, "refresh.refresh_before", `"soon"`},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			_, err := resolveMerged(t, test.override)
			errs := Errors(err)
			if len(errs) == 0 {
				t.Fatalf("no error, want one at %s", test.path)
			}
			e := errs[0]
			if test.line > 0 && (e.Line != test.line || e.Column != test.column) {
				t.Errorf("position %d:%d, want %d:%d (%v)", e.Line, e.Column, test.line, test.column, e)
			}
			if test.path != "" && e.Path != test.path {
				t.Errorf("path %q, want %q", e.Path, test.path)
			}
			if test.line > 0 && e.File != "auth.yaml" {
				t.Errorf("file %q, want auth.yaml", e.File)
			}
			if !strings.Contains(e.Error(), test.contains) {
				t.Errorf("error %q does not contain %q", e.Error(), test.contains)
			}
		})
	}
}

func TestErrorNamesPresetFile(t *testing.T) {
	base := mustParse(t, "preset.yaml", strings.Replace(presetYAML, "https://api.example/me", "ftp://api.example/me", 1))
	_, err := Merge(base, mustParse(t, "auth.yaml", credentials)).Resolve(ResolveOptions{Lookup: env(map[string]string{"SECRET": "s"})})
	errs := Errors(err)
	if len(errs) != 1 {
		t.Fatalf("errors = %v, want one", err)
	}
	if errs[0].File != "preset.yaml" || errs[0].Line != 7 {
		t.Errorf("error at %s:%d, want preset.yaml:7: %v", errs[0].File, errs[0].Line, errs[0])
	}
}

func TestSyntaxError(t *testing.T) {
	_, err := ParseSpec("bad.yaml", []byte("name: a\n  token: [\n"))
	errs := Errors(err)
	if len(errs) != 1 || errs[0].File != "bad.yaml" || errs[0].Line == 0 {
		t.Fatalf("error = %v, want a positioned syntax error", err)
	}
	if !strings.Contains(err.Error(), "invalid YAML") {
		t.Errorf("error %q does not say invalid YAML", err)
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct{ name, data, contains string }{
		{"empty", "", "empty"},
		{"scalar", "just a string", "mapping"},
		{"two documents", "name: a\n---\nname: b\n", "second YAML document"},
		{"alias", "a: &x 1\nb: *x\n", "anchors and aliases"},
		{"duplicate key", "name: a\ntoken: {url: x, url: y}\n", `2:17: key "url" given twice`},
		{"repeated query", "authorization: https://a.example/auth?x=1&x=2\n", `"x" appears 2 times`},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			_, err := ParseSpec("f.yaml", []byte(test.data))
			if err == nil || !strings.Contains(err.Error(), test.contains) {
				t.Errorf("error = %v, want one containing %q", err, test.contains)
			}
		})
	}
}

func TestExpandOnlyValues(t *testing.T) {
	vars := env(map[string]string{"SECRET": "s", "KEY": "evil", "NL": "x\nclient_id: injected"})
	doc := mustParse(t, "auth.yaml", "${KEY}: 1\n")
	_, err := doc.Resolve(ResolveOptions{Lookup: vars})
	if err == nil || !strings.Contains(err.Error(), `unknown key "${KEY}"`) {
		t.Errorf("a reference in a key was expanded or accepted: %v", err)
	}

	withName := strings.Replace(presetYAML, "name: Example", "name: ${NL}", 1)
	doc = mustParse(t, "auth.yaml", withName+"client_id: app\nclient_secret: $${SECRET}\n")
	spec, err := doc.Resolve(ResolveOptions{Lookup: vars})
	if err != nil {
		t.Fatal(err)
	}
	if spec.Name != "x\nclient_id: injected" || spec.ClientID != "app" {
		t.Errorf("name = %q, client_id = %q, want the variable's text as one value", spec.Name, spec.ClientID)
	}
	if spec.ClientSecret.Value() != "${SECRET}" {
		t.Errorf("$$ escape: client_secret = %q, want ${SECRET}", spec.ClientSecret.Value())
	}
}

func TestSecretFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secret"), []byte("  from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	doc := mustParse(t, filepath.Join(dir, "auth.yaml"), presetYAML+"client_id: a\nclient_secret_file: secret\n")
	spec, err := doc.Resolve(ResolveOptions{Dir: dir, Lookup: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if spec.ClientSecret.Value() != "from-file" {
		t.Errorf("client_secret = %q, want the trimmed file", spec.ClientSecret.Value())
	}

	doc = mustParse(t, "auth.yaml", presetYAML+"client_id: a\nclient_secret_file: missing\n")
	_, err = doc.Resolve(ResolveOptions{Dir: dir, Lookup: env(nil)})
	if err == nil || !strings.Contains(err.Error(), "client_secret_file") {
		t.Errorf("missing secret file: error = %v", err)
	}
}

func TestSecretRedacted(t *testing.T) {
	s := Spec{ClientSecret: "hunter2"}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("spec", "secret", s.ClientSecret, "spec", s)
	for _, text := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), logged.String()} {
		if strings.Contains(text, "hunter2") {
			t.Errorf("secret printed: %s", text)
		}
	}
	if s.ClientSecret.Value() != "hunter2" {
		t.Errorf("Value() = %q", s.ClientSecret.Value())
	}
}

func TestDocumentYAMLRedacts(t *testing.T) {
	doc := mustParse(t, "auth.yaml", "client_secret: hunter2\nclient_id: a\n")
	out, err := doc.YAML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "hunter2") || !strings.Contains(string(out), "[redacted]") {
		t.Errorf("YAML() = %s, want the secret redacted", out)
	}
	doc = mustParse(t, "auth.yaml", "client_secret: ${APP_SECRET}\n")
	out, _ = doc.YAML()
	if !strings.Contains(string(out), "${APP_SECRET}") {
		t.Errorf("YAML() = %s, want the reference kept", out)
	}
}

func TestDeploymentResolve(t *testing.T) {
	data := `variables: {TENANT: acme}
providers:
  example:
    client_id: a
    client_secret: ${SECRET}
  second:
    preset: example
    client_id: b
    client_secret: ${SECRET}
    redirect_url: https://${TENANT}.example/cb
  handmade:
    name: Handmade
    client_id: c
    client_secret: d
    authorization: https://h.example/auth
    token: https://h.example/token
    userinfo: https://h.example/me
    profile: {id: data.id}
`
	dd, err := ParseDeployment("auth.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	presets := func(name string) (*Document, bool) {
		if name != "example" {
			return nil, false
		}
		doc, err := ParseSpec("example.yaml", []byte(presetYAML))
		return doc, err == nil
	}
	providers, err := dd.Resolve(presets, env(map[string]string{"SECRET": "s"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(providers) != 3 {
		t.Fatalf("%d providers, want 3", len(providers))
	}
	if p := providers[1]; p.Spec.ClientID != "b" || p.Spec.Preset != "example" || p.Spec.RedirectURL != "https://acme.example/cb" {
		t.Errorf("second = %+v", p.Spec)
	}
	if p := providers[2]; p.Spec.Preset != "" || p.Spec.Userinfo.URL != "https://h.example/me" {
		t.Errorf("handmade = %+v", p.Spec)
	}
}

func TestDeploymentErrors(t *testing.T) {
	data := `providers:
  Bad Id: {}
  ok:
    preset: nope
  other:
    client_id: x
extra: 1
`
	dd, err := ParseDeployment("auth.yaml", []byte(data))
	errs := Errors(err)
	if len(errs) != 2 {
		t.Fatalf("parse errors = %v, want 2", err)
	}
	if errs[0].Line != 2 || !strings.Contains(errs[0].Msg, "invalid provider id") {
		t.Errorf("first error = %v", errs[0])
	}
	if errs[1].Line != 7 || !strings.Contains(errs[1].Msg, `unknown key "extra"`) {
		t.Errorf("second error = %v", errs[1])
	}
	if dd != nil {
		t.Errorf("ParseDeployment returned a document with errors")
	}
}

func TestDeploymentUnknownPreset(t *testing.T) {
	dd, err := ParseDeployment("auth.yaml", []byte("providers:\n  ok:\n    preset: nope\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = dd.Resolve(func(string) (*Document, bool) { return nil, false }, env(nil))
	var e *Error
	if !errors.As(err, &e) || e.Line != 3 || !strings.Contains(e.Msg, `unknown preset "nope"`) {
		t.Errorf("error = %v, want unknown preset at line 3", err)
	}
}

func TestCheckPath(t *testing.T) {
	good := []string{"id", "data.id", "response.profile_image", "emails.#(primary==true).email", "a\\.b", "@this", "friends.#.name", "a|b"}
	bad := []string{"", " id", "a..b", ".a", "a.", "a.#(x==1", "@nosuchmodifier", "a)"}
	for _, p := range good {
		if err := CheckPath(p); err != nil {
			t.Errorf("CheckPath(%q) = %v, want nil", p, err)
		}
	}
	for _, p := range bad {
		if err := CheckPath(p); err == nil {
			t.Errorf("CheckPath(%q) = nil, want an error", p)
		}
	}
}

func TestCheckEndpointURL(t *testing.T) {
	good := []string{"https://a.example/x", "http://127.0.0.1:8080/cb", "http://localhost/cb", "http://[::1]:9/x"}
	bad := []string{"http://a.example/x", "/relative", "https://u:p@a.example/", "https://a.example/#frag", "javascript:alert(1)", "http://127.0.0.1.evil.example/"}
	for _, u := range good {
		if err := CheckEndpointURL(u); err != nil {
			t.Errorf("CheckEndpointURL(%q) = %v", u, err)
		}
	}
	for _, u := range bad {
		if err := CheckEndpointURL(u); err == nil {
			t.Errorf("CheckEndpointURL(%q) = nil, want an error", u)
		}
	}
	if err := CheckEndpointURL("https://user:hunter2@a.example/"); strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestPresetWholeURLVariable(t *testing.T) {
	doc := mustParse(t, "oidc.yaml", "name: OIDC\ntype: oidc\nissuer: ${OIDC_ISSUER}\nprofile: {id: sub}\n")
	placeholder := env(map[string]string{"OIDC_ISSUER": "x"})
	if _, err := doc.Resolve(ResolveOptions{Preset: true, Lookup: placeholder}); err != nil {
		t.Errorf("preset with a whole-URL variable: %v", err)
	}
	if _, err := doc.Resolve(ResolveOptions{Lookup: placeholder}); err == nil {
		t.Error("a deployment whose variable yields an invalid URL was accepted")
	}
	bad := mustParse(t, "oidc.yaml", "name: OIDC\ntype: oidc\nissuer: http://idp.example\n")
	if _, err := bad.Resolve(ResolveOptions{Preset: true, Lookup: placeholder}); err == nil {
		t.Error("a preset with a literal http URL was accepted")
	}
}

func TestInvalidLogoMessage(t *testing.T) {
	_, err := resolveMerged(t, credentials+"style: {logo: \"not a logo!\"}\n")
	errs := Errors(err)
	if len(errs) != 1 || errs[0].Path != "style.logo" || !strings.Contains(errs[0].Msg, "built-in logo name") {
		t.Errorf("error = %v, want one naming style.logo and what it takes", err)
	}
}
