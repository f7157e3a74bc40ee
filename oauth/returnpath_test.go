package oauth

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

const appHost = "app.example"

var appBase = &url.URL{Scheme: "https", Host: appHost, Path: "/"}

var acceptedReturnPaths = []string{
	"/",
	"/profile",
	"/a/b",
	"/a/b/",
	"/a/b?x=1&y=2",
	"/search?q=%2F", // an encoded slash in the query cannot change the host
	"/search?q=%2f%2fevil.example",
	"/search?q=%5C%00%0d%0a", // the query is percent-encoded, so no raw control reaches the header
	"/next?url=https://evil.example",
	"/?//evil.example",
	"/?",
	"/#",
	"/settings#section-2",
	"/docs#%2F%2Fevil.example",
	"/a:b",
	"/users/42:edit",
	"/.well-known/openid-configuration",
	"/a/./b",
	"/a/../b",
	"/..",
	"/~user",
	"/caf%C3%A9",
	"/café",
	"/a/東京",
	"/100%25",
	"/%2e%2e/x",
	"/a%20b",
	"/a b",
	"/a-b_c.d~e!$&'()*+,;=:@",
	"/" + strings.Repeat("a", MaxReturnPathLength-1),
}

// redirectPrefixes each lead away from app.example when a host follows,
// as written, as a browser reads them, or after a lenient decoding.
var redirectPrefixes = []string{
	"//", "///", "////", "/\\", "\\/", "\\\\", "\\", "/\\/", "//\\", "\\//",
	"/%2f", "/%2F", "/%2f%2f", "/%2F%2F", "/%5c", "/%5C", "/%5c%5c", "%2f%2f", "%2F%2F", "%5c%5c",
	"/%252f", "/%252F%252F", "/%255c",
	"/\t/", "/\r\n/", "/\n/", "/\r/", "/\x00/", "/\x0b/", "/\x0c/", "/\x7f/", "\t//", "\n//",
	"/%09/", "/%0a/", "/%0d/", "/%0d%0a/", "/%00/", "/%7f/", "/%1f/",
	" //", "  //", " /\\", "\t/\\",
	"/\u2215", "\u2215\u2215", "/\u2044", "\u2044\u2044", "/\uff0f", "\uff0f\uff0f", "/\uff3c", "\uff3c\uff3c",
	"/\u2216", "/\u29f8", "/\ufe68",
	"/%e2%88%95", "/%ef%bc%8f", "/%ef%bc%bc",
	"/%c0%af", "/%C0%AF", "/%e0%80%af", "/%c1%9c", "/%c0%af%c0%af",
	"/.//", "/./\\", "/a/.//",
	"https://", "http://", "HTTPS://", "HtTpS://", "hTTp://", "https:/\\", "https:\\\\", "https:\\/",
	"ftp://", "ws://", "//user@", "//user:pass@", "/\\user@", "//app.example@",
}

var redirectHosts = []string{
	"evil.example",
	"evil.example/path?x=1",
	"evil.example:443",
	"user@evil.example",
}

