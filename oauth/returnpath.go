package oauth

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxReturnPathLength is the maximum length in bytes of a return path
// accepted by [SafeReturnPath].
const MaxReturnPathLength = 1024

// SafeReturnPath reports whether raw, a user-supplied address to return to
// after sign-in (such as a return_to query parameter), is a same-origin
// path that is safe to use as a redirect target. It returns raw unchanged
// and true, or "" and false. It never repairs a value, because a repaired
// open-redirect payload is still a payload.
//
// A value is accepted only when all of these hold:
//
//   - It is 1 to [MaxReturnPathLength] bytes of valid UTF-8.
//   - It starts with exactly one "/", and the second byte is neither "/",
//     "\" nor non-ASCII. Because the first byte is "/", no scheme such as
//     "javascript:" can precede it.
//   - It contains no backslash, no control character (C0, including tab,
//     CR, LF and NUL, DEL, or C1) and no look-alike of "/", "\" or "." such
//     as U+2215, U+2044, U+FF0F, U+FF3C, U+3002, U+FF0E or U+2024.
//     Browsers read "\" as "/" and drop tab, CR and LF, so "/\evil.example"
//     and "/\t/evil.example" lead to another host. IDNA treats U+3002,
//     U+FF0E and U+FF61 as dots in host names (RFC 3490, section 3.1).
//   - Its path, the part before the first "?" or "#", contains no empty
//     segment ("//") and no percent-encoded "/", "\" or control character
//     (%2F, %5C, %00 to %1F, %7F, in either case). After one
//     percent-decoding, the path must be valid UTF-8 and pass this rule and
//     the previous one. This rejects double encoding such as "%252F" and
//     overlong UTF-8 such as "%C0%AF", which lenient decoders turn into "/".
//   - [url.Parse] accepts it and finds no scheme, host, user info or
//     opaque part.
//
// The query and the fragment are kept and may contain encoded slashes, as
// in "/search?q=%2F", because they cannot change the host of the redirect.
func SafeReturnPath(raw string) (string, bool) {
	if raw == "" || len(raw) > MaxReturnPathLength {
		return "", false
	}
	if raw[0] != '/' {
		return "", false
	}
	if len(raw) > 1 && (raw[1] == '/' || raw[1] == '\\' || raw[1] >= utf8.RuneSelf) {
		return "", false
	}
	if !utf8.ValidString(raw) || !hasOnlySafeRunes(raw) {
		return "", false
	}

	path := raw
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		path = raw[:i]
	}
	if !isSafePath(path) {
		return "", false
	}
	decoded, err := url.PathUnescape(path)
	if err != nil || !utf8.ValidString(decoded) || !hasOnlySafeRunes(decoded) || !isSafePath(decoded) {
		return "", false
	}

	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "", false
	}
	return raw, true
}

// hasOnlySafeRunes reports whether s, valid UTF-8, contains no backslash,
// no control character and no look-alike of "/", "\" or ".".
func hasOnlySafeRunes(s string) bool {
	for _, r := range s {
		if r == '\\' || unicode.IsControl(r) || isSeparatorLookalike(r) {
			return false
		}
	}
	return true
}

// isSeparatorLookalike reports whether r is a non-ASCII character that
// looks like "/", "\" or ".".
func isSeparatorLookalike(r rune) bool {
	switch r {
	case
		// look-alikes of "/"
		'\u0337', // combining short solidus overlay
		'\u0338', // combining long solidus overlay
		'\u1735', // Philippine single punctuation
		'\u2044', // fraction slash
		'\u2215', // division slash
		'\u2571', // box drawings light diagonal upper right to lower left
		'\u29F8', // big solidus
		'\uFF0F', // fullwidth solidus
		// look-alikes of "\"
		'\u2216', // set minus
		'\u2572', // box drawings light diagonal upper left to lower right
		'\u29F5', // reverse solidus operator
		'\u29F9', // big reverse solidus
		'\uFE68', // small reverse solidus
		'\uFF3C', // fullwidth reverse solidus
		// look-alikes of "."
		'\u2024', // one dot leader
		'\u2E3C', // stenographic full stop
		'\u3002', // ideographic full stop
		'\uFE52', // small full stop
		'\uFF0E', // fullwidth full stop
		'\uFF61': // halfwidth ideographic full stop
		return true
	}
	return false
}

// isSafePath reports whether path contains no empty segment and no
// percent-encoded "/", "\" or control character.
func isSafePath(path string) bool {
	if strings.Contains(path, "//") {
		return false
	}
	for i := 0; i+2 < len(path); i++ {
		if path[i] != '%' {
			continue
		}
		hi, okHi := hexValue(path[i+1])
		lo, okLo := hexValue(path[i+2])
		if !okHi || !okLo {
			continue
		}
		b := hi<<4 | lo
		if b == '/' || b == '\\' || b < 0x20 || b == 0x7f {
			return false
		}
	}
	return true
}

func hexValue(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
