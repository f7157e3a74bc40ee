package schema

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var updateJSONSchema = flag.Bool("update", false, "rewrite the JSON Schema files from the Go types")

const (
	deploymentSchemaFile = "presetauth.schema.json"
	presetSchemaFile     = "preset.schema.json"
	jsonSchemaDialect    = "https://json-schema.org/draft/2020-12/schema"
)

// Patterns for validator tags and YAML types that JSON Schema has no format
// for. A ${NAME} reference is allowed where a URL or a duration goes,
// because it is expanded only after the file is read.
var (
	hexColorPattern    = `^#([0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$`
	endpointURLPattern = `^(https?://|\$\{)`
	durationPattern    = `^([0-9]+(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$|^0$|\$\{[A-Za-z_][A-Za-z0-9_]*\}`
	tagPatterns        = map[string]string{
		"hexcolor":    hexColorPattern,
		"endpointurl": endpointURLPattern,
		"alphanum":    `^[A-Za-z0-9]+$`,
		"datauri":     `^data:[^,]*;base64,`,
	}
)

// jsonSchemaGenerator builds JSON Schema from the Go types of this package:
// YAML keys from the yaml tags, value rules from the validate tags and
// descriptions from the doc comments.
type jsonSchemaGenerator struct {
	docs map[string]string // "Type" and "Type.Field" to doc comment
	defs map[string]any
}

// generateJSONSchemas returns the deployment and the preset schema, as
// written to the files.
func generateJSONSchemas() (deployment, preset []byte, err error) {
	docs, err := readDocComments(".")
	if err != nil {
		return nil, nil, err
	}

	g := &jsonSchemaGenerator{docs: docs, defs: map[string]any{}}
	root := g.object(reflect.TypeFor[Deployment](), false)
	root["$schema"] = jsonSchemaDialect
	root["title"] = "presetauth deployment file"
	root["required"] = []string{"providers"}
	root["$defs"] = g.defs
	if deployment, err = marshalSchema(root); err != nil {
		return nil, nil, err
	}

	g = &jsonSchemaGenerator{docs: docs, defs: map[string]any{}}
	specRef := g.ref(reflect.TypeFor[Spec]())
	preset, err = marshalSchema(map[string]any{
		"$schema":     jsonSchemaDialect,
		"title":       "presetauth preset",
		"description": "A provider preset: one provider spec. " + docs["Spec"],
		"$ref":        specRef["$ref"],
		"$defs":       g.defs,
	})
	return deployment, preset, err
}

func marshalSchema(v any) ([]byte, error) {
	var out bytes.Buffer
	encoder := json.NewEncoder(&out)
	encoder.SetEscapeHTML(false)
	encoder.SetIndent("", "  ")
	if err := encoder.Encode(v); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// ref returns a $ref to the definition of struct type t, adding it first.
func (g *jsonSchemaGenerator) ref(t reflect.Type) map[string]any {
	name := t.Name()
	if _, ok := g.defs[name]; !ok {
		g.defs[name] = nil // taken, for recursive types
		g.defs[name] = g.object(t, true)
	}
	return map[string]any{"$ref": "#/$defs/" + name}
}

// object returns the schema of struct type t. In a spec, every key may be
// null, which removes the key in a merge.
func (g *jsonSchemaGenerator) object(t reflect.Type, nullable bool) map[string]any {
	properties := map[string]any{}
	g.addFields(t, t.Name(), properties, nullable)
	s := map[string]any{
		"type":                 "object",
		"properties":           properties,
		"additionalProperties": false,
	}
	if doc := g.docs[t.Name()]; doc != "" {
		s["description"] = doc
	}
	return s
}

func (g *jsonSchemaGenerator) addFields(t reflect.Type, owner string, properties map[string]any, nullable bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, inline := yamlName(f)
		if inline {
			g.addFields(f.Type, f.Type.Name(), properties, nullable)
			continue
		}
		if name == "-" || !f.IsExported() {
			continue
		}

		s := g.valueSchema(f.Type, f.Tag.Get("validate"))
		if t == reflect.TypeFor[Spec]() && endpointKeys[name] {
			s = map[string]any{"anyOf": []any{
				map[string]any{"type": "string", "pattern": endpointURLPattern, "description": "The endpoint's URL; its query moves into params."},
				s,
			}}
		}
		if t == reflect.TypeFor[Deployment]() && name == "providers" {
			s["propertyNames"] = map[string]any{"pattern": providerID.String()}
		}
		if nullable {
			s = withNull(s)
		}
		if doc := g.docs[owner+"."+f.Name]; doc != "" {
			s["description"] = doc
		}
		properties[name] = s
	}
}

