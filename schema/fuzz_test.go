package schema

import (
	"bytes"
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// fuzzLookup defines two variables, so that ${SECRET} and ${TENANT} expand
// and any other name takes the "not set" path.
var fuzzLookup = env(map[string]string{"SECRET": "fuzz-secret-value", "TENANT": "acme"})

// checkSchemaError fails unless err is one or more positioned schema
// errors with a message, the only kind the loaders return.
func checkSchemaError(t *testing.T, err error) {
	t.Helper()
	var single *Error
	var list ErrorList
	if !errors.As(err, &single) && !errors.As(err, &list) {
		t.Fatalf("error %v is %T, want *Error or ErrorList", err, err)
	}
	for _, e := range Errors(err) {
		if e.Msg == "" {
			t.Fatalf("error without a message: %#v", e)
		}
	}
}

// FuzzParseSpec loads arbitrary YAML as a spec. A document that parses
// must print as YAML that parses again, every endpoint must be in the
// mapping form, and resolving it must return a spec or schema errors.
func FuzzParseSpec(f *testing.F) {
	f.Add([]byte(presetYAML))
	f.Add([]byte(credentials + "authorization: {params: {scope: a}}\n"))
	f.Add([]byte("name: x\ntoken: https://h.example/t?a=1&a=2\n"))
	f.Add([]byte("name: x\nexchange: null\nrefresh: ~\n"))
	f.Add([]byte("a: &x 1\nb: *x\n"))
	f.Add([]byte("name: x\nname: y\n"))
	f.Add([]byte("---\nname: a\n---\nname: b\n"))
	f.Add([]byte("client_secret: ${SECRET}\nclient_id: ${MISSING}\nname: $$x\n"))
	f.Add([]byte("- a\n- b\n"))
	f.Add([]byte("userinfo: {url: 'https://api.example/me', fields: [id], include: [{name: e, url: 'https://api.example/e'}]}\n"))
	f.Add([]byte("profile: {id: 'a..b', extra: {x: '@nope'}}\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := ParseSpec("fuzz.yaml", data)
		if err != nil {
			checkSchemaError(t, err)
			return
		}
		checkEndpointsNormalized(t, doc.root)

		out, err := doc.YAML()
		if err != nil {
			t.Fatalf("YAML() of a parsed document: %v", err)
		}
		if _, err := ParseSpec("printed.yaml", out); err != nil {
			t.Fatalf("printed document does not parse again: %v\n%s", err, out)
		}

		for _, preset := range []bool{true, false} {
			spec, err := doc.Resolve(ResolveOptions{Lookup: fuzzLookup, Preset: preset})
			if err != nil {
				checkSchemaError(t, err)
				continue
			}
			if spec == nil {
				t.Fatal("Resolve returned neither a spec nor an error")
			}
		}
	})
}

// checkEndpointsNormalized fails when an endpoint key of the top-level
// mapping still holds a non-null scalar.
func checkEndpointsNormalized(t *testing.T, root *yaml.Node) {
	t.Helper()
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, value := root.Content[i], root.Content[i+1]
		if endpointKeys[key.Value] && value.Kind == yaml.ScalarNode && !isNull(value) {
			t.Fatalf("endpoint %s kept the scalar %q after parsing", key.Value, value.Value)
		}
	}
}

