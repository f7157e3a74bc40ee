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

// maxDocumentSize caps a config file; presets and deployments are a few KiB.
const maxDocumentSize = 1 << 20

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
	root  *yaml.Node
	files map[*yaml.Node]string
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
	if len(data) > maxDocumentSize {
		return nil, &Error{File: file, Msg: fmt.Sprintf("file is %d bytes; the limit is %d", len(data), maxDocumentSize)}
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

	doc := &Document{root: root, files: map[*yaml.Node]string{}}
	var list ErrorList
	walk(root, func(n *yaml.Node) {
		doc.files[n] = file
		if n.Kind == yaml.AliasNode || n.Anchor != "" {
			list = append(list, &Error{File: file, Line: n.Line, Column: n.Column, Msg: "YAML anchors and aliases are not supported; repeat the value instead"})
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
	return &Error{File: file, Msg: "invalid YAML: " + msg}
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
	file := d.files[value]
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
	d.files[n] = d.files[at]
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