// valueSchema returns the schema of a value of type t under the validate
// tag rules. "dive" moves the rules after it to the elements.
func (g *jsonSchemaGenerator) valueSchema(t reflect.Type, rules string) map[string]any {
	own, elem, _ := strings.Cut(rules, ",dive")
	if strings.HasPrefix(rules, "dive") {
		own, elem = "", strings.TrimPrefix(rules, "dive")
	}
	elem = strings.TrimPrefix(elem, ",")

	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var s map[string]any
	switch {
	case t == reflect.TypeFor[Paths]():
		item := g.valueSchema(t.Elem(), elem)
		s = map[string]any{"anyOf": []any{item, map[string]any{"type": "array", "items": item}}}
	case t == reflect.TypeFor[Duration]():
		s = map[string]any{"type": "string", "pattern": durationPattern}
	case t.Kind() == reflect.Struct:
		s = g.ref(t)
	case t.Kind() == reflect.Slice:
		s = map[string]any{"type": "array", "items": g.valueSchema(t.Elem(), elem)}
	case t.Kind() == reflect.Map:
		values := g.valueSchema(t.Elem(), elem)
		if t.Elem() == reflect.TypeFor[*Spec]() {
			// A provider given as null starts from its preset unchanged.
			values = withNull(values)
		}
		s = map[string]any{"type": "object", "additionalProperties": values}
	case t.Kind() == reflect.String:
		s = map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		s = map[string]any{"type": "integer"}
	default:
		panic(fmt.Sprintf("no JSON Schema for Go type %s", t))
	}
	applyRules(s, own)
	return s
}

// applyRules adds what validator tags such as oneof and hexcolor require.
func applyRules(s map[string]any, rules string) {
	for rule := range strings.SplitSeq(rules, ",") {
		name, param, _ := strings.Cut(rule, "=")
		switch {
		case name == "oneof":
			s["enum"] = strings.Fields(param)
		case name == "max" && s["type"] == "string":
			var n int
			fmt.Sscan(param, &n)
			s["maxLength"] = n
		case tagPatterns[name] != "":
			s["pattern"] = tagPatterns[name]
		case strings.Contains(rule, "|"):
			var patterns []string
			for alt := range strings.SplitSeq(rule, "|") {
				if p := tagPatterns[alt]; p != "" {
					patterns = append(patterns, "(?:"+strings.TrimPrefix(p, "^")+")")
				}
			}
			if len(patterns) > 0 {
				s["pattern"] = "^(" + strings.Join(patterns, "|") + ")"
			}
		}
	}
}

// withNull lets a value be null as well.
func withNull(s map[string]any) map[string]any {
	if t, ok := s["type"].(string); ok && s["enum"] == nil {
		out := maps.Clone(s)
		out["type"] = []string{t, "null"}
		return out
	}
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

// readDocComments reads the doc comments of the types and struct fields in
// the non-test Go files of dir, each joined into one line.
func readDocComments(dir string) (map[string]string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	docs := map[string]string{}
	fset := token.NewFileSet()
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		for _, decl := range file.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.TYPE {
				continue
			}
			for _, spec := range gen.Specs {
				ts := spec.(*ast.TypeSpec)
				doc := ts.Doc
				if doc == nil && len(gen.Specs) == 1 {
					doc = gen.Doc
				}
				docs[ts.Name.Name] = oneLine(doc.Text())
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for _, field := range st.Fields.List {
					text := field.Doc.Text()
					if text == "" {
						text = field.Comment.Text()
					}
					for _, n := range field.Names {
						docs[ts.Name.Name+"."+n.Name] = oneLine(text)
					}
				}
			}
		}
	}
	return docs, nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestJSONSchemaUpToDate(t *testing.T) {
	deployment, preset, err := generateJSONSchemas()
	if err != nil {
		t.Fatal(err)
	}
	files := []struct {
		name string
		want []byte
	}{{deploymentSchemaFile, deployment}, {presetSchemaFile, preset}}

	for _, f := range files {
		if *updateJSONSchema {
			if err := os.WriteFile(f.name, f.want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, f.want) {
			t.Errorf("schema/%s differs from the Go types; run `go generate ./schema` and commit the result", f.name)
		}
	}
}

func TestJSONSchemaEmbedded(t *testing.T) {
	for name, data := range map[string][]byte{
		deploymentSchemaFile: DeploymentJSONSchema(),
		presetSchemaFile:     PresetJSONSchema(),
	} {
		var s map[string]any
		if err := json.Unmarshal(data, &s); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if s["$schema"] != jsonSchemaDialect {
			t.Errorf("%s: $schema = %v, want %s", name, s["$schema"], jsonSchemaDialect)
		}
	}
}

func TestJSONSchemaBuiltinPresets(t *testing.T) {
	schema := loadJSONSchema(t, presetSchemaFile)
	files, err := filepath.Glob(filepath.Join("..", "presets", "builtin", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no built-in presets found under ../presets/builtin")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			for _, problem := range schema.validate(readYAML(t, file)) {
				t.Error(problem)
			}
		})
	}
}

