package providers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/presetauth/presetauth/presets"
	"github.com/presetauth/presetauth/schema"
)

// Values that must never appear in an error or a log line. The Threads
// tokens match the fixtures under testdata/threads.
const (
	testClientID     = "1234567890123456"
	testClientSecret = "cs-9f8e7d6c5b4a-secret"
	testCode         = "AQBx-code-4711"
	testRedirectURL  = "https://127.0.0.1:8443/auth/callback"

	threadsShortToken     = "THQVJshortlived0001"
	threadsLongToken      = "THQVJlonglived0002"
	threadsRefreshedToken = "THQVJrefreshed0003"
)

// testNow is the fixed clock of every test that checks an expiry.
var testNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func fixedClock() time.Time { return testNow }

// fixture returns a file under testdata as sent on the wire, so that
// numbers keep their exact digits.
func fixture(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return string(data)
}

// received is one request as the provider server saw it.
type received struct {
	Method string
	Path   string
	Query  url.Values
	Form   url.Values // the parsed body of a form POST
	Body   string
	Header http.Header
}

// providerServer is a loopback server that plays the provider: each path
// has its own handler, and every request is recorded before it is handled.
type providerServer struct {
	*httptest.Server
	t *testing.T

	mu       sync.Mutex
	requests []received
}

func newProviderServer(t *testing.T, routes map[string]http.HandlerFunc) *providerServer {
	t.Helper()
	s := &providerServer{t: t}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("server: read request body: %v", err)
		}
		rec := received{
			Method: r.Method,
			Path:   r.URL.Path,
			Query:  r.URL.Query(),
			Body:   string(body),
			Header: r.Header.Clone(),
		}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			rec.Form, _ = url.ParseQuery(string(body))
		}
		s.mu.Lock()
		s.requests = append(s.requests, rec)
		s.mu.Unlock()

		handler, ok := routes[r.URL.Path]
		if !ok {
			t.Errorf("server: unexpected request %s %s", r.Method, r.URL.Path)
			http.NotFound(w, r)
			return
		}
		handler(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// Requests returns the requests received on path, in order.
func (s *providerServer) Requests(path string) []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []received
	for _, r := range s.requests {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// only returns the single request received on path.
func (s *providerServer) only(path string) received {
	s.t.Helper()
	got := s.Requests(path)
	if len(got) != 1 {
		s.t.Fatalf("server got %d requests on %s, want 1", len(got), path)
	}
	return got[0]
}

// replyWith writes a reply with a status, a content type and a body.
func replyWith(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func replyJSON(status int, body string) http.HandlerFunc {
	return replyWith(status, "application/json; charset=UTF-8", body)
}

// exampleSpec is a generic provider with every endpoint on base.
func exampleSpec(base string) *schema.Spec {
	return &schema.Spec{
		Name:          "Example",
		ClientID:      testClientID,
		ClientSecret:  schema.Secret(testClientSecret),
		RedirectURL:   testRedirectURL,
		Scopes:        []string{"read"},
		Authorization: schema.Endpoint{URL: base + "/authorize"},
		Token: schema.TokenEndpoint{
			Endpoint:   schema.Endpoint{URL: base + "/token"},
			AuthMethod: "client_secret_post",
		},
		Userinfo: &schema.UserinfoSpec{Endpoint: schema.Endpoint{URL: base + "/user"}},
		Profile: schema.ProfileMapping{
			ID:   schema.Paths{"id"},
			Name: schema.Paths{"name", "login"},
		},
	}
}

// threadsSpec resolves the built-in Threads preset with a deployment
// override that points every endpoint at base. extra is more override YAML.
func threadsSpec(t *testing.T, base, extra string) *schema.Spec {
	t.Helper()
	catalogue, err := presets.Builtin()
	if err != nil {
		t.Fatalf("presets.Builtin: %v", err)
	}
	preset, ok := catalogue.Document("threads")
	if !ok {
		t.Fatal("the built-in catalogue has no threads preset")
	}
	override := fmt.Sprintf(`client_id: %q
client_secret: ${THREADS_APP_SECRET}
redirect_url: %s
authorization: {url: %s/oauth/authorize}
token: {url: %s/oauth/access_token}
exchange: {url: %s/access_token}
refresh: {url: %s/refresh_access_token}
userinfo: {url: %s/v1.0/me}
%s`, testClientID, testRedirectURL, base, base, base, base, base, extra)
	doc, err := schema.ParseSpec("auth.yaml", []byte(override))
	if err != nil {
		t.Fatalf("parse override: %v", err)
	}
	lookup := func(name string) (string, bool) {
		if name == "THREADS_APP_SECRET" {
			return testClientSecret, true
		}
		return "", false
	}
	spec, err := schema.Merge(preset, doc).Resolve(schema.ResolveOptions{Lookup: lookup})
	if err != nil {
		t.Fatalf("resolve threads spec: %v", err)
	}
	return spec
}

func newProvider(t *testing.T, id string, spec *schema.Spec, opts ...Option) *Provider {
	t.Helper()
	p, err := New(id, spec, append([]Option{WithClock(fixedClock)}, opts...)...)
	if err != nil {
		t.Fatalf("New(%s): %v", id, err)
	}
	return p
}

// checkNoSecrets fails the test when the error text, in any fmt form,
// contains the client secret, the code or one of the tokens.
func checkNoSecrets(t *testing.T, err error, more ...string) {
	t.Helper()
	if err == nil {
		return
	}
	secrets := append([]string{testClientSecret, testCode, threadsShortToken, threadsLongToken, threadsRefreshedToken}, more...)
	for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		for _, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("error text contains the secret %q: %s", secret, text)
			}
		}
	}
}

