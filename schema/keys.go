package schema

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// checkKeys reports every key of n that t does not declare, every key given
// twice, and every value whose YAML kind cannot fill its Go type. It walks
// the tree itself because yaml.v3 offers known-field checking only on a
// Decoder, never on a merged node tree.
func (d *Document) checkKeys(n *yaml.Node, t reflect.Type, path string) ErrorList {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if isNull(n) {
		return nil
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		// Decode now, so that the type's own error gets a position. A value
		// with a reference is decoded only once it is expanded.
		if containsReference(n) {
			return nil
		}
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			msg := decodeLine.ReplaceAllString(err.Error(), "$2")
			return ErrorList{d.errorAt(n, path, msg)}
		}
		return nil
	}

	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return ErrorList{d.errorAt(n, path, "must be a mapping with the keys "+strings.Join(fieldNames(t), ", "))}
		}
		return d.checkMapping(n, path, func(key string) (reflect.Type, bool) {
			f, ok := fieldByKey(t, key)
			return f, ok
		}, fieldNames(t))

	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return ErrorList{d.errorAt(n, path, "must be a mapping")}
		}
		return d.checkMapping(n, path, func(string) (reflect.Type, bool) { return t.Elem(), true }, nil)

	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return ErrorList{d.errorAt(n, path, "must be a list, such as [a, b]")}
		}
		var list ErrorList
		for i, item := range n.Content {
			list = append(list, d.checkKeys(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))...)
		}
		return list

	default:
		if n.Kind != yaml.ScalarNode {
			return ErrorList{d.errorAt(n, path, "must be a single value, not a list or mapping")}
		}
		return nil
	}
}

func (d *Document) checkMapping(n *yaml.Node, path string, lookup func(string) (reflect.Type, bool), allowed []string) ErrorList {
	var list ErrorList
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		keyPath := joinPath(path, key.Value)
		if seen[key.Value] {
			list = append(list, d.errorAt(key, keyPath, "key given twice; keep one"))
			continue
		}
		seen[key.Value] = true

		t, ok := lookup(key.Value)
		if !ok {
			list = append(list, d.errorAt(key, keyPath, unknownKeyMessage(key.Value, allowed)))
			continue
		}
		list = append(list, d.checkKeys(value, t, keyPath)...)
	}
	return list
}

// errorAt returns an error positioned at n. When n is an expanded value,
// msg shows the value as written, never what its variables hold.
func (d *Document) errorAt(n *yaml.Node, path, msg string) *Error {
	if x, ok := d.expanded[n]; ok {
		msg = x.hide(msg)
	}
	return &Error{File: d.file(n), Line: n.Line, Column: n.Column, Path: path, Msg: msg}
}

// containsReference reports whether a scalar at or below n contains "${".
func containsReference(n *yaml.Node) bool {
	if n.Kind == yaml.ScalarNode {
		return strings.Contains(n.Value, "${")
	}
	for _, c := range n.Content {
		if containsReference(c) {
			return true
		}
	}
	return false
}

// unknownKeyMessage returns the message for a key that is not one of
// allowed, with the allowed key closest to it when that looks like a typo.
func unknownKeyMessage(key string, allowed []string) string {
	list := strings.Join(allowed, ", ")
	if suggestion := closestKey(key, allowed); suggestion != "" {
		return fmt.Sprintf("unknown key %q; did you mean %s? Allowed keys are %s", key, suggestion, list)
	}
	return fmt.Sprintf("unknown key %q; allowed keys are %s", key, list)
}

// closestKey returns the key of allowed with the smallest edit distance to
// key, if that distance is at most a third of key's length (at least 1)
// and no other key is as close.
func closestKey(key string, allowed []string) string {
	if len(key) > 64 {
		return ""
	}
	limit := max(1, len(key)/3)
	best, bestDistance, tie := "", limit+1, false
	for _, candidate := range allowed {
		distance := editDistance(strings.ToLower(key), candidate)
		switch {
		case distance < bestDistance:
			best, bestDistance, tie = candidate, distance, false
		case distance == bestDistance:
			tie = true
		}
	}
	if tie {
		return ""
	}
	return best
}

// editDistance returns the Levenshtein distance between a and b in bytes:
// the number of byte insertions, deletions and substitutions that turn a
// into b. Config keys are ASCII.
func editDistance(a, b string) int {
	previous := make([]int, len(b)+1)
	current := make([]int, len(b)+1)
	for j := range previous {
		previous[j] = j
	}
	for i := 1; i <= len(a); i++ {
		current[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			current[j] = min(previous[j]+1, current[j-1]+1, previous[j-1]+cost)
		}
		previous, current = current, previous
	}
	return previous[len(b)]
}

// fieldByKey finds the type of the field that YAML key fills, looking into
// inline embedded structs.
func fieldByKey(t reflect.Type, key string) (reflect.Type, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, inline := yamlName(f)
		if inline {
			if ft, ok := fieldByKey(f.Type, key); ok {
				return ft, true
			}
			continue
		}
		if name == key {
			return f.Type, true
		}
	}
	return nil, false
}

// fieldNames lists the YAML keys of t, sorted.
func fieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, inline := yamlName(f)
		switch {
		case inline:
			names = append(names, fieldNames(f.Type)...)
		case name != "-" && f.IsExported():
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// yamlName returns the key of a struct field and whether it is inlined.
func yamlName(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("yaml")
	name, opts, _ := strings.Cut(tag, ",")
	if strings.Contains(","+opts+",", ",inline,") {
		return "", true
	}
	if name == "" {
		name = strings.ToLower(f.Name)
	}
	return name, false
}
