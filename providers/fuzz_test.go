package providers

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/presetauth/presetauth/schema"
	"github.com/tidwall/gjson"
)

// maxErrorText bounds the text of an error built from a fuzzed reply. Five
// provider fields of at most maxDescription bytes plus the fixed words
// stay well under it.
const maxErrorText = 6*maxDescription + 200

// newFuzzProvider builds the generic example provider; its endpoints are
// never contacted because the fuzz targets call the parsers directly.
func newFuzzProvider(f *testing.F) *Provider {
	f.Helper()
	p, err := New("example", exampleSpec("https://127.0.0.1:1"), WithClock(fixedClock))
	if err != nil {
		f.Fatal(err)
	}
	return p
}

// checkReplyErrorText fails when an error built from a provider reply is
// long, carries control characters, or is of a type a caller cannot
// branch on.
func checkReplyErrorText(t *testing.T, err error) {
	t.Helper()
	var perr *ProviderError
	var rerr *ReplyError
	if !errors.As(err, &perr) && !errors.As(err, &rerr) {
		t.Fatalf("error %v is %T, want *ProviderError or *ReplyError", err, err)
	}
	text := err.Error()
	if len(text) > maxErrorText {
		t.Fatalf("error text is %d bytes, want at most %d: %.300q", len(text), maxErrorText, text)
	}
	if i := strings.IndexFunc(text, unicode.IsControl); i >= 0 {
		t.Fatalf("error text has a control character at byte %d: %q", i, text)
	}
	if perr != nil {
		for name, field := range map[string]string{
			"Code": perr.Code, "Description": perr.Description, "Type": perr.Type,
			"Subcode": perr.Subcode, "TraceID": perr.TraceID,
		} {
			if len(field) > maxDescription+len("...") {
				t.Fatalf("ProviderError.%s is %d bytes, want at most %d", name, len(field), maxDescription+3)
			}
		}
	}
}

// FuzzTokenReply parses arbitrary token replies: status, content type and
// body. A reply is either a token with an access token, or a
// *ProviderError or *ReplyError whose text is short and clean. A 2xx
// status is needed for a token.
func FuzzTokenReply(f *testing.F) {
	seeds := []struct {
		status      int
		contentType string
		body        string
	}{
		{200, "application/json", `{"access_token":"AT","token_type":"bearer","expires_in":3600,"refresh_token":"RT","scope":"a b"}`},
		{200, "application/json", `{"access_token":"AT","user_id":17841405793187218}`},
		{200, "application/json", `{"access_token":"AT","expires_in":"5183944","scope":["a","b"]}`},
		{200, "application/x-www-form-urlencoded", "access_token=AT&scope=user&token_type=bearer"},
		{200, "text/plain", "error=bad_verification_code&error_description=The+code+is+wrong"},
		{200, "application/json", `{"error":"invalid_grant","error_description":"Code expired"}`},
		{400, "application/json", `{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"Ab"}}`},
		{400, "application/json", `{"error_message":"Matching code was not found","error_type":"OAuthException","code":400}`},
		{500, "text/html", "<!doctype html><title>Error</title><h1>Internal Server Error</h1>"},
		{200, "text/html", "<html><body>Sign in</body></html>"},
		{200, "application/json", `null`},
		{200, "application/json", `[{"access_token":"AT"}]`},
		{200, "application/json", `{"access_token":`},
		{200, "application/json", `{"access_token":null}`},
		{200, "application/json", `{"access_token":"AT","expires_in":-5}`},
		{200, "application/json", `{"access_token":"AT","expires_in":1e308}`},
		{200, "", `{"access_token":"AT"}`},
		{200, "application/octet-stream", "\x00\x01\x02"},
		{302, "", ""},
		{200, "application/json", `{"error":"x\r\nlevel=ERROR msg=forged","error_description":"` + strings.Repeat("\u00e9", 300) + `"}`},
	}
	for _, s := range seeds {
		f.Add(s.status, s.contentType, []byte(s.body))
	}
	p := newFuzzProvider(f)

	f.Fuzz(func(t *testing.T, status int, header string, body []byte) {
		contentType := mediaType(header) // as send reads it
		r := &reply{status: status, contentType: contentType, body: body}
		tok, err := p.parseToken("token", r, 0)
		if err != nil {
			if tok != nil {
				t.Fatalf("parseToken returned a token with error %v", err)
			}
			checkReplyErrorText(t, err)
			return
		}
		if tok == nil || tok.AccessToken == "" {
			t.Fatalf("parseToken returned %v without an access token and no error", tok)
		}
		if status < 200 || status > 299 {
			t.Fatalf("parseToken accepted a reply with status %d", status)
		}
		if !tok.Expiry.IsZero() && !tok.Expiry.After(testNow) {
			t.Fatalf("token expiry %v is not after now %v", tok.Expiry, testNow)
		}
		_ = p.Scopes(tok)
		for key := range Extras(tok) {
			if key == extraKey {
				t.Fatal("Extras lists its own bookkeeping key")
			}
		}
	})
}