func TestExchangeReplies(t *testing.T) {
	tests := []struct {
		name        string
		separator   string
		contentType string
		body        string

		wantAccess  string
		wantType    string
		wantRefresh string
		wantScopes  []string
		wantExpiry  time.Duration // zero means no expiry
	}{
		{
			name:        "no token_type and scope array",
			contentType: "application/json",
			body:        "replies/no_token_type_scope_array.json",
			wantAccess:  "AT",
			wantType:    "Bearer",
			wantRefresh: "RT",
			wantScopes:  []string{"user_read"},
			wantExpiry:  13293 * time.Second,
		},
		{
			name:        "expires_in as string",
			contentType: "application/json",
			body:        "replies/expires_in_string.json",
			wantAccess:  "AT",
			wantType:    "Bearer",
			wantExpiry:  3599 * time.Second,
		},
		{
			name:        "scope joined by commas",
			separator:   ",",
			contentType: "application/json",
			body:        "replies/scope_comma.json",
			wantAccess:  "AT",
			wantType:    "bearer",
			wantScopes:  []string{"repo", "user:email"},
		},
		{
			name:        "form-encoded reply",
			separator:   ",",
			contentType: "application/x-www-form-urlencoded; charset=utf-8",
			body:        "access_token=AT&scope=user%2Cgist&token_type=bearer",
			wantAccess:  "AT",
			wantType:    "bearer",
			wantScopes:  []string{"user", "gist"},
		},
		{
			name:        "form-encoded reply as text/plain",
			separator:   ",",
			contentType: "text/plain",
			body:        "access_token=AT&scope=user%2Cgist&token_type=bearer&expires_in=28800",
			wantAccess:  "AT",
			wantType:    "bearer",
			wantScopes:  []string{"user", "gist"},
			wantExpiry:  28800 * time.Second,
		},
		{
			name:       "JSON without content type",
			body:       `{"access_token":"AT","expires_in":60}`,
			wantAccess: "AT",
			wantType:   "Bearer",
			wantExpiry: 60 * time.Second,
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			body := test.body
			if strings.HasSuffix(body, ".json") {
				body = fixture(t, body)
			}
			server := newProviderServer(t, map[string]http.HandlerFunc{
				"/token": replyWith(http.StatusOK, test.contentType, body),
			})
			spec := exampleSpec(server.URL)
			spec.ScopeSeparator = test.separator
			p := newProvider(t, "example", spec)

			tok, err := p.Exchange(context.Background(), testCode, "", "")
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if tok.AccessToken != test.wantAccess {
				t.Errorf("AccessToken = %q, want %q", tok.AccessToken, test.wantAccess)
			}
			if tok.TokenType != test.wantType {
				t.Errorf("TokenType = %q, want %q", tok.TokenType, test.wantType)
			}
			if tok.RefreshToken != test.wantRefresh {
				t.Errorf("RefreshToken = %q, want %q", tok.RefreshToken, test.wantRefresh)
			}
			if got := p.Scopes(tok); !slices.Equal(got, test.wantScopes) {
				t.Errorf("Scopes = %q, want %q", got, test.wantScopes)
			}
			var wantExpiry time.Time
			if test.wantExpiry != 0 {
				wantExpiry = testNow.Add(test.wantExpiry)
			}
			if !tok.Expiry.Equal(wantExpiry) {
				t.Errorf("Expiry = %v, want %v", tok.Expiry, wantExpiry)
			}
			if got := server.only("/token").Header.Get("Accept"); got != "application/json" {
				t.Errorf("Accept header = %q, want application/json", got)
			}
		})
	}
}

