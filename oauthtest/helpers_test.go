package oauthtest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/presetauth/presetauth/oauthtest"
)

const (
	testClientID     = "1234567890123456"
	testClientSecret = "emulator-app-secret"
	testRedirectURI  = "https://127.0.0.1:8443/auth/callback/threads"
	testState        = "state-1f3a"
)

// noRedirects is an HTTP client that returns redirects instead of following them.
var noRedirects = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

// testClock is a settable clock for Server.SetClock.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func startThreads(t *testing.T) (*oauthtest.Server, *testClock) {
	t.Helper()
	p, err := oauthtest.Builtin("threads")
	if err != nil {
		t.Fatalf("Builtin(threads): %v", err)
	}
	s := oauthtest.NewServer(p, oauthtest.Client{ID: testClientID, Secret: testClientSecret})
	t.Cleanup(s.Close)
	clock := newTestClock()
	s.SetClock(clock.Now)
	return s, clock
}

// response is a finished HTTP exchange with the body read.
type response struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

func get(t *testing.T, rawURL string, params url.Values) response {
	t.Helper()
	if params != nil {
		rawURL += "?" + params.Encode()
	}
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

func postForm(t *testing.T, rawURL string, form url.Values, edit func(*http.Request)) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if edit != nil {
		edit(req)
	}
	return do(t, req)
}

func authorizeParams() url.Values {
	return url.Values{
		"client_id":     {testClientID},
		"redirect_uri":  {testRedirectURI},
		"scope":         {"threads_basic,threads_content_publish"},
		"response_type": {"code"},
		"state":         {testState},
	}
}

// authorizeCode runs a valid authorization request and returns the code.
func authorizeCode(t *testing.T, s *oauthtest.Server) string {
	t.Helper()
	resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), authorizeParams())
	if resp.status != http.StatusFound {
		t.Fatalf("authorize status = %d, want 302; body %s", resp.status, resp.body)
	}
	location, err := url.Parse(strings.TrimSuffix(resp.header.Get("Location"), "#_"))
	if err != nil {
		t.Fatalf("parse Location: %v", err)
	}
	return location.Query().Get("code")
}

func tokenForm(code string) url.Values {
	return url.Values{
		"client_id":     {testClientID},
		"client_secret": {testClientSecret},
		"code":          {code},
		"grant_type":    {"authorization_code"},
		"redirect_uri":  {testRedirectURI},
	}
}

// signIn runs authorize and the code grant and returns the access token.
func signIn(t *testing.T, s *oauthtest.Server) string {
	t.Helper()
	resp := postForm(t, s.EndpointURL(oauthtest.EndpointToken), tokenForm(authorizeCode(t, s)), nil)
	if resp.status != http.StatusOK {
		t.Fatalf("token status = %d, want 200; body %s", resp.status, resp.body)
	}
	return decodeObject(t, resp.body)["access_token"].(string)
}

// decodeObject decodes a JSON object with numbers kept as json.Number.
func decodeObject(t *testing.T, body []byte) map[string]any {
	t.Helper()
	decoder := json.NewDecoder(bytes.NewReader(body))
	decoder.UseNumber()
	var object map[string]any
	if err := decoder.Decode(&object); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return object
}

// graphError returns code and error_subcode of a nested Graph error body.
func graphError(t *testing.T, body []byte) (code, subcode string) {
	t.Helper()
	inner, ok := decodeObject(t, body)["error"].(map[string]any)
	if !ok {
		t.Fatalf("body %s has no nested error object", body)
	}
	code = string(inner["code"].(json.Number))
	if n, ok := inner["error_subcode"].(json.Number); ok {
		subcode = string(n)
	}
	return code, subcode
}
