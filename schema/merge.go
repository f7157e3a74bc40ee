package schema

import (
	"maps"

	"gopkg.in/yaml.v3"
)

// Merge returns override merged into base. Mappings merge key by key,
// recursively; sequences and scalars in override replace those in base; an
// explicit null in override removes the key, which resets a field to its
// zero value (how a deployment turns a preset step off). Neither input is
// changed.
func Merge(base, override *Document) *Document {
	files := make(map[*yaml.Node]string, len(base.files)+len(override.files))
	maps.Copy(files, base.files)
	maps.Copy(files, override.files)
	out := &Document{files: files}
	out.root = out.merge(base.root, override.root)
	return out
}

func (d *Document) merge(base, override *yaml.Node) *yaml.Node {
	if base == nil {
		return override
	}
	if override.Kind != yaml.MappingNode || base.Kind != yaml.MappingNode {
		return override
	}

	out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: base.Line, Column: base.Column, Style: base.Style}
	d.files[out] = d.files[base]

	overrides := make(map[string]int, len(override.Content)/2)
	for i := 0; i+1 < len(override.Content); i += 2 {
		overrides[override.Content[i].Value] = i
	}

	for i := 0; i+1 < len(base.Content); i += 2 {
		key, value := base.Content[i], base.Content[i+1]
		j, ok := overrides[key.Value]
		if !ok {
			out.Content = append(out.Content, key, value)
			continue
		}
		if isNull(override.Content[j+1]) {
			continue
		}
		out.Content = append(out.Content, override.Content[j], d.merge(value, override.Content[j+1]))
	}

	seen := make(map[string]bool, len(base.Content)/2)
	for i := 0; i+1 < len(base.Content); i += 2 {
		seen[base.Content[i].Value] = true
	}
	for i := 0; i+1 < len(override.Content); i += 2 {
		key, value := override.Content[i], override.Content[i+1]
		if seen[key.Value] || isNull(value) {
			continue
		}
		out.Content = append(out.Content, key, value)
	}
	return out
}

// YAML returns the document as YAML text. Client secrets that are not a
// ${VAR} reference are redacted, so the output is safe to print and can be
// pasted back into a deployment file.
func (d *Document) YAML() ([]byte, error) {
	root := redactSecrets(d.root)
	return yaml.Marshal(root)
}

// redactSecrets returns a copy of n with literal client_secret values
// replaced by "[redacted]".
func redactSecrets(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, child := range n.Content {
		c.Content[i] = redactSecrets(child)
	}
	if c.Kind != yaml.MappingNode {
		return &c
	}
	for i := 0; i+1 < len(c.Content); i += 2 {
		if c.Content[i].Value != "client_secret" {
			continue
		}
		value := c.Content[i+1]
		if value.Kind == yaml.ScalarNode && value.Value != "" && !isReference(value.Value) {
			c.Content[i+1] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: redacted}
		}
	}
	return &c
}
