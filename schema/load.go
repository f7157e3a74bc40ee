package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// ResolveOptions control how a spec document becomes a [Spec].
type ResolveOptions struct {
	// Lookup fills ${NAME} references. Nil means os.LookupEnv.
	Lookup Lookup

	// Dir is the folder that a relative client_secret_file is read from.
	Dir string

	// Preset checks the spec as a preset, which may leave deployment
	// fields such as client_id empty. Otherwise the spec must be complete
	// enough to sign in with.
	Preset bool

	// Path prefixes the field paths in errors, such as "providers.threads".
	Path string
}

// Resolve checks the keys of d, expands its variables, decodes it, reads the
// client secret file and validates the result. The error lists every
// problem found, each with its position.
func (d *Document) Resolve(opts ResolveOptions) (*Spec, error) {
	if opts.Lookup == nil {
		opts.Lookup = os.LookupEnv
	}

	if list := d.checkKeys(d.root, reflect.TypeFor[Spec](), opts.Path); len(list) > 0 {
		return nil, list
	}
	expanded, list := d.expand(d.root, opts.Path, opts.Lookup)
	if len(list) > 0 {
		return nil, list
	}

	var spec Spec
	if err := expanded.Decode(&spec); err != nil {
		return nil, d.decodeError(expanded, opts.Path, err)
	}

	var templates *yaml.Node
	if opts.Preset {
		templates = d.root
	}
	list = d.validateStruct(&spec, expanded, templates, opts.Path)
	list = append(list, d.checkSpec(&spec, expanded, opts)...)
	if len(list) > 0 {
		return nil, list
	}

	if spec.ClientSecretFile != "" {
		if err := readSecretFile(&spec, opts.Dir); err != nil {
			node := mappingValue(expanded, "client_secret_file")
			return nil, d.errorAt(node, joinPath(opts.Path, "client_secret_file"), err.Error())
		}
	}
	return &spec, nil
}

var decodeLine = regexp.MustCompile(`line (\d+): (.*)`)

// decodeError positions a yaml.v3 decoding error, whose text carries only
// a line number.
func (d *Document) decodeError(root *yaml.Node, path string, err error) error {
	var list ErrorList
	messages := []string{err.Error()}
	if te, ok := err.(*yaml.TypeError); ok {
		messages = te.Errors
	}
	file := d.files[root]
	for _, msg := range messages {
		e := &Error{File: file, Path: path, Msg: msg}
		if m := decodeLine.FindStringSubmatch(msg); m != nil {
			fmt.Sscan(m[1], &e.Line)
			e.Column = 1
			e.Msg = m[2]
		}
		list = append(list, e)
	}
	return list
}

func readSecretFile(spec *Spec, dir string) error {
	if spec.ClientSecret != "" {
		return fmt.Errorf("both client_secret and client_secret_file are set; keep one")
	}
	name := spec.ClientSecretFile
	if !filepath.IsAbs(name) && dir != "" {
		name = filepath.Join(dir, name)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("cannot read the client secret file: %v", err)
	}
	secret := strings.TrimSpace(string(data))
	if secret == "" {
		return fmt.Errorf("client secret file %s is empty", name)
	}
	spec.ClientSecret = Secret(secret)
	return nil
}

// placeholder matches {name} in token step params.
var placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)

var placeholders = map[string]bool{
	"access_token":  true,
	"refresh_token": true,
	"client_id":     true,
	"client_secret": true,
}

// checkSpec applies the rules that span several fields.
func (d *Document) checkSpec(s *Spec, root *yaml.Node, opts ResolveOptions) ErrorList {
	var list ErrorList
	add := func(path, msg string) {
		segments := strings.Split(path, ".")
		node := findNode(root, segments)
		for node == nil && len(segments) > 1 {
			segments = segments[:len(segments)-1]
			node = findNode(root, segments)
		}
		if node == nil {
			node = root
		}
		list = append(list, d.errorAt(node, joinPath(opts.Path, strings.ReplaceAll(path, ".[", "[")), msg))
	}

	if s.Scopes != nil && len(s.Scopes) == 0 {
		add("scopes", "list is empty; give at least one scope or remove the key")
	}
	sep := s.ScopeSeparator
	if sep == "" {
		sep = " "
	}
	for i, scope := range s.Scopes {
		if scope == "" || strings.Contains(scope, sep) || strings.ContainsAny(scope, " \t\r\n") {
			add(fmt.Sprintf("scopes.[%d]", i), fmt.Sprintf("invalid scope %q; write one scope per list item", scope))
		}
	}

	for _, step := range []struct {
		name string
		step *TokenStep
	}{{"exchange", s.Exchange}, {"refresh", s.Refresh}} {
		if step.step == nil {
			continue
		}
		for _, name := range sortedKeys(step.step.Params) {
			for _, m := range placeholder.FindAllStringSubmatch(step.step.Params[name], -1) {
				if !placeholders[m[1]] {
					add(step.name+".params."+name, fmt.Sprintf("unknown placeholder {%s}; allowed are {access_token}, {refresh_token}, {client_id}, {client_secret}", m[1]))
				}
			}
		}
		if !opts.Preset && step.step.URL == "" {
			add(step.name, "url is missing; give the step a url or set the step to null to turn it off")
		}
	}

	if opts.Preset {
		return list
	}

	if s.ClientID == "" {
		add("client_id", "missing; set it to the client id that the provider issued")
	}
	authNone := s.Token.AuthMethod == "none"
	if !authNone && s.ClientSecret == "" && s.ClientSecretFile == "" {
		add("client_secret", "missing; set client_secret (for example ${PROVIDER_SECRET}) or client_secret_file")
	}
	if authNone && !hasCheck(s.Checks, "pkce") {
		add("checks", "a public client (token.auth_method: none) needs pkce in checks")
	}
	if s.Type == "oidc" && s.Issuer == "" {
		add("issuer", "missing; type oidc needs the provider's issuer URL")
	}
	if s.Type != "oidc" {
		if s.Authorization.URL == "" {
			add("authorization", "url is missing; give the provider's authorization endpoint")
		}
		if s.Token.URL == "" {
			add("token", "url is missing; give the provider's token endpoint")
		}
		if (s.Userinfo == nil || s.Userinfo.URL == "") && usesSource(s, "userinfo") {
			add("userinfo", "url is missing; give the provider's userinfo endpoint, or read the profile from the token reply with profile.sources: [token]")
		}
		if usesSource(s, "id_token") {
			add("profile.sources", "id_token needs type oidc")
		}
	}
	if len(s.Profile.ID) == 0 {
		add("profile.id", "missing; give the gjson path of the user's id in the userinfo reply")
	}
	return list
}

// usesSource reports whether the profile is built from source, applying
// the defaults of ProfileMapping.Sources.
func usesSource(s *Spec, source string) bool {
	sources := s.Profile.Sources
	if len(sources) == 0 {
		sources = []string{"userinfo"}
		if s.Type == "oidc" {
			sources = []string{"id_token", "userinfo"}
		}
	}
	return hasCheck(sources, source)
}

func hasCheck(checks []string, name string) bool {
	for _, c := range checks {
		if c == name {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
