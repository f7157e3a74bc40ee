package schema

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Lookup returns the value of a variable and whether it is set, like
// os.LookupEnv.
type Lookup func(name string) (string, bool)

var reference = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// isReference reports whether s is exactly one ${VAR} reference.
func isReference(s string) bool {
	m := reference.FindStringSubmatchIndex(s)
	return m != nil && m[0] == 0 && m[1] == len(s) && m[2] >= 0
}

// expand returns a copy of n with ${VAR} replaced in every string value.
// Keys, tags and structure are never expanded, so a variable cannot add a
// field. "$$" writes a literal "$". A variable that lookup does not know is an
// error naming it, never its neighbors' values.
func (d *Document) expand(n *yaml.Node, path string, lookup Lookup) (*yaml.Node, ErrorList) {
	c := *n
	d.files[&c] = d.files[n]

	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag != "!!str" || !strings.Contains(n.Value, "$") {
			return &c, nil
		}
		value, missing := expandString(n.Value, lookup)
		if len(missing) > 0 {
			var list ErrorList
			for _, name := range missing {
				list = append(list, d.errorAt(n, path, fmt.Sprintf("variable %s is not set; set it in the environment or in the deployment's variables", name)))
			}
			return &c, list
		}
		c.Value = value
		return &c, nil

	case yaml.MappingNode:
		var list ErrorList
		c.Content = make([]*yaml.Node, len(n.Content))
		for i := 0; i+1 < len(n.Content); i += 2 {
			c.Content[i] = n.Content[i]
			value, errs := d.expand(n.Content[i+1], joinPath(path, n.Content[i].Value), lookup)
			c.Content[i+1] = value
			list = append(list, errs...)
		}
		return &c, list

	case yaml.SequenceNode:
		var list ErrorList
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, item := range n.Content {
			value, errs := d.expand(item, fmt.Sprintf("%s[%d]", path, i), lookup)
			c.Content[i] = value
			list = append(list, errs...)
		}
		return &c, list
	}
	return &c, nil
}

// expandString replaces the references in s and lists the unknown names.
func expandString(s string, lookup Lookup) (string, []string) {
	var missing []string
	out := reference.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		name := m[2 : len(m)-1]
		value, ok := lookup(name)
		if !ok {
			missing = append(missing, name)
		}
		return value
	})
	return out, missing
}
