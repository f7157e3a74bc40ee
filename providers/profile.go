package providers

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/presetauth/presetauth/schema"
	"github.com/tidwall/gjson"
)

// Profile is the normalized user. The mapping checks or cleans each field
// before a caller gets it:
//
//   - ID is a non-empty JSON string, or a JSON integer in its exact digits.
//     A reply is rejected with [ErrInvalidUserID] when the id is another
//     JSON type or a number with a fraction or an exponent, such as 1.5e3.
//     A text id is rejected when it is not valid UTF-8 or contains a
//     control character (including U+2028 and U+2029) or a bidirectional
//     formatting character (U+061C, U+200E, U+200F, U+202A to U+202E,
//     U+2066 to U+2069).
//   - Name and Email have those control characters removed and invalid
//     UTF-8 replaced by U+FFFD. Bidirectional formatting characters stay,
//     since right-to-left names use them. Email is otherwise as the provider
//     sent it, and the provider vouches for it only when EmailVerified is
//     true.
//   - Image is an absolute http or https URL with a host. Any other value,
//     such as a relative path or a javascript: URL, becomes "".
//   - Extra and Raw are as the provider sent them, unchecked; escape them
//     before showing them.
//
// A userinfo reply or ID token in which one object, at any depth, names a
// member twice is rejected with [ErrMalformedReply]. JSON readers disagree
// on which member counts. gjson, which reads the mapping and the userinfo
// sub, takes the first. encoding/json, which a caller may use on Raw, takes
// the last. A token reply is not rejected for that, and its fields, like a
// profile built from them, keep the first member.
type Profile struct {
	ID            string          `json:"id"`
	Name          string          `json:"name,omitempty"`
	Email         string          `json:"email,omitempty"`
	EmailVerified bool            `json:"email_verified,omitempty"`
	Image         string          `json:"image,omitempty"`
	Extra         map[string]any  `json:"extra,omitempty"` // numbers as json.Number
	Raw           json.RawMessage `json:"-"`               // the userinfo reply as received
}

// Mapping is a compiled profile mapping.
type Mapping struct {
	id, name, email, emailVerified, image []string
	extra                                 []extraPath

	// keys lists every path once when each is a plain member name of the
	// top-level object, as in most presets. Apply then reads the reply in
	// one pass instead of one pass per path.
	keys []string
}

// maxPlainKeys bounds keys, so that Apply keeps the values it finds in a
// fixed-size array on the stack.
const maxPlainKeys = 16

type extraPath struct {
	name  string
	paths []string
}

// NewMapping checks every path of m and compiles the mapping.
func NewMapping(m schema.ProfileMapping) (*Mapping, error) {
	out := &Mapping{
		id:            m.ID,
		name:          m.Name,
		email:         m.Email,
		emailVerified: m.EmailVerified,
		image:         m.Image,
	}
	names := make([]string, 0, len(m.Extra))
	for name := range m.Extra {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		out.extra = append(out.extra, extraPath{name: name, paths: m.Extra[name]})
	}

	all := [][]string{out.id, out.name, out.email, out.emailVerified, out.image}
	for _, e := range out.extra {
		all = append(all, e.paths)
	}
	for _, paths := range all {
		for _, path := range paths {
			if err := schema.CheckPath(path); err != nil {
				return nil, fmt.Errorf("profile mapping: %w", err)
			}
		}
	}
	out.keys = plainKeys(all)
	return out, nil
}

// plainKeys returns the distinct paths when every one is a member name
// that gjson reads literally (letters, digits, "_" and "-") and there are
// at most maxPlainKeys of them, and nil otherwise.
func plainKeys(all [][]string) []string {
	var keys []string
	for _, paths := range all {
		for _, path := range paths {
			for _, c := range path {
				if !unicode.IsLetter(c) && !unicode.IsDigit(c) && c != '_' && c != '-' {
					return nil
				}
			}
			if !slices.Contains(keys, path) {
				keys = append(keys, path)
			}
		}
	}
	if len(keys) == 0 || len(keys) > maxPlainKeys {
		return nil
	}
	return keys
}