func TestExchangeRequest(t *testing.T) {
	server := newProviderServer(t, map[string]http.HandlerFunc{
		"/token": replyJSON(http.StatusOK, `{"access_token":"AT","token_type":"Bearer"}`),
	})
	spec := exampleSpec(server.URL)
	spec.Token.Params = map[string]string{"audience": "api"}
	p := newProvider(t, "example", spec)

	if _, err := p.Exchange(context.Background(), testCode, "", "verifier-0123456789"); err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	got := server.only("/token")
	if got.Method != http.MethodPost {
		t.Errorf("method = %s, want POST", got.Method)
	}
	want := map[string]string{
		"grant_type":    "authorization_code",
		"code":          testCode,
		"redirect_uri":  testRedirectURL,
		"code_verifier": "verifier-0123456789",
		"audience":      "api",
		"client_id":     testClientID,
		"client_secret": testClientSecret,
	}
	for name, value := range want {
		if v := got.Form.Get(name); v != value {
			t.Errorf("form %s = %q, want %q", name, v, value)
		}
	}
}

// The redirect_uri of the token request is the one of the authorization
// request: the argument, else the spec's, else none at all.
func TestExchangeRedirectURI(t *testing.T) {
	const other = "https://127.0.0.1:9443/other/callback"
	tests := []struct {
		name     string
		spec     string
		argument string
		want     string // empty means no redirect_uri parameter
	}{
		{name: "argument wins", spec: testRedirectURL, argument: other, want: other},
		{name: "spec default", spec: testRedirectURL, want: testRedirectURL},
		{name: "none", want: ""},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			server := newProviderServer(t, map[string]http.HandlerFunc{
				"/token": replyJSON(http.StatusOK, `{"access_token":"AT"}`),
			})
			spec := exampleSpec(server.URL)
			spec.RedirectURL = test.spec
			p := newProvider(t, "example", spec)

			if _, err := p.Exchange(context.Background(), testCode, test.argument, ""); err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			form := server.only("/token").Form
			if test.want == "" {
				if form.Has("redirect_uri") {
					t.Errorf("redirect_uri = %q, want no parameter", form.Get("redirect_uri"))
				}
			} else if got := form.Get("redirect_uri"); got != test.want {
				t.Errorf("redirect_uri = %q, want %q", got, test.want)
			}
			if form.Has("code_verifier") {
				t.Errorf("code_verifier sent without a verifier: %q", form.Get("code_verifier"))
			}
		})
	}
}