// rejectedReturnPaths are open-redirect payloads and malformed values
// that SafeReturnPath must reject.
func rejectedReturnPaths() []string {
	payloads := []string{
		"",
		"evil.example",
		"./evil.example",
		"../evil.example",
		" /evil.example",
		"\t/evil.example",
		"?next=/profile",
		"#//evil.example",
		"%2f%2fevil.example",
		"%2Fevil.example",
		"/\\evil.example",
		"\\/evil.example",
		"\\\\evil.example",
		"javascript:alert(1)",
		"JaVaScRiPt:alert(1)",
		"javascript://%0aalert(1)",
		"java\tscript:alert(1)",
		" javascript:alert(1)",
		"vbscript:msgbox(1)",
		"data:text/html,<script>alert(1)</script>",
		"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
		"DATA:text/html,x",
		"file:///etc/passwd",
		"https:evil.example",
		"https:/evil.example",
		"mailto:a@evil.example",
		"/\x00",
		"/\x7f",
		"/a\tb",
		"/a\nLocation: https://evil.example",
		"/a\r\nSet-Cookie: x=1",
		"/a\u0085b",
		"/a%c2%85b",
		"/a?b\\c",
		"/a#\\evil.example",
		"/a%00b",
		"/a%2fb",
		"/a%2Fb",
		"/a%5cb",
		"/a%0Ab",
		"/a//b",
		"/a/..//evil.example",
		"/%2e%2e//evil.example",
		"/a%zz",
		"/a#%zz",
		"/\xff",
		"/a\xc0\xafb",
		"/\u3002evil.example",
		"/a\u3002b",
		"/a\uff0eb",
		"/a\u2024b",
		"/a\uff61b",
		"/\u00a0/evil.example",
		"/\u3000/evil.example",
		"/" + strings.Repeat("a", MaxReturnPathLength),
		"/" + strings.Repeat("a/", 600),
	}
	for _, prefix := range redirectPrefixes {
		for _, host := range redirectHosts {
			payloads = append(payloads, prefix+host)
		}
	}
	return payloads
}

func TestSafeReturnPathAccepts(t *testing.T) {
	for _, path := range acceptedReturnPaths {
		t.Run(shortQuote(path), func(t *testing.T) {
			got, ok := SafeReturnPath(path)
			if !ok {
				t.Fatalf("SafeReturnPath(%q) rejected a same-origin path", path)
			}
			if got != path {
				t.Errorf("SafeReturnPath(%q) = %q; want the input unchanged", path, got)
			}

			resolved, err := resolveAgainstApp(path)
			if err != nil {
				t.Fatalf("resolve %q: %v", path, err)
			}
			if resolved.Scheme != "https" {
				t.Errorf("%q resolves to scheme %q; want https", path, resolved.Scheme)
			}
			if resolved.Host != appHost {
				t.Errorf("%q resolves to host %q; want %s", path, resolved.Host, appHost)
			}
		})
	}
}

func TestSafeReturnPathRejects(t *testing.T) {
	payloads := rejectedReturnPaths()
	if len(payloads) < 150 {
		t.Fatalf("only %d payloads; want at least 150", len(payloads))
	}

	t.Logf("%d payloads", len(payloads))
	reasons := make(map[string]int)
	for _, payload := range payloads {
		t.Run(shortQuote(payload), func(t *testing.T) {
			got, ok := SafeReturnPath(payload)
			if ok {
				t.Errorf("SafeReturnPath(%q) = %q, true; want rejection", payload, got)
			}
			if got != "" {
				t.Errorf("SafeReturnPath(%q) = %q; want empty on rejection", payload, got)
			}

			// The payload must be worth rejecting: it leaves app.example
			// in some reading, or it is malformed.
			reason := unsafeReason(payload)
			if reason == "" {
				t.Errorf("%q stays on %s in every reading and is well formed; it is no payload", payload, appHost)
			}
			reasons[reason]++
		})
	}

	names := make([]string, 0, len(reasons))
	for name := range reasons {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Logf("%4d payloads: %s", reasons[name], name)
	}
}

func TestSafeReturnPathLength(t *testing.T) {
	longest := "/" + strings.Repeat("a", MaxReturnPathLength-1)
	if _, ok := SafeReturnPath(longest); !ok {
		t.Errorf("SafeReturnPath rejected a path of %d bytes", len(longest))
	}
	if _, ok := SafeReturnPath(longest + "a"); ok {
		t.Errorf("SafeReturnPath accepted a path of %d bytes; max is %d", len(longest)+1, MaxReturnPathLength)
	}
}

