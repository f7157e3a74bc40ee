package schema

import "gopkg.in/yaml.v3"

// Merge returns override merged into base. Mappings merge key by key,
// recursively. Sequences and scalars in override replace those in base. An
// explicit null in override removes the key, which resets a field to its
// zero value, so a deployment can turn a preset step off. Neither input is
// changed.
func Merge(base, override *Document) *Document {
	out := &Document{origins: newOrigins(override.origins, base.origins)}
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

	// The merged mapping takes the override's position, so that a problem
	// reported at the mapping points at what the deployment wrote.
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: override.Line, Column: override.Column, Style: base.Style}
	d.origins.files[out] = d.file(override)

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