// FuzzErrorReply reads arbitrary JSON with the default error mapping and a
// mapping whose paths come from the input. Every error found has short,
// clean fields, and an object without an error marker is never an error.
func FuzzErrorReply(f *testing.F) {
	f.Add([]byte(`{"error":"access_denied","error_description":"denied"}`), "error.code")
	f.Add([]byte(`{"error":{"message":"m","code":17841405793187219,"error_subcode":463}}`), "error.message")
	f.Add([]byte(`{"errors":[{"message":"rate limited"}]}`), "errors.0.message")
	f.Add([]byte(`{"error":""}`), "error")
	f.Add([]byte(`{"code":400,"message":"not an error by itself"}`), "code")
	f.Add([]byte(`{"error":true}`), "@reverse")
	f.Add([]byte(`[1,2]`), "#")

	f.Fuzz(func(t *testing.T, body []byte, path string) {
		mappings := []errorMapping{newErrorMapping(schema.ErrorMapping{})}
		if schema.CheckPath(path) == nil {
			mappings = append(mappings, newErrorMapping(schema.ErrorMapping{
				Code: schema.Paths{path}, Description: schema.Paths{path}, Type: schema.Paths{path},
			}))
		}
		if !gjson.ValidBytes(body) {
			return
		}
		root := gjson.ParseBytes(body)
		for _, m := range mappings {
			perr := m.read(root)
			if perr == nil {
				continue
			}
			if !root.IsObject() {
				t.Fatalf("read found an error in a non-object: %s", body)
			}
			perr.Provider, perr.Endpoint = "example", "token"
			checkReplyErrorText(t, perr)
		}
	})
}

// FuzzMapProfile maps arbitrary replies with the example mapping and with
// a mapping whose id path comes from the input. A profile always has an id
// without control or bidirectional formatting characters, a name and an
// email without control characters, an image that is "" or an http(s)
// URL, and it marshals to JSON.
func FuzzMapProfile(f *testing.F) {
	f.Add([]byte(`{"id":"17841405793187218","name":"A","login":"a"}`), "id")
	f.Add([]byte(`{"id":17841405793187218}`), "id")
	f.Add([]byte(`{"user":{"id":"x","emails":[{"email":"a@b.example","primary":true}]}}`), "user.emails.#(primary==true).email")
	f.Add([]byte(`{"data":[{"id":"1"}]}`), "data.0.id")
	f.Add([]byte(`{"id":""}`), "id|@reverse")
	f.Add([]byte(`{"id":null,"login":"x"}`), "@this")
	f.Add([]byte(`[]`), "0")
	f.Add([]byte(`{"id":{"nested":1}}`), `id.nested`)

	base := exampleSpec("https://127.0.0.1:1").Profile
	base.Extra = map[string]schema.Paths{"all": {"@this"}, "first": {"0", "data.0"}}
	example, err := NewMapping(base)
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, raw []byte, path string) {
		mappings := []*Mapping{example}
		if m, err := NewMapping(schema.ProfileMapping{ID: schema.Paths{path}, Name: schema.Paths{path}, Extra: map[string]schema.Paths{"x": {path}}}); err == nil {
			mappings = append(mappings, m)
		} else if schema.CheckPath(path) == nil {
			t.Fatalf("NewMapping rejected %q, which CheckPath accepts: %v", path, err)
		}

		for _, m := range mappings {
			profile, err := m.Apply(raw)
			if err != nil {
				if !errors.Is(err, ErrMalformedReply) && !errors.Is(err, ErrMissingUserID) && !errors.Is(err, ErrInvalidUserID) {
					t.Fatalf("Apply error %v wraps none of ErrMalformedReply, ErrMissingUserID and ErrInvalidUserID", err)
				}
				continue
			}
			if profile.ID == "" {
				t.Fatalf("Apply returned a profile without an id for %s", raw)
			}
			if i := strings.IndexFunc(profile.ID, func(r rune) bool { return isControl(r) || isBidiFormatting(r) }); i >= 0 {
				t.Fatalf("id %q has a control or bidirectional formatting character at byte %d", profile.ID, i)
			}
			if !utf8.ValidString(profile.ID) {
				t.Fatalf("id %q is not valid UTF-8", profile.ID)
			}
			for name, value := range map[string]string{"name": profile.Name, "email": profile.Email} {
				if i := strings.IndexFunc(value, isControl); i >= 0 {
					t.Fatalf("%s %q has a control character at byte %d", name, value, i)
				}
			}
			if profile.Image != "" && !strings.HasPrefix(profile.Image, "http://") && !strings.HasPrefix(profile.Image, "https://") {
				t.Fatalf("image %q is not an http or https URL", profile.Image)
			}
			if _, err := json.Marshal(profile); err != nil {
				t.Fatalf("profile does not marshal: %v (%s)", err, fmt.Sprint(profile.Extra))
			}
		}
	})
}
