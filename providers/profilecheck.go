package providers

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// maxQuoted caps a value from a reply that an error quotes.
const maxQuoted = 40

// userID returns the user id at the first of paths that holds a value, as
// described on [Profile]. Paths that are missing, null or "" are skipped,
// and a template counts when every part has a value. The first value
// found decides: a later path is not tried when it is invalid, so that a
// reply cannot switch the sign-in to another id field.
func userID(values *pathValues, paths []string) (string, error) {
	for _, path := range paths {
		if template, ok := strings.CutPrefix(path, "="); ok {
			id, ok := renderTemplate(values, template)
			if !ok {
				continue
			}
			return id, checkUserIDText(path, id)
		}

		v := values.get(path)
		switch v.Type {
		case gjson.Null:
			continue
		case gjson.String:
			if v.Str == "" {
				continue
			}
			return v.Str, checkUserIDText(path, v.Str)
		case gjson.Number:
			if !isInteger(v.Raw) {
				return "", invalidUserID("user id at %s is %s, not an integer", path, shorten(v.Raw, maxQuoted))
			}
			return v.Raw, nil
		case gjson.True, gjson.False:
			return "", invalidUserID("user id at %s is a boolean, not a string or number", path)
		case gjson.JSON:
			kind := "an object"
			if v.IsArray() {
				kind = "an array"
			}
			return "", invalidUserID("user id at %s is %s, not a string or number", path, kind)
		}
	}
	return "", &detailError{
		text: fmt.Sprintf("%v at %s", ErrMissingUserID, strings.Join(paths, " or ")),
		kind: ErrMissingUserID,
	}
}

func invalidUserID(format string, args ...any) error {
	return &detailError{text: fmt.Sprintf(format, args...), kind: ErrInvalidUserID}
}

// isInteger reports whether a JSON number has neither a fraction nor an
// exponent.
func isInteger(number string) bool {
	digits := strings.TrimPrefix(number, "-")
	if digits == "" {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// checkUserIDText rejects a text id that is not valid UTF-8 or that
// contains a character that could forge log lines or reorder displayed
// text. The error names the character, not the id.
func checkUserIDText(path, id string) error {
	if !utf8.ValidString(id) {
		return invalidUserID("user id at %s is not valid UTF-8", path)
	}
	for _, r := range id {
		if isControl(r) {
			return invalidUserID("user id at %s contains the control character %U", path, r)
		}
		if isBidiFormatting(r) {
			return invalidUserID("user id at %s contains the bidirectional formatting character %U", path, r)
		}
	}
	return nil
}

// isControl reports whether r is a control character (Unicode category
// Cc) or the line or paragraph separator, which some log readers and
// JavaScript treat as a line break.
func isControl(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

// isBidiFormatting reports whether r is one of the explicit
// bidirectional formatting characters of Unicode Standard Annex #9
// (section 2): the marks, embeddings, overrides and isolates.
func isBidiFormatting(r rune) bool {
	switch {
	case r == '\u061C', r == '\u200E', r == '\u200F':
		return true
	case r >= '\u202A' && r <= '\u202E':
		return true
	case r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// removeControl removes the characters that isControl reports and
// replaces invalid UTF-8 with U+FFFD.
func removeControl(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return -1
		}
		return r
	}, s)
}

// webURL returns s, with its scheme in lower case, when it is an absolute
// http or https URL with a host, and "" otherwise.
func webURL(s string) string {
	if s == "" {
		return ""
	}
	if plainWebURL(s) {
		return s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	// url.Parse takes the scheme from the start of s and lowers its case.
	if strings.HasPrefix(s, u.Scheme) {
		return s
	}
	return u.Scheme + s[len(u.Scheme):]
}

// plainWebURL reports whether s is a lower-case http or https URL with a
// host, made only of printable ASCII without "%" or "\\", which url.Parse
// always accepts with that scheme and host. It spares the common case the
// allocations of url.Parse; other strings take the full parse.
func plainWebURL(s string) bool {
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(s, "http://"); !ok {
			return false
		}
	}
	host := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		host = rest[:i]
	}
	if host == "" || strings.ContainsAny(host, "@[]") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '%' || c == '\\' {
			return false
		}
	}
	return true
}

// maxProfileDepth caps the nesting of objects and arrays in a profile
// reply. Real profiles nest a few levels; the cap bounds the recursion of
// checkMembers.
const maxProfileDepth = 64

// checkMembers returns an error when an object in v, at any depth, names
// a member twice, or when v nests deeper than maxProfileDepth.
func checkMembers(v gjson.Result, depth int) error {
	if v.Type != gjson.JSON {
		return nil
	}
	if depth >= maxProfileDepth {
		return &detailError{
			text: fmt.Sprintf("%v: nested deeper than %d levels", ErrMalformedReply, maxProfileDepth),
			kind: ErrMalformedReply,
		}
	}

	var err error
	if v.IsArray() {
		v.ForEach(func(_, item gjson.Result) bool {
			err = checkMembers(item, depth+1)
			return err == nil
		})
		return err
	}

	var names memberNames
	v.ForEach(func(key, value gjson.Result) bool {
		if !names.add(key.Str) {
			err = duplicateMemberError(key.Str)
			return false
		}
		err = checkMembers(value, depth+1)
		return err == nil
	})
	return err
}

func duplicateMemberError(name string) error {
	return &detailError{
		text: fmt.Sprintf("%v: member %q appears twice in one object", ErrMalformedReply, shorten(name, maxQuoted)),
		kind: ErrMalformedReply,
	}
}

// memberNames is a set of the member names of one object. Objects of up to
// 64 members use the array and need no allocation. The largest object in
// the emulator fixtures of the built-in presets, GitHub's user, has 39.
type memberNames struct {
	small [64]string
	count int
	large map[string]struct{}
}

// add adds name and reports whether it was new.
func (n *memberNames) add(name string) bool {
	if n.large != nil {
		if _, ok := n.large[name]; ok {
			return false
		}
		n.large[name] = struct{}{}
		return true
	}
	for _, seen := range n.small[:n.count] {
		if seen == name {
			return false
		}
	}
	if n.count < len(n.small) {
		n.small[n.count] = name
		n.count++
		return true
	}
	n.large = make(map[string]struct{}, 2*len(n.small))
	for _, seen := range n.small {
		n.large[seen] = struct{}{}
	}
	n.large[name] = struct{}{}
	return true
}