// FuzzMerge merges two arbitrary specs. Merge must leave both inputs as
// they were, drop the keys that the override sets to null, keep the others
// of both sides, and give the base back when the override is empty.
func FuzzMerge(f *testing.F) {
	f.Add([]byte(presetYAML), []byte(credentials+`authorization: {params: {scope: "a b"}}`))
	f.Add([]byte(presetYAML), []byte("exchange: null\nscopes: [x]\n"))
	f.Add([]byte(presetYAML), []byte("authorization: https://other.example/a?x=1\n"))
	f.Add([]byte("token: {url: 'https://a.example/t', params: {a: b}}\n"), []byte("token: https://b.example/t\n"))
	f.Add([]byte("a: {b: {c: 1}}\n"), []byte("a: {b: null, d: 2}\n"))
	f.Add([]byte("a: 1\n"), []byte("a: [1, 2]\n"))

	empty, err := ParseSpec("empty.yaml", []byte("{}"))
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, baseData, overrideData []byte) {
		base, err := ParseSpec("base.yaml", baseData)
		if err != nil {
			return
		}
		override, err := ParseSpec("override.yaml", overrideData)
		if err != nil {
			return
		}
		baseBefore := mustYAML(t, base)
		overrideBefore := mustYAML(t, override)

		merged := Merge(base, override)
		mergedYAML := mustYAML(t, merged)
		if got := mustYAML(t, base); !bytes.Equal(got, baseBefore) {
			t.Fatalf("Merge changed the base:\nbefore %s\nafter  %s", baseBefore, got)
		}
		if got := mustYAML(t, override); !bytes.Equal(got, overrideBefore) {
			t.Fatalf("Merge changed the override:\nbefore %s\nafter  %s", overrideBefore, got)
		}

		keys := topLevelKeys(merged.root)
		for key, value := range topLevel(override.root) {
			if isNull(value) && keys[key] {
				t.Fatalf("key %s set to null in the override is still in the merge:\n%s", key, mergedYAML)
			}
			if !isNull(value) && !keys[key] {
				t.Fatalf("key %s of the override is missing from the merge:\n%s", key, mergedYAML)
			}
		}
		overrideKeys := topLevel(override.root)
		for key := range topLevel(base.root) {
			if _, overridden := overrideKeys[key]; !overridden && !keys[key] {
				t.Fatalf("key %s of the base is missing from the merge:\n%s", key, mergedYAML)
			}
		}

		if got := mustYAML(t, Merge(base, empty)); !bytes.Equal(got, baseBefore) {
			t.Fatalf("merging an empty override changed the base:\nbefore %s\nafter  %s", baseBefore, got)
		}

		if _, err := merged.Resolve(ResolveOptions{Lookup: fuzzLookup, Preset: true}); err != nil {
			checkSchemaError(t, err)
		}
	})
}

func mustYAML(t *testing.T, d *Document) []byte {
	t.Helper()
	out, err := d.YAML()
	if err != nil {
		t.Fatalf("YAML(): %v", err)
	}
	return out
}

// topLevel returns the values of a mapping by key.
func topLevel(root *yaml.Node) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		out[root.Content[i].Value] = root.Content[i+1]
	}
	return out
}

func topLevelKeys(root *yaml.Node) map[string]bool {
	out := map[string]bool{}
	for key := range topLevel(root) {
		out[key] = true
	}
	return out
}

// FuzzEndpointNormalization writes an arbitrary string as an endpoint and
// checks the {url, params} form it becomes: the URL without its query, and
// each query parameter once in params. It also checks that
// CheckEndpointURL accepts only absolute https URLs, or http on loopback,
// without user info or fragment.
func FuzzEndpointNormalization(f *testing.F) {
	for _, seed := range []string{
		"https://accounts.example/authorize?scope=a%20b&prompt=consent",
		"https://h.example/p?a=1&a=2",
		"https://h.example/p?a=%zz",
		"http://127.0.0.1:8080/token",
		"http://[::1]/x",
		"http://evil.example/x",
		"https://user:pass@h.example/",
		"https://h.example/#frag",
		"https://h.example/#",
		"javascript:alert(1)",
		"//h.example/x",
		"https://h.example/p?=x&;=y",
		"https://h.example/%2e%2e/x?q=%00",
		"",
		"https://localhost./x",
		"http://localhost:1/x",
	} {
		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, raw string) {
		checkEndpointURLContract(t, raw)
		if !utf8.ValidString(raw) {
			return // yaml.v3 writes such a string as !!binary, which is not a URL
		}

		data, err := yaml.Marshal(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: "token"},
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: raw, Style: yaml.DoubleQuotedStyle},
		}})
		if err != nil {
			return
		}
		var written map[string]string
		if yaml.Unmarshal(data, &written) != nil || written["token"] != raw {
			return // the YAML library cannot carry this string through a file
		}
		doc, err := ParseSpec("fuzz.yaml", data)
		if err != nil {
			checkSchemaError(t, err)
			return
		}
		token := topLevel(doc.root)["token"]
		if token == nil || token.Kind != yaml.MappingNode {
			t.Fatalf("token %q did not become a mapping", raw)
		}
		fields := topLevel(token)

		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("ParseSpec accepted %q, which url.Parse rejects: %v", raw, err)
		}
		query, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			t.Fatalf("ParseSpec accepted %q with an invalid query: %v", raw, err)
		}
		u.RawQuery = ""
		if got := fields["url"]; got == nil || got.Value != u.String() {
			t.Fatalf("token %q: url = %v, want %q", raw, got, u.String())
		}

		params := map[string]string{}
		if p := fields["params"]; p != nil {
			for key, value := range topLevel(p) {
				params[key] = value.Value
			}
		}
		if len(params) != len(query) {
			t.Fatalf("token %q: params %v, want the query %v", raw, params, query)
		}
		for name, values := range query {
			if len(values) != 1 || params[name] != values[0] {
				t.Fatalf("token %q: param %q = %q, want %q once", raw, name, params[name], values)
			}
		}
	})
}

