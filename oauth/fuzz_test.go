package oauth

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/presetauth/presetauth/providers"
	"github.com/presetauth/presetauth/schema"
)

// fuzzHandler is a handler with one provider whose token endpoint, on
// loopback, rejects every code, so that no fuzzed callback can sign in.
type fuzzHandler struct {
	*Handler
	signIns atomic.Int32
}

func newFuzzHandler(f *testing.F) *fuzzHandler {
	f.Helper()
	token := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"invalid_grant","error_description":"The code is not valid"}`)
	}))
	f.Cleanup(token.Close)

	spec := &schema.Spec{
		Name:          "Example",
		ClientID:      "fuzz-client",
		ClientSecret:  schema.Secret("fuzz-client-secret"),
		Scopes:        []string{"read"},
		Issuer:        "https://issuer.example",
		Authorization: schema.Endpoint{URL: token.URL + "/authorize"},
		Token:         schema.TokenEndpoint{Endpoint: schema.Endpoint{URL: token.URL + "/token"}, AuthMethod: "client_secret_post"},
		Userinfo:      &schema.UserinfoSpec{Endpoint: schema.Endpoint{URL: token.URL + "/user"}},
		Checks:        []string{"state", "pkce"},
		Profile:       schema.ProfileMapping{ID: schema.Paths{"id"}},
	}
	p, err := providers.New("example", spec, providers.WithTimeout(2*time.Second))
	if err != nil {
		f.Fatal(err)
	}
	fh := &fuzzHandler{}
	fh.Handler, err = NewHandler(Options{
		Providers: []*providers.Provider{p},
		Sealer:    newTestSealer(f, testSecret('f')),
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnSignIn: func(w http.ResponseWriter, r *http.Request, res *Result) {
			fh.signIns.Add(1)
		},
	})
	if err != nil {
		f.Fatal(err)
	}
	return fh
}

// startSignIn runs the sign-in endpoint and returns the state and the
// state cookie it set.
func (fh *fuzzHandler) startSignIn(f *testing.F) (string, *http.Cookie) {
	f.Helper()
	rec := httptest.NewRecorder()
	fh.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://app.example/auth/signin/example", nil))
	if rec.Code != http.StatusFound {
		f.Fatalf("sign-in returned %d", rec.Code)
	}
	location, err := url.Parse(rec.Header().Get("Location"))
	if err != nil {
		f.Fatal(err)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		f.Fatalf("sign-in set %d cookies, want 1", len(cookies))
	}
	return location.Query().Get("state"), cookies[0]
}

var (
	pageMessage     = regexp.MustCompile(`<p id="message">([^<]*)</p>`)
	pageCode        = regexp.MustCompile(`<code id="error-code">([^<]*)</code>`)
	pageDescription = regexp.MustCompile(`<span id="error-description">([^<]*)</span>`)
	pageTag         = regexp.MustCompile(`<[^>]*>`)
)

// checkErrorPage fails unless rec is the default error page with its
// security headers, and the only markup in it is the template's own.
func checkErrorPage(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code < 400 {
		t.Fatalf("status %d, want an error", rec.Code)
	}
	for name, want := range map[string]string{
		"Cache-Control":           "no-store",
		"Referrer-Policy":         "no-referrer",
		"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
		"Content-Type":            "text/html; charset=utf-8",
	} {
		if got := rec.Header().Get(name); got != want {
			t.Fatalf("%s = %q, want %q", name, got, want)
		}
	}
	body := rec.Body.String()
	if !pageMessage.MatchString(body) {
		t.Fatalf("page has no message paragraph:\n%s", body)
	}
	for _, field := range []*regexp.Regexp{pageCode, pageDescription} {
		m := field.FindStringSubmatch(body)
		if m == nil {
			continue
		}
		if strings.ContainsAny(m[1], `<>"'`) {
			t.Fatalf("provider text is not escaped: %q", m[1])
		}
		if len(m[1]) > 6*maxProviderText {
			t.Fatalf("provider text is %d bytes on the page, want about %d", len(m[1]), maxProviderText)
		}
	}
	allowed := map[string]bool{
		"p": true, "/p": true, "code": true, "/code": true, "span": true, "/span": true,
		"a": true, "/a": true, "h1": true, "/h1": true, "html": true, "/html": true, "head": true, "/head": true,
		"body": true, "/body": true, "meta": true, "title": true, "/title": true, "style": true, "/style": true, "!doctype": true,
	}
	for _, tag := range pageTag.FindAllString(body, -1) {
		name := strings.ToLower(strings.Fields(strings.Trim(tag, "<>"))[0])
		if !allowed[name] {
			t.Fatalf("page has the unexpected tag %q:\n%s", tag, body)
		}
	}
}

