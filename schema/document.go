package schema

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// endpointKeys are the spec keys whose value may be a URL string.
var endpointKeys = map[string]bool{
	"authorization": true,
	"token":         true,
	"userinfo":      true,
	"exchange":      true,
	"refresh":       true,
}

// Document is a parsed YAML document whose endpoint strings are already
// normalized to the {url, params} form. It remembers the file each node came
// from, so errors found after a merge still name the right file.
type Document struct {
	root    *yaml.Node
	origins *origins

	// expanded maps each scalar that Resolve expanded to what it was
	// before, so that errors show the reference and never a value.
	expanded map[*yaml.Node]expansion
}

// origins maps YAML nodes to the file they came from. A document built
// from others, such as a deployment entry or a merge, records only the
// nodes it creates and looks the others up in its parents. No map is
// copied, so a deployment with many entries loads in linear time.
type origins struct {
	files   map[*yaml.Node]string
	parents []*origins
}

func newOrigins(parents ...*origins) *origins {
	return &origins{files: map[*yaml.Node]string{}, parents: parents}
}

// file returns the file that n came from, or "" when no document in the
// chain records n.
func (o *origins) file(n *yaml.Node) string {
	if file, ok := o.files[n]; ok {
		return file
	}
	for _, p := range o.parents {
		if file := p.file(n); file != "" {
			return file
		}
	}
	return ""
}

// file returns the file that n came from.
func (d *Document) file(n *yaml.Node) string { return d.origins.file(n) }

// child returns a document with the root n whose new nodes are recorded
// apart from d's.
func (d *Document) child(n *yaml.Node) *Document {
	return &Document{root: n, origins: newOrigins(d.origins)}
}

// ParseSpec parses one provider spec, such as a preset file or the body of a
// deployment entry. The file name is used in errors only.
func ParseSpec(file string, data []byte) (*Document, error) {
	doc, err := parse(file, data)
	if err != nil {
		return nil, err
	}
	if err := doc.normalizeSpec(doc.root, ""); err != nil {
		return nil, err
	}
	return doc, nil
}

// parse reads one YAML document and rejects what the config language leaves
// out: several documents, anchors and aliases, and a non-mapping top level.
func parse(file string, data []byte) (*Document, error) {
	if len(data) > MaxFileSize {
		return nil, &Error{File: file, Msg: fmt.Sprintf("file is %d bytes; the limit is %d", len(data), MaxFileSize)}
	}
	if err := checkCharacters(file, data); err != nil {
		return nil, err
	}

	dec := yaml.NewDecoder(bytes.NewReader(data))
	var top yaml.Node
	if err := dec.Decode(&top); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: file, Msg: "file is empty; expected a YAML mapping"}
		}
		return nil, syntaxError(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{File: file, Line: extra.Line, Column: extra.Column, Msg: "a second YAML document; put one document in each file"}
	} else if !errors.Is(err, io.EOF) {
		return nil, syntaxError(file, err)
	}

	root := &top
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, &Error{File: file, Msg: "file is empty; expected a YAML mapping"}
		}
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: file, Line: root.Line, Column: root.Column, Msg: "top level must be a mapping of keys to values"}
	}

	doc := &Document{root: root, origins: newOrigins()}
	var list ErrorList
	walk(root, func(n *yaml.Node) {
		doc.origins.files[n] = file
		if n.Kind == yaml.AliasNode || n.Anchor != "" {
			list = append(list, &Error{File: file, Line: n.Line, Column: n.Column, Msg: "YAML anchors and aliases are not supported; repeat the value instead"})
		}
		// A tag such as !!float changes how yaml.v3 decodes a value, and
		// its decoding errors quote the value, which may be a secret.
		if n.Style&yaml.TaggedStyle != 0 {
			list = append(list, &Error{File: file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf("YAML tags such as %s are not supported; remove the tag, and quote the value if it must stay a string", n.Tag)})
		}
		if n.Kind == yaml.MappingNode {
			list = append(list, duplicateKeys(file, n)...)
		}
	})
	if len(list) > 0 {
		return nil, list
	}
	return doc, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a yaml.v3 syntax error into an *Error with its line.
func syntaxError(file string, err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Column: 1, Msg: "invalid YAML: " + m[2]}
	}
	return &Error{File: file, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// checkCharacters rejects, with a position, what yaml.v3 rejects without
// one: bytes that are not UTF-8, and the control characters that YAML 1.2
// leaves out of a stream. Those are the C0 controls but tab, line feed and
// carriage return, then DEL, and the C1 controls but NEL.
func checkCharacters(file string, data []byte) error {
	line, lineStart := 1, 0
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		var msg string
		switch {
		case r == utf8.RuneError && size <= 1:
			msg = "file is not valid UTF-8; save it as UTF-8"
		case !yamlPrintable(r):
			msg = fmt.Sprintf("control character %U is not allowed in YAML; remove it", r)
		}
		if msg != "" {
			column := utf8.RuneCount(data[lineStart:i]) + 1
			return &Error{File: file, Line: line, Column: column, Msg: msg}
		}
		if r == '\n' {
			line, lineStart = line+1, i+size
		}
		i += size
	}
	return nil
}