func TestSafeReturnPathLookalikes(t *testing.T) {
	for _, r := range []rune{
		'\u2215', '\u2044', '\uFF0F', '\uFF3C', '\u3002', '\uFF0E', '\u2024',
		'\u29F8', '\u29F9', '\u2216', '\uFE68', '\uFF61', '\uFE52',
	} {
		for _, path := range []string{"/" + string(r), "/a" + string(r) + "b", "/a?q=" + string(r), "/a#" + string(r)} {
			if _, ok := SafeReturnPath(path); ok {
				t.Errorf("SafeReturnPath(%q) accepted U+%04X", path, r)
			}
		}
		encoded := "/a" + url.PathEscape(string(r))
		if _, ok := SafeReturnPath(encoded); ok {
			t.Errorf("SafeReturnPath(%q) accepted encoded U+%04X", encoded, r)
		}
	}
}

func TestSafeReturnPathControlCharacters(t *testing.T) {
	for b := range 0x20 {
		for _, path := range []string{"/" + string(rune(b)), "/a" + string(rune(b)) + "b", "/a?q=" + string(rune(b))} {
			if _, ok := SafeReturnPath(path); ok {
				t.Errorf("SafeReturnPath(%q) accepted control character %#x", path, b)
			}
		}
		lower := fmt.Sprintf("/a%%%02x", b)
		for _, encoded := range []string{lower, strings.ToUpper(lower)} {
			if _, ok := SafeReturnPath(encoded); ok {
				t.Errorf("SafeReturnPath(%q) accepted encoded control character %#x", encoded, b)
			}
		}
	}
}

// FuzzSafeReturnPath checks that every accepted value stays on
// app.example with scheme https, as written, as a browser reads it, and
// after its path is percent-decoded once.
func FuzzSafeReturnPath(f *testing.F) {
	for _, path := range acceptedReturnPaths {
		f.Add(path)
	}
	for _, payload := range rejectedReturnPaths() {
		f.Add(payload)
	}

	f.Fuzz(func(t *testing.T, raw string) {
		got, ok := SafeReturnPath(raw)
		if !ok {
			if got != "" {
				t.Fatalf("SafeReturnPath(%q) = %q, false; want empty on rejection", raw, got)
			}
			return
		}

		if got != raw {
			t.Fatalf("SafeReturnPath(%q) = %q; want the input unchanged", raw, got)
		}
		if strings.ContainsRune(got, '\\') {
			t.Fatalf("SafeReturnPath accepted %q with a backslash", got)
		}
		if i := strings.IndexFunc(got, unicode.IsControl); i >= 0 {
			t.Fatalf("SafeReturnPath accepted %q with control character at byte %d", got, i)
		}

		if _, err := url.Parse(got); err != nil {
			t.Fatalf("SafeReturnPath accepted %q, which url.Parse rejects: %v", got, err)
		}

		readings := []struct{ name, value string }{
			{"as written", got},
			{"by a browser", browserReading(got)},
			{"after decoding the path", decodePathOnce(got)},
			{"by a browser after decoding the path", browserReading(decodePathOnce(got))},
		}
		for _, reading := range readings {
			resolved, err := resolveAgainstApp(reading.value)
			if err != nil {
				continue
			}
			if resolved.Scheme != "https" || resolved.Host != appHost {
				t.Fatalf("SafeReturnPath accepted %q, which read %s resolves to %s", got, reading.name, resolved)
			}
			if strings.HasPrefix(resolved.Path, "//") {
				t.Fatalf("SafeReturnPath accepted %q, which read %s resolves to path %q",
					got, reading.name, resolved.Path)
			}
		}
	})
}

func resolveAgainstApp(ref string) (*url.URL, error) {
	u, err := url.Parse(ref)
	if err != nil {
		return nil, err
	}
	return appBase.ResolveReference(u), nil
}

