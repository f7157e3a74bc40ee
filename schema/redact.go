package schema

import (
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// YAML returns the document as YAML text with literal credentials shown as
// "[redacted]". Those are client_secret values and the values of headers
// and params whose names contain auth, key, secret, token, password or
// cookie, in any case, unless the name ends in _type, _type_hint or
// _method. A value made only of ${VAR} references and {placeholders},
// optionally after an authorization scheme such as "Bearer ", is kept. The
// output is safe to print, and once the redacted values are set again it
// can be pasted back into a deployment file.
func (d *Document) YAML() ([]byte, error) {
	return yaml.Marshal(redactCredentials(d.root, false))
}

// redactCredentials returns a copy of n with the literal credentials
// replaced. headersOrParams is true when n is a headers or params mapping.
func redactCredentials(n *yaml.Node, headersOrParams bool) *yaml.Node {
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	if c.Kind != yaml.MappingNode {
		for i, child := range n.Content {
			c.Content[i] = redactCredentials(child, false)
		}
		return &c
	}

	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		c.Content[i] = key
		credential := key.Value == "client_secret" || headersOrParams && isCredentialName(key.Value)
		if credential && value.Kind == yaml.ScalarNode && value.Value != "" && !isIndirect(value.Value) {
			c.Content[i+1] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: redacted}
			continue
		}
		c.Content[i+1] = redactCredentials(value, key.Value == "headers" || key.Value == "params")
	}
	return &c
}

// isCredentialName reports whether a header or param name looks like it
// carries a credential: it contains auth, key, secret, token, password or
// cookie, in any case. Names that end in _type, _type_hint or _method,
// such as token_type_hint and auth_type, name a kind of value and are not
// credentials.
func isCredentialName(name string) bool {
	name = strings.ToLower(name)
	for _, suffix := range []string{"_type", "_type_hint", "_method"} {
		if strings.HasSuffix(name, suffix) {
			return false
		}
	}
	for _, word := range []string{"auth", "key", "secret", "token", "password", "cookie"} {
		if strings.Contains(name, word) {
			return true
		}
	}
	return false
}

// indirectValue matches a value that contains no literal credential: ${VAR}
// references and {placeholder}s, separated by spaces or colons and optionally after
// an authorization scheme such as Basic or Bearer.
var indirectValue = regexp.MustCompile(`^(?:[A-Za-z][A-Za-z0-9_-]* +)?(?:\$\{[A-Za-z_][A-Za-z0-9_]*\}|\{[a-z_]+\})(?:[ :]*(?:\$\{[A-Za-z_][A-Za-z0-9_]*\}|\{[a-z_]+\}))*$`)

// isIndirect reports whether v is filled in from variables or placeholders
// only.
func isIndirect(v string) bool {
	return indirectValue.MatchString(v)
}