func TestJSONSchemaDeployments(t *testing.T) {
	schema := loadJSONSchema(t, deploymentSchemaFile)
	tests := []struct {
		name     string
		yaml     string
		problems []string // substrings, one per expected problem
	}{
		{
			name: "readme example",
			yaml: `providers:
  threads:
    client_id: "${THREADS_APP_ID}"
    client_secret: ${THREADS_APP_SECRET}
    redirect_url: https://app.example/auth/callback/threads
    scopes: [threads_basic, threads_content_publish]
  threads-staging:
    preset: threads
    client_id: "${STAGING_APP_ID}"
    client_secret_file: /run/secrets/staging
`,
		},
		{
			name: "full declaration",
			yaml: `variables: {TENANT: acme}
presets: [./presets]
providers:
  acme:
    name: Acme
    authorization: https://${TENANT}.example/oauth/authorize?prompt=consent
    token: {url: https://acme.example/oauth/token, auth_method: client_secret_basic, default_lifetime: 1h}
    userinfo: https://acme.example/api/me
    exchange: null
    profile: {id: data.id, name: [data.name, data.login], extra: {team: data.team}}
    style: {background: "#0a0a0a", text: "#fff", logo: threads}
  threads:
`,
		},
		{
			name: "duration from a variable",
			yaml: "providers:\n  threads:\n    token: {default_lifetime: \"${TOKEN_LIFETIME}\"}\n",
		},
		{
			name:     "unknown keys",
			yaml:     "providers:\n  threads:\n    scope: [a]\n    token: {auth_mode: basic}\nextra: 1\n",
			problems: []string{"/extra", "/providers/threads/scope", "/providers/threads/token/auth_mode"},
		},
		{
			name:     "bad values",
			yaml:     "providers:\n  threads:\n    token: {auth_method: client_secret_jwt}\n    style: {background: black}\n    checks: [csrf]\n",
			problems: []string{"/providers/threads/checks/0", "/providers/threads/style/background", "/providers/threads/token"},
		},
		{
			name:     "bad provider id",
			yaml:     "providers:\n  Bad Id: {}\n",
			problems: []string{"Bad Id"},
		},
		{
			name:     "wrong kinds",
			yaml:     "providers:\n  threads:\n    scopes: threads_basic\n    refresh: {refresh_before: soon}\n",
			problems: []string{"/providers/threads/refresh", "/providers/threads/scopes"},
		},
		{
			name:     "no providers",
			yaml:     "variables: {A: b}\n",
			problems: []string{"providers"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc any
			if err := yaml.Unmarshal([]byte(tt.yaml), &doc); err != nil {
				t.Fatal(err)
			}
			problems := schema.validate(doc)
			if len(problems) != len(tt.problems) {
				t.Fatalf("got %d problems, want %d:\n%s", len(problems), len(tt.problems), strings.Join(problems, "\n"))
			}
			for i, want := range tt.problems {
				if !strings.Contains(problems[i], want) {
					t.Errorf("problem %d = %q, want it to mention %q", i, problems[i], want)
				}
			}
		})
	}
}

// jsonSchemaChecker checks a decoded YAML value against the subset of JSON
// Schema that the generator writes: $ref, type, enum, pattern, maxLength,
// properties, additionalProperties, propertyNames, required, items, anyOf.
type jsonSchemaChecker struct {
	root map[string]any
}