// Apply maps a profile reply onto a Profile, checking and cleaning the
// values as described on [Profile]. The id may be a JSON string or an
// integer (kept digit for digit); every other field may be absent.
func (m *Mapping) Apply(raw []byte) (*Profile, error) {
	if m == nil {
		return nil, errors.New("providers: nil profile mapping; build one with NewMapping")
	}
	if !gjson.ValidBytes(raw) {
		return nil, fmt.Errorf("%w: expected a JSON object", ErrMalformedReply)
	}
	root := gjson.ParseBytes(raw)
	if !root.IsObject() {
		return nil, fmt.Errorf("%w: expected a JSON object", ErrMalformedReply)
	}

	values := pathValues{root: root, keys: m.keys}
	var err error
	if m.keys == nil {
		err = checkMembers(root, 0)
	} else {
		// One pass over the top level checks the member names and keeps
		// the mapped members.
		var names memberNames
		root.ForEach(func(key, value gjson.Result) bool {
			if !names.add(key.Str) {
				err = duplicateMemberError(key.Str)
				return false
			}
			if err = checkMembers(value, 1); err != nil {
				return false
			}
			if i := slices.Index(m.keys, key.Str); i >= 0 {
				values.found[i] = value
			}
			return true
		})
	}
	if err != nil {
		return nil, err
	}

	id, err := userID(&values, m.id)
	if err != nil {
		return nil, err
	}
	p := &Profile{ID: id, Raw: json.RawMessage(raw)}
	p.Name = removeControl(first(&values, m.name))
	p.Email = removeControl(first(&values, m.email))
	p.Image = webURL(first(&values, m.image))
	p.EmailVerified = firstBool(&values, m.emailVerified)

	if len(m.extra) > 0 {
		p.Extra = make(map[string]any, len(m.extra))
		for _, e := range m.extra {
			if v, ok := firstValue(&values, e.paths); ok {
				p.Extra[e.name] = jsonValue(v)
			}
		}
	}
	return p, nil
}

// pathValues reads the paths of a mapping from one reply: from the members
// found in one pass when the mapping has plain keys, else with gjson. The
// array lives inside the struct so that it stays on the stack.
type pathValues struct {
	root  gjson.Result
	keys  []string
	found [maxPlainKeys]gjson.Result // found[i] is the member named keys[i]
}

func (v *pathValues) get(path string) gjson.Result {
	if v.keys == nil {
		return v.root.Get(path)
	}
	if i := slices.Index(v.keys, path); i >= 0 {
		return v.found[i]
	}
	return gjson.Result{}
}

// first returns the first path that holds a non-empty string or a number,
// with numbers in their exact digits. A template counts when all its parts
// do.
func first(values *pathValues, paths []string) string {
	for _, path := range paths {
		if template, ok := strings.CutPrefix(path, "="); ok {
			if s, ok := renderTemplate(values, template); ok {
				return s
			}
			continue
		}
		v := values.get(path)
		switch v.Type {
		case gjson.String:
			if v.Str != "" {
				return v.Str
			}
		case gjson.Number:
			return v.Raw
		}
	}
	return ""
}

// renderTemplate replaces each {path} of a profile template with its
// string or number value. It reports false when a part has no such value.
func renderTemplate(values *pathValues, template string) (string, bool) {
	var b strings.Builder
	for {
		open := strings.IndexByte(template, '{')
		if open < 0 {
			b.WriteString(template)
			return b.String(), true
		}
		end := strings.IndexByte(template[open:], '}')
		if end < 0 {
			return "", false
		}
		value := first(values, []string{template[open+1 : open+end]})
		if value == "" {
			return "", false
		}
		b.WriteString(template[:open])
		b.WriteString(value)
		template = template[open+end+1:]
	}
}

// firstBool reads a JSON boolean or the strings "true" and "false", as
// some providers send email_verified.
func firstBool(values *pathValues, paths []string) bool {
	for _, path := range paths {
		v := values.get(path)
		switch v.Type {
		case gjson.True:
			return true
		case gjson.False:
			return false
		case gjson.String:
			return strings.EqualFold(v.Str, "true")
		}
	}
	return false
}

func firstValue(values *pathValues, paths []string) (gjson.Result, bool) {
	for _, path := range paths {
		if v := values.get(path); v.Exists() && v.Type != gjson.Null {
			return v, true
		}
	}
	return gjson.Result{}, false
}
