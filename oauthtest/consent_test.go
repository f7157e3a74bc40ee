package oauthtest_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/presetauth/presetauth/oauthtest"
)

func startConsent(t *testing.T) (*oauthtest.Server, *testClock) {
	t.Helper()
	p, err := oauthtest.Builtin("threads")
	if err != nil {
		t.Fatalf("Builtin(threads): %v", err)
	}
	s := oauthtest.NewServer(p, oauthtest.Client{ID: testClientID, Secret: testClientSecret, Consent: true})
	t.Cleanup(s.Close)
	clock := newTestClock()
	s.SetClock(clock.Now)
	return s, clock
}

var consentTokenInput = regexp.MustCompile(`name="consent_token" value="([^"]+)"`)

// consentForm is a consent page as a browser holds it: the form token and
// the cookie that came with the page.
type consentForm struct {
	token  string
	cookie *http.Cookie
}

func openConsent(t *testing.T, s *oauthtest.Server) consentForm {
	t.Helper()
	resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), authorizeParams())
	if resp.status != http.StatusOK {
		t.Fatalf("authorize status = %d, want 200 with the consent page; body %s", resp.status, resp.body)
	}
	m := consentTokenInput.FindSubmatch(resp.body)
	if m == nil {
		t.Fatalf("consent page has no consent_token field: %s", resp.body)
	}
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: resp.header}).Cookies() {
		if c.Name == "oauthtest_consent" {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatalf("consent page set no oauthtest_consent cookie; headers %v", resp.header)
	}
	return consentForm{token: string(m[1]), cookie: cookie}
}

func (f consentForm) post(t *testing.T, s *oauthtest.Server, decision string, cookie *http.Cookie) response {
	t.Helper()
	form := url.Values{"consent_token": {f.token}, "decision": {decision}}
	return postForm(t, s.EndpointURL(oauthtest.EndpointAuthorize), form, func(r *http.Request) {
		if cookie != nil {
			r.AddCookie(cookie)
		}
	})
}

func TestConsentPage(t *testing.T) {
	s, _ := startConsent(t)
	resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), authorizeParams())

	if resp.status != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.status)
	}
	if got := resp.header.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := resp.header.Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("X-Frame-Options = %q, want DENY", got)
	}
	body := string(resp.body)
	for _, want := range []string{`id="allow"`, `id="cancel"`, testClientID, "<li>threads_basic</li>", "<li>threads_content_publish</li>"} {
		if !strings.Contains(body, want) {
			t.Errorf("consent page lacks %s", want)
		}
	}
	if resp.header.Get("Location") != "" {
		t.Errorf("consent page redirected to %q", resp.header.Get("Location"))
	}
}

func TestConsentAllow(t *testing.T) {
	s, _ := startConsent(t)
	form := openConsent(t, s)

	resp := form.post(t, s, "allow", form.cookie)
	if resp.status != http.StatusSeeOther {
		t.Fatalf("status = %d, want 303; body %s", resp.status, resp.body)
	}
	location := resp.header.Get("Location")
	if !strings.HasPrefix(location, testRedirectURI+"?") || !strings.HasSuffix(location, "#_") {
		t.Fatalf("Location = %q, want the redirect URI with a query and #_", location)
	}
	u, err := url.Parse(strings.TrimSuffix(location, "#_"))
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Query().Get("state"); got != testState {
		t.Errorf("state = %q, want %q", got, testState)
	}
	code := u.Query().Get("code")
	if !strings.HasPrefix(code, "AQB") {
		t.Fatalf("code = %q, want the AQB prefix", code)
	}

	token := postForm(t, s.EndpointURL(oauthtest.EndpointToken), tokenForm(code), nil)
	if token.status != http.StatusOK {
		t.Errorf("token status = %d, want 200; body %s", token.status, token.body)
	}
}

func TestConsentCancel(t *testing.T) {
	s, _ := startConsent(t)
	form := openConsent(t, s)

	resp := form.post(t, s, "cancel", form.cookie)
	if resp.status != http.StatusSeeOther {
		t.Fatalf("status = %d, want 303; body %s", resp.status, resp.body)
	}
	want := testRedirectURI + "?error=access_denied&error_description=The+user+denied+your+request" +
		"&error_reason=user_denied&state=" + testState
	if got := resp.header.Get("Location"); got != want {
		t.Errorf("Location = %q, want %q", got, want)
	}
}

func TestConsentRejects(t *testing.T) {
	tests := []struct {
		name     string
		decision string
		cookie   func(consentForm) *http.Cookie
		prepare  func(*oauthtest.Server, *testClock, consentForm)
		status   int
	}{
		{
			name:     "no cookie",
			decision: "allow",
			cookie:   func(consentForm) *http.Cookie { return nil },
			status:   http.StatusForbidden,
		},
		{
			name:     "another browser's cookie",
			decision: "allow",
			cookie: func(f consentForm) *http.Cookie {
				return &http.Cookie{Name: f.cookie.Name, Value: "another-browser"}
			},
			status: http.StatusForbidden,
		},
		{
			name:     "expired page",
			decision: "allow",
			prepare: func(_ *oauthtest.Server, clock *testClock, _ consentForm) {
				clock.Advance(11 * time.Minute)
			},
			status: http.StatusBadRequest,
		},
		{
			name:     "unknown decision",
			decision: "maybe",
			status:   http.StatusBadRequest,
		},
		{
			name:     "answered twice",
			decision: "allow",
			prepare: func(s *oauthtest.Server, _ *testClock, f consentForm) {
				form := url.Values{"consent_token": {f.token}, "decision": {"cancel"}}
				postForm(t, s.EndpointURL(oauthtest.EndpointAuthorize), form, func(r *http.Request) { r.AddCookie(f.cookie) })
			},
			status: http.StatusBadRequest,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := startConsent(t)
			form := openConsent(t, s)
			if tt.prepare != nil {
				tt.prepare(s, clock, form)
			}
			cookie := form.cookie
			if tt.cookie != nil {
				cookie = tt.cookie(form)
			}

			resp := form.post(t, s, tt.decision, cookie)
			if resp.status != tt.status {
				t.Errorf("status = %d, want %d; body %s", resp.status, tt.status, resp.body)
			}
			if got := resp.header.Get("Location"); got != "" {
				t.Errorf("rejected form redirected to %q", got)
			}
		})
	}
}

func TestConsentDenyQueued(t *testing.T) {
	s, _ := startConsent(t)
	s.Deny()

	resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), authorizeParams())
	if resp.status != http.StatusFound {
		t.Fatalf("status = %d, want 302 without a consent page", resp.status)
	}
	if got := resp.header.Get("Location"); !strings.Contains(got, "error=access_denied") {
		t.Errorf("Location = %q, want error=access_denied", got)
	}
}

func TestConsentOffRejectsPost(t *testing.T) {
	s, _ := startThreads(t)
	resp := postForm(t, s.EndpointURL(oauthtest.EndpointAuthorize), url.Values{"decision": {"allow"}}, nil)
	if resp.status == http.StatusFound || resp.status == http.StatusSeeOther || resp.status == http.StatusOK {
		t.Errorf("POST without consent: status = %d, want an error", resp.status)
	}
}

func TestConsentInvalidRequestShowsNoPage(t *testing.T) {
	s, _ := startConsent(t)
	params := authorizeParams()
	params.Set("client_id", "someone-else")

	resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), params)
	if resp.status == http.StatusOK || strings.Contains(string(resp.body), "consent_token") {
		t.Errorf("invalid request got a consent page: status %d", resp.status)
	}
}