func TestExchangeErrorWith200(t *testing.T) {
	server := newProviderServer(t, map[string]http.HandlerFunc{
		"/token": replyJSON(http.StatusOK, fixture(t, "replies/error_with_200.json")),
	})
	p := newProvider(t, "github", exampleSpec(server.URL))

	tok, err := p.Exchange(context.Background(), testCode, "", "")
	if tok != nil {
		t.Errorf("token = %+v, want nil", tok)
	}
	var perr *ProviderError
	if !errors.As(err, &perr) {
		t.Fatalf("error = %v (%T), want *ProviderError", err, err)
	}
	if errors.Is(err, ErrMissingAccessToken) {
		t.Errorf("error %v matches ErrMissingAccessToken", err)
	}
	if perr.Code != "incorrect_client_credentials" {
		t.Errorf("Code = %q, want incorrect_client_credentials", perr.Code)
	}
	if want := "The client_id and/or client_secret passed are incorrect."; perr.Description != want {
		t.Errorf("Description = %q, want %q", perr.Description, want)
	}
	if perr.Status != http.StatusOK {
		t.Errorf("Status = %d, want 200", perr.Status)
	}
	if perr.Endpoint != "token" || perr.Provider != "github" {
		t.Errorf("Provider, Endpoint = %q, %q; want github, token", perr.Provider, perr.Endpoint)
	}
	checkNoSecrets(t, err)
}

func TestExchangeFormError(t *testing.T) {
	server := newProviderServer(t, map[string]http.HandlerFunc{
		"/token": replyWith(http.StatusOK, "application/x-www-form-urlencoded",
			"error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired."),
	})
	p := newProvider(t, "github", exampleSpec(server.URL))

	_, err := p.Exchange(context.Background(), testCode, "", "")
	var perr *ProviderError
	if !errors.As(err, &perr) {
		t.Fatalf("error = %v (%T), want *ProviderError", err, err)
	}
	if perr.Code != "bad_verification_code" {
		t.Errorf("Code = %q, want bad_verification_code", perr.Code)
	}
	if want := "The code passed is incorrect or expired."; perr.Description != want {
		t.Errorf("Description = %q, want %q", perr.Description, want)
	}
	checkNoSecrets(t, err)
}

func TestExchangeMissingAccessToken(t *testing.T) {
	server := newProviderServer(t, map[string]http.HandlerFunc{
		"/token": replyJSON(http.StatusOK, `{"token_type":"Bearer","expires_in":3600}`),
	})
	p := newProvider(t, "example", exampleSpec(server.URL))

	_, err := p.Exchange(context.Background(), testCode, "", "")
	if !errors.Is(err, ErrMissingAccessToken) {
		t.Fatalf("error = %v, want ErrMissingAccessToken", err)
	}
	var rerr *ReplyError
	if !errors.As(err, &rerr) {
		t.Fatalf("error = %T, want *ReplyError", err)
	}
	if rerr.Endpoint != "token" {
		t.Errorf("Endpoint = %q, want token", rerr.Endpoint)
	}
}