func checkEndpointURLContract(t *testing.T, raw string) {
	t.Helper()
	if err := CheckEndpointURL(raw); err != nil {
		if strings.Contains(raw, "@") && strings.Contains(err.Error(), "user info") {
			if u, perr := url.Parse(raw); perr == nil && u.User != nil {
				if password, ok := u.User.Password(); ok && password != "" && strings.Contains(err.Error(), ":"+password+"@") {
					t.Fatalf("CheckEndpointURL(%q) error shows the password: %v", raw, err)
				}
			}
		}
		return
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("CheckEndpointURL accepted %q, which url.Parse rejects: %v", raw, err)
	}
	switch {
	case u.Host == "":
		t.Fatalf("CheckEndpointURL accepted %q without a host", raw)
	case u.User != nil:
		t.Fatalf("CheckEndpointURL accepted %q with user info", raw)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		t.Fatalf("CheckEndpointURL accepted %q with a fragment", raw)
	case u.Scheme == "https":
	case u.Scheme == "http" && IsLoopback(u.Hostname()):
	default:
		t.Fatalf("CheckEndpointURL accepted %q with scheme %q and host %q", raw, u.Scheme, u.Hostname())
	}
}

// FuzzParseDeployment loads an arbitrary deployment file and resolves it
// against one preset. Every provider it returns has a valid id and a spec.
func FuzzParseDeployment(f *testing.F) {
	f.Add([]byte("providers:\n  example:\n    client_id: a\n    client_secret: ${SECRET}\n"))
	f.Add([]byte("variables: {TENANT: x}\nproviders:\n  two:\n    preset: example\n    client_id: ${TENANT}\n    client_secret_file: nope\n"))
	f.Add([]byte("providers:\n  Bad_ID:\n    preset: missing\n"))
	f.Add([]byte("presets: [a, b]\nproviders: {}\n"))
	f.Add([]byte("providers: [1, 2]\n"))
	f.Add([]byte("unknown: 1\n"))

	preset, err := ParseSpec("example.yaml", []byte(presetYAML))
	if err != nil {
		f.Fatal(err)
	}
	presets := func(name string) (*Document, bool) {
		if name == "example" {
			return preset, true
		}
		return nil, false
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		dd, err := ParseDeployment("/nonexistent/auth.yaml", data)
		if err != nil {
			checkSchemaError(t, err)
			return
		}
		resolved, err := dd.Resolve(presets, fuzzLookup)
		if err != nil {
			checkSchemaError(t, err)
		}
		for _, p := range resolved {
			if !providerID.MatchString(p.ID) {
				t.Fatalf("resolved provider id %q is not a valid id", p.ID)
			}
			if p.Spec == nil || p.Merged == nil {
				t.Fatalf("provider %s has no spec or merged document", p.ID)
			}
		}
	})
}
