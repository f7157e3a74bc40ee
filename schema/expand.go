package schema

import (
	"fmt"
	"regexp"
	"strconv"
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

// expansion is a scalar before Resolve expanded it.
type expansion struct {
	original string   // the text as written, with its references
	value    string   // the expanded text
	values   []string // the values that replaced the references
}

// hide returns msg with the expanded value replaced by the text as written.
// A message that still contains a variable's value, in part or escaped,
// gives way to one that names the field's text only.
func (x expansion) hide(msg string) string {
	msg = strings.ReplaceAll(msg, strconv.Quote(x.value), strconv.Quote(x.original))
	for _, v := range x.values {
		quoted := strconv.Quote(v)
		if v != "" && (strings.Contains(msg, v) || strings.Contains(msg, quoted[1:len(quoted)-1])) {
			return fmt.Sprintf("invalid value %q once its variables are expanded; check the values they are set to", x.original)
		}
	}
	return msg
}

// expand returns a copy of n with ${VAR} replaced in every string value.
// Keys, tags and structure are never expanded, so a variable cannot add a
// field. "$$" writes a literal "$", and any other "${" that starts no valid
// reference is an error. A variable that lookup does not know is an error
// naming it, never its neighbors' values. Each expanded scalar is recorded
// in d.expanded.
func (d *Document) expand(n *yaml.Node, path string, lookup Lookup) (*yaml.Node, ErrorList) {
	c := *n
	d.origins.files[&c] = d.file(n)

	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag != "!!str" || !strings.Contains(n.Value, "$") {
			return &c, nil
		}
		x, missing, err := expandString(n.Value, lookup)
		if err != nil {
			return &c, ErrorList{d.errorAt(n, path, err.Error())}
		}
		if len(missing) > 0 {
			var list ErrorList
			for _, name := range missing {
				list = append(list, d.errorAt(n, path, fmt.Sprintf("variable %s is not set; set it in the environment or in the deployment's variables", name)))
			}
			return &c, list
		}
		c.Value = x.value
		if len(x.values) > 0 {
			d.expanded[&c] = x
		}
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

// maxShownReference caps how much of an invalid reference an error quotes,
// since the text after "${" may be part of a literal secret.
const maxShownReference = 24

// expandString replaces the references in s and lists the names that
// lookup does not know. A "${" that starts no ${NAME} reference is an
// error that quotes the reference only.
func expandString(s string, lookup Lookup) (expansion, []string, error) {
	x := expansion{original: s}
	var missing []string
	var out strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '$' || i+1 == len(s) || (s[i+1] != '$' && s[i+1] != '{') {
			out.WriteByte(s[i])
			i++
			continue
		}
		if s[i+1] == '$' {
			out.WriteByte('$')
			i += 2
			continue
		}

		m := reference.FindStringSubmatchIndex(s[i:])
		if m == nil || m[0] != 0 || m[2] < 0 {
			return x, nil, fmt.Errorf("invalid variable reference %q; write ${NAME} with letters, digits and _, or $$ for a literal $", shownReference(s[i:]))
		}
		name := s[i+m[2] : i+m[3]]
		value, ok := lookup(name)
		if !ok {
			missing = append(missing, name)
		}
		x.values = append(x.values, value)
		out.WriteString(value)
		i += m[1]
	}
	x.value = out.String()
	return x, missing, nil
}

// shownReference returns the start of s up to its first "}", shortened to
// maxShownReference bytes.
func shownReference(s string) string {
	if end := strings.IndexByte(s, '}'); end >= 0 {
		s = s[:end+1]
	}
	if len(s) > maxShownReference {
		s = strings.ToValidUTF8(s[:maxShownReference], "") + "..."
	}
	return s
}
