package providers

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/presetauth/presetauth/schema"
	"github.com/tidwall/gjson"
)

// Profile is the normalized user.
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
}

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
	return out, nil
}

// Apply maps a profile reply onto a Profile. The id may be a JSON string
// or number (kept digit for digit); every other field may be absent.
func (m *Mapping) Apply(raw []byte) (*Profile, error) {
	if !gjson.ValidBytes(raw) {
		return nil, fmt.Errorf("%w: expected a JSON object", ErrMalformedReply)
	}
	root := gjson.ParseBytes(raw)
	if !root.IsObject() {
		return nil, fmt.Errorf("%w: expected a JSON object", ErrMalformedReply)
	}

	p := &Profile{Raw: json.RawMessage(raw)}
	p.ID = first(root, m.id)
	if p.ID == "" {
		return nil, fmt.Errorf("%w at %s", ErrMissingUserID, strings.Join(m.id, " or "))
	}
	p.Name = first(root, m.name)
	p.Email = first(root, m.email)
	p.Image = first(root, m.image)
	p.EmailVerified = firstBool(root, m.emailVerified)

	if len(m.extra) > 0 {
		p.Extra = make(map[string]any, len(m.extra))
		for _, e := range m.extra {
			if v, ok := firstValue(root, e.paths); ok {
				p.Extra[e.name] = jsonValue(v)
			}
		}
	}
	return p, nil
}

// first returns the first path that holds a non-empty string or a number.
func first(root gjson.Result, paths []string) string {
	return firstScalar(root, paths)
}

// firstBool reads a JSON boolean or the strings "true" and "false", as
// some providers send email_verified.
func firstBool(root gjson.Result, paths []string) bool {
	for _, path := range paths {
		v := root.Get(path)
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

func firstValue(root gjson.Result, paths []string) (gjson.Result, bool) {
	for _, path := range paths {
		if v := root.Get(path); v.Exists() && v.Type != gjson.Null {
			return v, true
		}
	}
	return gjson.Result{}, false
}