// The provider of this case returns 401 "Missing client id" for an HTTP
// Basic header, so its spec declares client_secret_post.
func TestExchangeClientAuthentication(t *testing.T) {
	tests := []struct {
		method string

		wantHeader     bool
		wantBodyID     bool
		wantBodySecret bool
	}{
		{method: "client_secret_post", wantBodyID: true, wantBodySecret: true},
		{method: "", wantBodyID: true, wantBodySecret: true}, // the default is client_secret_post
		{method: "client_secret_basic", wantHeader: true},
		{method: "none", wantBodyID: true},
	}
	for _, test := range tests {
		name := test.method
		if name == "" {
			name = "default"
		}
		t.Run(name, func(t *testing.T) {
			server := newProviderServer(t, map[string]http.HandlerFunc{
				"/token": func(w http.ResponseWriter, r *http.Request) {
					if r.Header.Get("Authorization") != "" {
						replyWith(http.StatusUnauthorized, "text/plain", "Missing client id")(w, r)
						return
					}
					replyJSON(http.StatusOK, `{"access_token":"AT","token_type":"Bearer"}`)(w, r)
				},
			})
			spec := exampleSpec(server.URL)
			spec.Token.AuthMethod = test.method
			p := newProvider(t, "example", spec)

			_, err := p.Exchange(context.Background(), testCode, "", "")
			got := server.only("/token")

			header := got.Header.Get("Authorization")
			if (header != "") != test.wantHeader {
				t.Errorf("Authorization header = %q, want present = %v", header, test.wantHeader)
			}
			if test.wantHeader {
				want := "Basic " + base64.StdEncoding.EncodeToString([]byte(testClientID+":"+url.QueryEscape(testClientSecret)))
				if header != want {
					t.Errorf("Authorization header = %q, want %q", header, want)
				}
				// This provider rejects Basic, which must surface as an error.
				if !errors.Is(err, ErrUnexpectedStatus) {
					t.Errorf("error = %v, want ErrUnexpectedStatus", err)
				}
				checkNoSecrets(t, err)
			} else if err != nil {
				t.Errorf("Exchange: %v", err)
			}
			if got.Form.Has("client_id") != test.wantBodyID {
				t.Errorf("body has client_id = %v, want %v (body %q)", got.Form.Has("client_id"), test.wantBodyID, got.Body)
			}
			if test.wantBodyID && got.Form.Get("client_id") != testClientID {
				t.Errorf("body client_id = %q, want %q", got.Form.Get("client_id"), testClientID)
			}
			if strings.Contains(got.Body, url.QueryEscape(testClientSecret)) != test.wantBodySecret {
				t.Errorf("body contains the client secret = %v, want %v", !test.wantBodySecret, test.wantBodySecret)
			}
			if test.wantBodySecret && got.Form.Get("client_secret") != testClientSecret {
				t.Errorf("body client_secret differs from the configured secret")
			}
		})
	}
}

// A secret with reserved characters is form-encoded before Basic encoding
// (RFC 6749 section 2.3.1), so a server that decodes it gets it back whole.
func TestExchangeBasicEncodesSecret(t *testing.T) {
	const secret = "a+b/c:d e%f"
	server := newProviderServer(t, map[string]http.HandlerFunc{
		"/token": replyJSON(http.StatusOK, `{"access_token":"AT"}`),
	})
	spec := exampleSpec(server.URL)
	spec.Token.AuthMethod = "client_secret_basic"
	spec.ClientSecret = schema.Secret(secret)
	p := newProvider(t, "example", spec)

	if _, err := p.Exchange(context.Background(), testCode, "", ""); err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	req := &http.Request{Header: server.only("/token").Header}
	user, password, ok := req.BasicAuth()
	if !ok {
		t.Fatal("no Basic credentials received")
	}
	gotID, err := url.QueryUnescape(user)
	if err != nil || gotID != testClientID {
		t.Errorf("client id = %q (%v), want %q", gotID, err, testClientID)
	}
	gotSecret, err := url.QueryUnescape(password)
	if err != nil || gotSecret != secret {
		t.Errorf("decoded secret differs from the configured one (error %v)", err)
	}
}

func TestThreadsExchangeUserID(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		want    any
	}{
		{name: "documented number", fixture: "threads/token.json", want: json.Number("17841405793187218")},
		{name: "odd number above 2^53", fixture: "threads/token_odd_user_id.json", want: json.Number("17841405793187219")},
		{name: "string", fixture: "threads/token_string_user_id.json", want: "17841405793187218"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			server := newProviderServer(t, map[string]http.HandlerFunc{
				"/oauth/access_token": replyJSON(http.StatusOK, fixture(t, test.fixture)),
			})
			p := newProvider(t, "threads", threadsSpec(t, server.URL, ""))

			tok, err := p.Exchange(context.Background(), testCode, "", "")
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if got := Extras(tok)["user_id"]; got != test.want {
				t.Errorf("user_id = %#v, want %#v", got, test.want)
			}
			if tok.AccessToken != threadsShortToken {
				t.Errorf("AccessToken = %q, want %q", tok.AccessToken, threadsShortToken)
			}
			if tok.TokenType != "Bearer" {
				t.Errorf("TokenType = %q, want Bearer", tok.TokenType)
			}
			// Threads sends no expires_in; the preset's default_lifetime is 1h.
			if want := testNow.Add(time.Hour); !tok.Expiry.Equal(want) {
				t.Errorf("Expiry = %v, want %v", tok.Expiry, want)
			}
			if tok.ExpiresIn != 0 {
				t.Errorf("ExpiresIn = %d, want 0 (the reply has none)", tok.ExpiresIn)
			}
		})
	}
}