// yamlPrintable reports whether r may appear in a YAML 1.2 stream.
func yamlPrintable(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r', r == 0x85:
		return true
	case r >= 0x20 && r <= 0x7e:
		return true
	case r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}

// duplicateKeys reports each key of a mapping that appears a second time;
// a merge would otherwise keep one of them silently.
func duplicateKeys(file string, n *yaml.Node) ErrorList {
	var list ErrorList
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i]
		if seen[key.Value] {
			list = append(list, &Error{File: file, Line: key.Line, Column: key.Column, Msg: fmt.Sprintf("key %q given twice; keep one", key.Value)})
		}
		seen[key.Value] = true
	}
	return list
}

// walk calls fn for n and every node below it.
func walk(n *yaml.Node, fn func(*yaml.Node)) {
	fn(n)
	for _, c := range n.Content {
		walk(c, fn)
	}
}

// normalizeSpec rewrites each endpoint given as a URL string into the
// mapping form, so that a merge can replace params and keep the URL.
func (d *Document) normalizeSpec(spec *yaml.Node, path string) error {
	if spec.Kind != yaml.MappingNode {
		return nil
	}
	var list ErrorList
	for i := 0; i+1 < len(spec.Content); i += 2 {
		key, value := spec.Content[i], spec.Content[i+1]
		if !endpointKeys[key.Value] || value.Kind != yaml.ScalarNode || isNull(value) {
			continue
		}
		mapping, err := d.endpointMapping(value, joinPath(path, key.Value))
		if err != nil {
			list = append(list, err)
			continue
		}
		spec.Content[i+1] = mapping
	}
	return errorsOrNil(list)
}

// endpointMapping builds {url, params} from a URL string node.
func (d *Document) endpointMapping(value *yaml.Node, path string) (*yaml.Node, *Error) {
	file := d.file(value)
	u, err := url.Parse(value.Value)
	if err != nil {
		return nil, &Error{File: file, Line: value.Line, Column: value.Column, Path: path, Msg: fmt.Sprintf("invalid URL %q: %v", value.Value, errors.Unwrap(err))}
	}
	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, &Error{File: file, Line: value.Line, Column: value.Column, Path: path, Msg: fmt.Sprintf("invalid query in URL %q", value.Value)}
	}
	u.RawQuery = ""

	mapping := d.newNode(yaml.MappingNode, "", value)
	mapping.Content = append(mapping.Content, d.newNode(yaml.ScalarNode, "url", value), d.newNode(yaml.ScalarNode, u.String(), value))
	if len(query) == 0 {
		return mapping, nil
	}

	params := d.newNode(yaml.MappingNode, "", value)
	names := make([]string, 0, len(query))
	for name := range query {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if len(query[name]) > 1 {
			return nil, &Error{File: file, Line: value.Line, Column: value.Column, Path: path, Msg: fmt.Sprintf("query parameter %q appears %d times; give it once", name, len(query[name]))}
		}
		// A YAML string holds UTF-8 only, so a parameter decoded from an
		// escape such as %80 could not be printed back as YAML.
		if !utf8.ValidString(name) || !utf8.ValidString(query[name][0]) {
			return nil, &Error{File: file, Line: value.Line, Column: value.Column, Path: path, Msg: fmt.Sprintf("query parameter %q is not valid UTF-8 once percent-decoded; fix its escapes", strings.ToValidUTF8(name, "?"))}
		}
		params.Content = append(params.Content, d.newNode(yaml.ScalarNode, name, value), d.newNode(yaml.ScalarNode, query[name][0], value))
	}
	mapping.Content = append(mapping.Content, d.newNode(yaml.ScalarNode, "params", value), params)
	return mapping, nil
}

// newNode makes a node positioned at, and from the same file as, at.
func (d *Document) newNode(kind yaml.Kind, value string, at *yaml.Node) *yaml.Node {
	n := &yaml.Node{Kind: kind, Value: value, Line: at.Line, Column: at.Column}
	switch kind {
	case yaml.ScalarNode:
		n.Tag = "!!str"
	case yaml.MappingNode:
		n.Tag = "!!map"
	}
	d.origins.files[n] = d.file(at)
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