// FuzzCallbackQuery sends arbitrary callback queries with the browser's
// real state cookie. "STATE" in the input is replaced by the real state, so
// that the fuzzer reaches the checks after the state. No query may sign
// in, because the token endpoint rejects every code, and every response is
// the escaped error page with its security headers.
func FuzzCallbackQuery(f *testing.F) {
	for _, seed := range []string{
		"state=STATE&code=AQBcode",
		"state=STATE&code=AQBcode&state=STATE",
		"state=STATE&code=a&code=b",
		"code=AQBcode",
		"state=STATE",
		"state=STATE&code=x&iss=https%3A%2F%2Fattacker.example",
		"state=STATE&code=x&iss=https%3A%2F%2Fissuer.example",
		"state=STATE&error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
		"state=STATE&error=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&error_description=javascript%3Aalert(1)",
		"state=STATE&error=x&error_description=%E2%80%AEevil%0d%0aSet-Cookie%3A%20a%3Db",
		"state=forged&code=x",
		"state=STATE&code=x%23_",
		"state=STATE;code=x",
		"state=%zz",
		"",
	} {
		f.Add(seed)
	}
	fh := newFuzzHandler(f)
	state, cookie := fh.startSignIn(f)

	f.Fuzz(func(t *testing.T, rawQuery string) {
		rawQuery = strings.ReplaceAll(rawQuery, "STATE", url.QueryEscape(state))
		req := httptest.NewRequest(http.MethodGet, "http://app.example/auth/callback/example", nil)
		req.URL.RawQuery = rawQuery
		req.AddCookie(cookie)

		rec := httptest.NewRecorder()
		fh.ServeHTTP(rec, req)
		if n := fh.signIns.Load(); n != 0 {
			t.Fatalf("query %q signed in", rawQuery)
		}
		checkErrorPage(t, rec)
	})
}

// FuzzStateCookieContents seals arbitrary contents under the handler's key
// and the right cookie name, as a holder of the key could, and sends them
// to the callback. Contents that do not decode, or that belong to another
// provider, client or redirect URL, or lack the PKCE verifier, are
// rejected as invalid or foreign, and nothing panics.
func FuzzStateCookieContents(f *testing.F) {
	fh := newFuzzHandler(f)
	good, err := json.Marshal(flowState{
		Provider: "example", ClientID: "fuzz-client", RedirectURL: "http://app.example/auth/callback/example",
		State: "fuzz-state", Verifier: strings.Repeat("v", 43), ReturnTo: "/",
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"p":"example","c":"fuzz-client","r":"http://app.example/auth/callback/example","s":"fuzz-state"}`))
	f.Add([]byte(`{"p":"other","c":"fuzz-client","r":"http://app.example/auth/callback/example","s":"fuzz-state","v":"x"}`))
	f.Add([]byte(`{"p":"example","c":"fuzz-client","r":"http://evil.example/cb","s":"fuzz-state","v":"x","t":"//evil.example"}`))
	f.Add([]byte(`{"s":1}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	f.Add([]byte{})

	sealer := newTestSealer(f, testSecret('f'))
	name := cookieName(cookiePrefix(false), "fuzz-state")
	expectedRedirect := "http://app.example/auth/callback/example"

	f.Fuzz(func(t *testing.T, contents []byte) {
		value, err := sealer.Seal(name, contents, time.Now().Add(time.Minute))
		if err != nil {
			return // too long for a cookie
		}
		req := httptest.NewRequest(http.MethodGet, "http://app.example/auth/callback/example?state=fuzz-state&code=AQBcode", nil)
		req.AddCookie(&http.Cookie{Name: name, Value: value})

		var got error
		fh.onError = func(w http.ResponseWriter, r *http.Request, err error) {
			got = err
			fh.errorPage(w, r, err)
		}
		rec := httptest.NewRecorder()
		fh.ServeHTTP(rec, req)
		if fh.signIns.Load() != 0 {
			t.Fatalf("contents %q signed in", contents)
		}
		checkErrorPage(t, rec)

		var fs flowState
		decoded := json.Unmarshal(contents, &fs) == nil
		belongs := decoded && fs.State == "fuzz-state" && fs.Provider == "example" &&
			fs.ClientID == "fuzz-client" && fs.RedirectURL == expectedRedirect && fs.Verifier != ""
		if belongs {
			// The only way left to fail is the token endpoint's rejection.
			var perr *providers.ProviderError
			if !errors.As(got, &perr) {
				t.Fatalf("contents %q that belong to this sign-in failed with %v, want the token endpoint's error", contents, got)
			}
			return
		}
		if !errors.Is(got, ErrStateInvalid) && !errors.Is(got, ErrStateMismatch) && !errors.Is(got, ErrProviderMismatch) {
			t.Fatalf("contents %q failed with %v, want an invalid, mismatched or foreign state", contents, got)
		}
	})
}
