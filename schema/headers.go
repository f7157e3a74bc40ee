package schema

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// checkHeaders checks the header names and values of every request of the
// spec whose expanded tree is root, so that a bad header fails validation
// rather than the first sign-in. Names must be RFC 9110 tokens. Values may
// hold no control character but tab, which rules out CR and LF and so a
// second header smuggled into a value.
func (d *Document) checkHeaders(root *yaml.Node, prefix string) ErrorList {
	var list ErrorList
	check := func(endpoint *yaml.Node, path string) {
		headers := mappingValue(endpoint, "headers")
		if headers == nil || headers.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(headers.Content); i += 2 {
			key, value := headers.Content[i], headers.Content[i+1]
			headerPath := joinPath(prefix, path+".headers."+key.Value)
			if !isToken(key.Value) {
				list = append(list, d.errorAt(key, headerPath, fmt.Sprintf("invalid header name %q; use letters, digits and !#$%%&'*+-.^_`|~", key.Value)))
			}
			if strings.ContainsFunc(value.Value, isControlInHeader) {
				list = append(list, d.errorAt(value, headerPath, "header value contains a control character, such as a line break; remove it"))
			}
		}
	}

	for _, name := range []string{"authorization", "token", "userinfo", "exchange", "refresh"} {
		endpoint := mappingValue(root, name)
		if endpoint == nil || endpoint.Kind != yaml.MappingNode {
			continue
		}
		check(endpoint, name)
		if name != "userinfo" {
			continue
		}
		include := mappingValue(endpoint, "include")
		if include == nil || include.Kind != yaml.SequenceNode {
			continue
		}
		for i, item := range include.Content {
			if item.Kind == yaml.MappingNode {
				check(item, fmt.Sprintf("userinfo.include[%d]", i))
			}
		}
	}
	return list
}

// isToken reports whether s is an RFC 9110 token, the form of a header
// name.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// isControlInHeader reports whether r may not appear in a header value:
// every C0 control but horizontal tab, and DEL (RFC 9110 §5.5).
func isControlInHeader(r rune) bool {
	return r < 0x20 && r != '\t' || r == 0x7f
}