func TestThreadsTokenRequest(t *testing.T) {
	server := newProviderServer(t, map[string]http.HandlerFunc{
		"/oauth/access_token": replyJSON(http.StatusOK, fixture(t, "threads/token.json")),
	})
	p := newProvider(t, "threads", threadsSpec(t, server.URL, ""))

	if _, err := p.Exchange(context.Background(), testCode, "", ""); err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	got := server.only("/oauth/access_token")
	if got.Method != http.MethodPost {
		t.Errorf("method = %s, want POST", got.Method)
	}
	if h := got.Header.Get("Authorization"); h != "" {
		t.Errorf("Authorization header = %q, want none (client_secret_post)", h)
	}
	want := map[string]string{
		"client_id":     testClientID,
		"client_secret": testClientSecret,
		"code":          testCode,
		"grant_type":    "authorization_code",
		"redirect_uri":  testRedirectURL,
	}
	for name, value := range want {
		if v := got.Form.Get(name); v != value {
			t.Errorf("form %s = %q, want %q", name, v, value)
		}
	}
}

// Threads reports token endpoint errors in a flat shape and Graph errors in
// a nested one; both become a *ProviderError.
func TestThreadsTokenErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		fixture string
		want    ProviderError
	}{
		{
			name:    "flat OAuthException",
			status:  http.StatusBadRequest,
			fixture: "threads/error_flat_code_used.json",
			want: ProviderError{
				Code:        "400",
				Type:        "OAuthException",
				Description: "Matching code was not found or was already used",
			},
		},
		{
			name:    "nested THApiException",
			status:  http.StatusBadRequest,
			fixture: "threads/error_graph_thapi.json",
			want: ProviderError{
				Code:        "100",
				Type:        "THApiException",
				Description: "Unsupported get request.",
				TraceID:     "XyZ987",
			},
		},
		{
			name:    "nested expired token",
			status:  http.StatusBadRequest,
			fixture: "threads/error_graph_expired.json",
			want: ProviderError{
				Code:        "190",
				Type:        "OAuthException",
				Subcode:     "463",
				Description: "Error validating access token: Session has expired.",
				TraceID:     "AbCdEfGh123",
			},
		},
		{
			name:    "flat shape with 200",
			status:  http.StatusOK,
			fixture: "threads/error_flat_code_used.json",
			want: ProviderError{
				Code:        "400",
				Type:        "OAuthException",
				Description: "Matching code was not found or was already used",
			},
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			server := newProviderServer(t, map[string]http.HandlerFunc{
				"/oauth/access_token": replyJSON(test.status, fixture(t, test.fixture)),
			})
			p := newProvider(t, "threads", threadsSpec(t, server.URL, ""))

			tok, err := p.Exchange(context.Background(), testCode, "", "")
			if tok != nil {
				t.Errorf("token = %+v, want nil", tok)
			}
			var perr *ProviderError
			if !errors.As(err, &perr) {
				t.Fatalf("error = %v (%T), want *ProviderError", err, err)
			}
			want := test.want
			want.Provider, want.Endpoint, want.Status = "threads", "token", test.status
			if *perr != want {
				t.Errorf("error = %+v\nwant    %+v", *perr, want)
			}
			if !strings.Contains(err.Error(), want.Description) {
				t.Errorf("error text %q lacks the description %q", err, want.Description)
			}
			checkNoSecrets(t, err)
		})
	}
}