func loadJSONSchema(t *testing.T, name string) *jsonSchemaChecker {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(data, &root); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &jsonSchemaChecker{root: root}
}

func readYAML(t *testing.T, name string) any {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return doc
}

// validate returns one line per problem, sorted, each starting with the
// JSON pointer of the value.
func (c *jsonSchemaChecker) validate(v any) []string {
	problems := c.check(c.root, v, "")
	slices.Sort(problems)
	return problems
}

func (c *jsonSchemaChecker) check(s map[string]any, v any, pointer string) []string {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/$defs/")
		def, _ := c.root["$defs"].(map[string]any)[name].(map[string]any)
		if def == nil {
			return []string{pointer + ": unresolved $ref " + ref}
		}
		if problems := c.check(def, v, pointer); len(problems) > 0 {
			return problems
		}
	}
	if alternatives, ok := s["anyOf"].([]any); ok {
		// Report the problems of the alternatives of the value's type, so
		// that a wrong key is named rather than "matches no alternative".
		var problems []string
		matched := false
		for _, alt := range alternatives {
			alt := alt.(map[string]any)
			if !c.acceptsType(alt, v) {
				continue
			}
			p := c.check(alt, v, pointer)
			if len(p) == 0 {
				matched = true
				break
			}
			problems = append(problems, p...)
		}
		switch {
		case matched:
		case len(problems) > 0:
			return problems
		default:
			return []string{fmt.Sprintf("%s: %s is not allowed here", pointer, jsonType(v))}
		}
	}
	if types := schemaTypes(s["type"]); !c.acceptsType(map[string]any{"type": s["type"]}, v) {
		return []string{fmt.Sprintf("%s: %s, want %s", pointer, jsonType(v), strings.Join(types, " or "))}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		return []string{fmt.Sprintf("%s: %v is not one of %v", pointer, v, enum)}
	}

	var problems []string
	switch v := v.(type) {
	case string:
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(v) {
			problems = append(problems, fmt.Sprintf("%s: %q does not match %s", pointer, v, p))
		}
		if n, ok := s["maxLength"].(float64); ok && float64(len([]rune(v))) > n {
			problems = append(problems, fmt.Sprintf("%s: longer than %v", pointer, n))
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, item := range v {
				problems = append(problems, c.check(items, item, fmt.Sprintf("%s/%d", pointer, i))...)
			}
		}
	case map[string]any:
		problems = append(problems, c.checkObject(s, v, pointer)...)
	}
	return problems
}

func (c *jsonSchemaChecker) checkObject(s map[string]any, v map[string]any, pointer string) []string {
	var problems []string
	for _, name := range schemaStrings(s["required"]) {
		if _, ok := v[name]; !ok {
			problems = append(problems, fmt.Sprintf("%s: required key %s is missing", pointer, name))
		}
	}
	properties, _ := s["properties"].(map[string]any)
	for key, value := range v {
		if names, ok := s["propertyNames"].(map[string]any); ok {
			if p, ok := names["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(key) {
				problems = append(problems, fmt.Sprintf("%s: key %q does not match %s", pointer, key, p))
			}
		}
		child := pointer + "/" + key
		if prop, ok := properties[key].(map[string]any); ok {
			problems = append(problems, c.check(prop, value, child)...)
			continue
		}
		switch extra := s["additionalProperties"].(type) {
		case bool:
			if !extra {
				problems = append(problems, child+": unknown key")
			}
		case map[string]any:
			problems = append(problems, c.check(extra, value, child)...)
		}
	}
	return problems
}

// acceptsType reports whether the type keyword of s, following $ref,
// allows v. A schema without one allows any type.
func (c *jsonSchemaChecker) acceptsType(s map[string]any, v any) bool {
	if ref, ok := s["$ref"].(string); ok {
		def, _ := c.root["$defs"].(map[string]any)[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		return def != nil && c.acceptsType(def, v)
	}
	types := schemaTypes(s["type"])
	return len(types) == 0 || slices.Contains(types, jsonType(v)) || jsonType(v) == "integer" && slices.Contains(types, "number")
}

func schemaTypes(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	return schemaStrings(v)
}

func schemaStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, item := range list {
		out = append(out, item.(string))
	}
	return out
}

// jsonType names the JSON Schema type of a value decoded by yaml.v3.
func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case int, int64, uint64:
		return "integer"
	case float64:
		if v == math.Trunc(v) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
