package schema

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"unicode"

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

	// Anchor is the node at which a field missing from the spec is
	// reported, such as the key of a deployment entry. Nil means the
	// spec's root.
	Anchor *yaml.Node
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

	// The expanded copy's nodes are recorded in a child document, so that
	// Resolve leaves d as it was and may run on it again.
	work := d.child(d.root)
	work.expanded = map[*yaml.Node]expansion{}
	expanded, list := work.expand(d.root, opts.Path, opts.Lookup)
	if len(list) > 0 {
		return nil, list
	}
	work.root = expanded

	var spec Spec
	if err := expanded.Decode(&spec); err != nil {
		return nil, work.decodeError(expanded, opts.Path, err)
	}

	var templates *yaml.Node
	if opts.Preset {
		templates = d.root
	}
	list = work.validateStruct(&spec, expanded, templates, opts)
	list = append(list, work.checkSpec(&spec, expanded, opts)...)
	if len(list) > 0 {
		return nil, list
	}

	if spec.ClientSecretFile != "" {
		if err := readSecretFile(&spec, opts.Dir); err != nil {
			node := mappingValue(expanded, "client_secret_file")
			return nil, work.errorAt(node, joinPath(opts.Path, "client_secret_file"), err.Error())
		}
	}
	return &spec, nil
}

var decodeLine = regexp.MustCompile(`line (\d+): (.*)`)

// quotedValue matches the part of a yaml.v3 message that quotes a value,
// as in "cannot unmarshal !!str `hunter2` into bool".
var quotedValue = regexp.MustCompile(" ?`[^`]*`")

// decodeError positions the error of decoding root into a Spec. yaml.v3
// names only a line, which a merged document has in two files, so the
// failing nodes are found by decoding the parts of root again.
func (d *Document) decodeError(root *yaml.Node, path string, err error) error {
	list := d.findDecodeErrors(root, reflect.TypeFor[Spec](), path)
	if len(list) == 0 {
		list = ErrorList{d.errorAt(root, path, decodeMessage(err, reflect.TypeFor[Spec]()))}
	}
	return errorsOrNil(list)
}

// findDecodeErrors decodes n into a value of type t and, when that fails,
// returns an error for each of the deepest nodes that fail.
func (d *Document) findDecodeErrors(n *yaml.Node, t reflect.Type, path string) ErrorList {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	err := n.Decode(reflect.New(t).Interface())
	if err == nil {
		return nil
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return ErrorList{d.errorAt(n, path, decodeMessage(err, t))}
	}

	var list ErrorList
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if ft, ok := fieldByKey(t, n.Content[i].Value); ok {
				list = append(list, d.findDecodeErrors(n.Content[i+1], ft, joinPath(path, n.Content[i].Value))...)
			}
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			list = append(list, d.findDecodeErrors(n.Content[i+1], t.Elem(), joinPath(path, n.Content[i].Value))...)
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, item := range n.Content {
			list = append(list, d.findDecodeErrors(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))...)
		}
	}
	if len(list) == 0 {
		list = ErrorList{d.errorAt(n, path, decodeMessage(err, t))}
	}
	return list
}

// decodeMessage returns the text of a decoding error into type t without
// its line number and without any value that yaml.v3 quotes.
func decodeMessage(err error, t reflect.Type) string {
	if t.Kind() == reflect.Bool {
		return "must be true or false"
	}
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if m := decodeLine.FindStringSubmatch(msg); m != nil {
		msg = m[2]
	}
	return quotedValue.ReplaceAllString(strings.TrimPrefix(msg, "yaml: "), "")
}

func readSecretFile(spec *Spec, dir string) error {
	if spec.ClientSecret != "" {
		return fmt.Errorf("both client_secret and client_secret_file are set; keep one")
	}
	name := spec.ClientSecretFile
	if !filepath.IsAbs(name) && dir != "" {
		name = filepath.Join(dir, name)
	}
	// The messages quote the name as the spec gives it, which Resolve
	// shows as written when it comes from a variable.
	data, err := readLimited(osFS{}, name, maxSecretFileSize)
	if pathErr := (*fs.PathError)(nil); errors.As(err, &pathErr) {
		err = pathErr.Err
	}
	if err != nil {
		return fmt.Errorf("cannot read the client secret file %q: %v", spec.ClientSecretFile, err)
	}
	secret := strings.TrimSpace(string(data))
	if secret == "" {
		return fmt.Errorf("client secret file %q is empty", spec.ClientSecretFile)
	}
	spec.ClientSecret = Secret(secret)
	return nil
}

// placeholder matches {name} in token step params.
var placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)

// reservedParams are the authorization request parameters that the
// sign-in flow sets itself.
var reservedParams = []string{"client_id", "redirect_uri", "response_type", "state", "code_challenge", "code_challenge_method", "nonce"}

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
		node := locate(root, strings.Split(path, "."), opts.Anchor)
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

	for _, name := range reservedParams {
		if _, ok := s.Authorization.Params[name]; ok {
			add("authorization.params."+name, "is set by the sign-in flow; remove it")
		}
	}
	list = append(list, d.checkHeaders(root, opts.Path)...)

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
	} else if strings.ContainsFunc(s.ClientID, unicode.IsControl) {
		add("client_id", "contains a control character, such as a line break; remove it")
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

// locate returns the node at segments below root. For a missing node it
// returns the closest ancestor, or anchor when only the root is left,
// because a key that the whole spec lacks is best reported where the
// reader wrote the spec.
func locate(root *yaml.Node, segments []string, anchor *yaml.Node) *yaml.Node {
	for i := len(segments); i > 0; i-- {
		if n := findNode(root, segments[:i]); n != nil {
			return n
		}
	}
	if anchor != nil {
		return anchor
	}
	return root
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