// unsafeReason returns why a payload is unsafe as a redirect target, or ""
// when no reading below leaves app.example and it is well formed.
func unsafeReason(payload string) string {
	readings := []struct {
		name string
		read func(string) string
	}{
		{"as written", func(s string) string { return s }},
		{"by a browser", browserReading},
		{"by a browser after folding look-alikes", func(s string) string { return browserReading(foldLookalikes(s)) }},
		{"by a browser after one lenient decoding", func(s string) string { return browserReading(lenientDecode(s)) }},
		{"by a browser after two lenient decodings", func(s string) string { return browserReading(lenientDecode(lenientDecode(s))) }},
	}
	for _, reading := range readings {
		resolved, err := resolveAgainstApp(reading.read(payload))
		if err != nil {
			continue
		}
		if resolved.Scheme != "https" || resolved.Host != appHost {
			return "leaves " + appHost + " read " + reading.name
		}
		// A server that redirects again to this path sends a
		// protocol-relative Location.
		if strings.HasPrefix(resolved.Path, "//") {
			return "resolves to a path starting with // read " + reading.name
		}
	}

	path := payload
	if i := strings.IndexAny(payload, "?#"); i >= 0 {
		path = payload[:i]
	}
	decoded, decodeErr := url.PathUnescape(path)
	switch {
	case payload == "":
		return "malformed: empty"
	case len(payload) > MaxReturnPathLength:
		return "malformed: longer than the limit"
	case !strings.HasPrefix(payload, "/"):
		return "malformed: relative to the current page, not an absolute path"
	case !utf8.ValidString(payload) || (decodeErr == nil && !utf8.ValidString(decoded)):
		return "malformed: invalid UTF-8, raw or percent-encoded"
	case strings.IndexFunc(payload, unicode.IsControl) >= 0 || strings.IndexFunc(decoded, unicode.IsControl) >= 0:
		return "malformed: control character, raw or percent-encoded"
	case strings.ContainsRune(payload, '\\') || strings.ContainsRune(decoded, '\\'):
		return "malformed: backslash, raw or percent-encoded"
	case foldLookalikes(payload) != payload || foldLookalikes(decoded) != decoded:
		return "malformed: look-alike of / \\ or ."
	case strings.Count(decoded, "/") != strings.Count(path, "/"):
		return "ambiguous: percent-encoded / in the path, which some servers decode"
	case strings.Contains(path, "//") || strings.Contains(decoded, "//"):
		return "malformed: empty path segment"
	case len(payload) > 1 && payload[1] >= utf8.RuneSelf:
		return "malformed: non-ASCII second character"
	}
	if _, err := url.Parse(payload); err != nil || decodeErr != nil {
		return "malformed: invalid percent-encoding"
	}
	return ""
}

// browserReading approximates how a browser reads a Location value (WHATWG
// URL Standard, basic URL parser): it strips leading and trailing C0
// controls and spaces, removes tab, LF and CR, and reads "\" as "/" in
// http and https URLs.
func browserReading(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= 0x20 })
	s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	return strings.ReplaceAll(s, "\\", "/")
}

// foldLookalikes maps look-alikes of "/", "\" and "." to ASCII, as IDNA
// label separators or a careless normalization might.
func foldLookalikes(s string) string {
	return strings.NewReplacer(
		"\u2215", "/", "\u2044", "/", "\uFF0F", "/", "\u29F8", "/",
		"\uFF3C", "\\", "\u2216", "\\", "\u29F9", "\\", "\uFE68", "\\",
		"\u3002", ".", "\uFF0E", ".", "\u2024", ".", "\uFF61", ".", "\uFE52", ".",
	).Replace(s)
}

// lenientDecode percent-decodes s the way a lenient server might: invalid
// escapes stay as they are, and overlong UTF-8 forms of "/", "\" and "."
// decode to ASCII.
func lenientDecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return strings.NewReplacer(
		"\xc0\xaf", "/", "\xe0\x80\xaf", "/", "\xc1\x9c", "\\", "\xc0\xae", ".",
	).Replace(b.String())
}

// decodePathOnce percent-decodes the part of s before the first "?" or
// "#", keeping the rest, or returns s when the path does not decode.
func decodePathOnce(s string) string {
	path, rest := s, ""
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		path, rest = s[:i], s[i:]
	}
	decoded, err := url.PathUnescape(path)
	if err != nil {
		return s
	}
	return decoded + rest
}

func shortQuote(s string) string {
	q := strconv.Quote(s)
	if len(q) > 60 {
		q = q[:57] + "..."
	}
	return q
}
