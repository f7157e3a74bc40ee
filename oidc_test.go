package presetauth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/oauth2-proxy/mockoidc"
	"github.com/presetauth/presetauth"
	"github.com/presetauth/presetauth/oauth"
	"github.com/presetauth/presetauth/providers"
)

// The tests in this file sign in against mockoidc, an OpenID Provider
// written by a third party, with the provider declared in deployment YAML
// only. They prove the type oidc runtime (discovery, PKCE, nonce, ID token
// verification with go-oidc, RFC 9207 iss checks) against a server whose
// code this project does not share.

// mockProvider is a running mockoidc with the authorization and token
// requests it received.
type mockProvider struct {
	*mockoidc.MockOIDC

	mu        sync.Mutex
	authorize []url.Values // query of each authorization request
	token     []url.Values // form of each token request
}

// startMockOIDC starts mockoidc on loopback with a fresh signing key,
// because its default key is one constant that every instance shares.
// configure runs before the server starts, so it may change the server's
// fields and add middleware without racing its handlers.
func startMockOIDC(t *testing.T, configure func(*mockoidc.MockOIDC)) *mockProvider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mockoidc.NewServer(key)
	if err != nil {
		t.Fatal(err)
	}
	mp := &mockProvider{MockOIDC: m}
	if err := m.AddMiddleware(mp.record); err != nil {
		t.Fatal(err)
	}
	if configure != nil {
		configure(m)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(listener, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return mp
}

// record keeps the parameters of authorization and token requests.
func (mp *mockProvider) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case mockoidc.AuthorizationEndpoint:
			mp.mu.Lock()
			mp.authorize = append(mp.authorize, r.URL.Query())
			mp.mu.Unlock()
		case mockoidc.TokenEndpoint:
			if err := r.ParseForm(); err == nil {
				mp.mu.Lock()
				mp.token = append(mp.token, r.PostForm)
				mp.mu.Unlock()
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (mp *mockProvider) lastAuthorize() url.Values {
	mp.mu.Lock()
	defer mp.mu.Unlock()
	if len(mp.authorize) == 0 {
		return nil
	}
	return mp.authorize[len(mp.authorize)-1]
}

func (mp *mockProvider) lastToken() url.Values {
	mp.mu.Lock()
	defer mp.mu.Unlock()
	if len(mp.token) == 0 {
		return nil
	}
	return mp.token[len(mp.token)-1]
}

// mockDeployment returns a deployment file with one type oidc provider
// named "mock" that signs in at m. extra is YAML added to the provider's
// entry, indented as its keys.
func mockDeployment(m *mockoidc.MockOIDC, extra string) string {
	return fmt.Sprintf(`providers:
  mock:
    name: mockoidc
    type: oidc
    issuer: %s
    client_id: %s
    client_secret: %s
    scopes: [openid, email, profile]
    checks: [state, pkce, nonce]
    profile:
      id: sub
      name: preferred_username
      email: email
      email_verified: email_verified
      extra:
        phone: phone_number
%s`, m.Issuer(), m.ClientID, m.ClientSecret, indent(extra, 4))
}

// newDeploymentHarness loads a deployment file with presetauth.Load and
// serves its handler, with a browser-like client.
func newDeploymentHarness(t *testing.T, deployment string, opts ...presetauth.Option) *signInHarness {
	t.Helper()
	opts = append([]presetauth.Option{presetauth.WithLookup(func(string) (string, bool) { return "", false })}, opts...)
	cfg, err := presetauth.Load("auth.yaml", []byte(deployment), opts...)
	if err != nil {
		t.Fatalf("Load: %v\n%s", err, deployment)
	}
	h := &signInHarness{t: t, now: time.Now()}
	h.serve(cfg)
	return h
}

// getURL requests an absolute URL with the harness's browser, following
// redirects.
func (h *signInHarness) getURL(u *url.URL) *http.Response {
	h.t.Helper()
	resp, err := h.client.Get(u.String())
	if err != nil {
		h.t.Fatalf("GET %s: %v", u.Path, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestOIDCSignInMockOIDC(t *testing.T) {
	m := startMockOIDC(t, nil)
	h := newDeploymentHarness(t, mockDeployment(m.MockOIDC, ""))

	resp, body := h.get("/auth/signin/mock")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in ended with %d: %s\nerror: %v", resp.StatusCode, body, h.lastError())
	}
	res := h.lastResult()
	if res == nil {
		t.Fatal("OnSignIn was not called")
	}

	user := mockoidc.DefaultUser()
	if res.Profile.ID != user.Subject {
		t.Errorf("profile id = %q, want the subject %q", res.Profile.ID, user.Subject)
	}
	if res.Profile.Email != user.Email {
		t.Errorf("profile email = %q, want %q", res.Profile.Email, user.Email)
	}
	if !res.Profile.EmailVerified {
		t.Error("profile email_verified = false; the ID token says true")
	}
	if res.Profile.Name != user.PreferredUsername {
		t.Errorf("profile name = %q, want %q", res.Profile.Name, user.PreferredUsername)
	}
	if got := res.Profile.Extra["phone"]; got != user.Phone {
		t.Errorf("extra.phone = %v, want %q from userinfo", got, user.Phone)
	}
	if _, ok := providers.Extras(res.Token)["id_token"]; !ok {
		t.Error("token reply has no id_token")
	}

	authorize := m.lastAuthorize()
	if authorize == nil {
		t.Fatal("mockoidc received no authorization request")
	}
	if got := authorize.Get("code_challenge_method"); got != "S256" {
		t.Errorf("code_challenge_method = %q, want S256", got)
	}
	if authorize.Get("code_challenge") == "" {
		t.Error("authorization request has no code_challenge")
	}
	if len(authorize.Get("nonce")) < 22 {
		t.Errorf("nonce = %q, want a random value", authorize.Get("nonce"))
	}
	if got := authorize.Get("scope"); got != "openid email profile" {
		t.Errorf("scope = %q, want %q", got, "openid email profile")
	}
	token := m.lastToken()
	if token == nil {
		t.Fatal("mockoidc received no token request")
	}
	if token.Get("code_verifier") == "" {
		t.Error("token request has no code_verifier")
	}
	if token.Get("client_secret") != m.ClientSecret {
		t.Error("token request does not authenticate with client_secret_post")
	}
}

// idTokenCase is a sign-in whose ID token must be rejected.
type idTokenCase struct {
	name       string
	deployment func(t *testing.T) string
	options    []presetauth.Option
	want       string // part of the error message
	wantErr    any    // a pointer to an error type that errors.As must find, or nil
}

func TestOIDCRejectsIDToken(t *testing.T) {
	tests := []idTokenCase{
		{
			name: "wrong signature",
			deployment: func(t *testing.T) string {
				m := startMockOIDC(t, nil)
				other := startMockOIDC(t, nil)
				return mockDeployment(m.MockOIDC, "id_token: {jwks_url: "+other.JWKSEndpoint()+"}")
			},
			want: "signature",
		},
		{
			name: "wrong issuer",
			deployment: func(t *testing.T) string {
				m := startMockOIDC(t, nil)
				// Every endpoint is explicit, so discovery, which would
				// notice the issuer first, is not fetched.
				deployment := mockDeployment(m.MockOIDC, fmt.Sprintf(`authorization: %s
token: %s
userinfo: %s
id_token: {jwks_url: %s}
`, m.AuthorizationEndpoint(), m.TokenEndpoint(), m.UserinfoEndpoint(), m.JWKSEndpoint()))
				return strings.Replace(deployment, "issuer: "+m.Issuer(), "issuer: "+m.Addr()+"/other-issuer", 1)
			},
			want: "issued by a different provider",
		},
		{
			name: "wrong audience",
			deployment: func(t *testing.T) string {
				// The deployment's client id differs from the one mockoidc
				// puts in aud. A middleware translates it on the way in,
				// so only the ID token's audience differs.
				const deployed = "deployed-client-id"
				var real string
				m := startMockOIDC(t, func(m *mockoidc.MockOIDC) {
					real = m.ClientID
					_ = m.AddMiddleware(translateClientID(deployed, real))
				})
				return strings.Replace(mockDeployment(m.MockOIDC, ""), "client_id: "+real, "client_id: "+deployed, 1)
			},
			want: "audience",
		},
		{
			name: "expired",
			deployment: func(t *testing.T) string {
				return mockDeployment(startMockOIDC(t, nil).MockOIDC, "")
			},
			// mockoidc's ID tokens live 10 minutes; the relying party's
			// clock runs an hour ahead.
			options: []presetauth.Option{presetauth.WithProviderOptions(providers.WithClock(func() time.Time {
				return time.Now().Add(time.Hour)
			}))},
			want:    "expired",
			wantErr: new(*oidc.TokenExpiredError),
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			h := newDeploymentHarness(t, test.deployment(t), test.options...)
			resp, _ := h.get("/auth/signin/mock")
			if resp.StatusCode == http.StatusOK || h.lastResult() != nil {
				t.Fatal("sign-in succeeded with an ID token that must be rejected")
			}
			checkIDTokenError(t, h.lastError(), test.want)
			if test.wantErr != nil && !errors.As(h.lastError(), test.wantErr) {
				t.Errorf("error %v does not wrap %T", h.lastError(), test.wantErr)
			}
		})
	}
}

// checkIDTokenError checks that err is an *providers.IDTokenError of the
// provider "mock" whose message contains want.
func checkIDTokenError(t *testing.T, err error, want string) {
	t.Helper()
	var idErr *providers.IDTokenError
	if !errors.As(err, &idErr) {
		t.Fatalf("error = %v (%T), want a *providers.IDTokenError", err, err)
	}
	if idErr.Provider != "mock" {
		t.Errorf("IDTokenError.Provider = %q, want mock", idErr.Provider)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "providers: mock: ID token rejected: ") {
		t.Errorf("message %q does not name the provider and the ID token", msg)
	}
	if !strings.Contains(msg, want) {
		t.Errorf("message %q does not contain %q", msg, want)
	}
}

// translateClientID rewrites the client id of authorization and token
// requests from deployed to real.
func translateClientID(deployed, real string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			query := r.URL.Query()
			if query.Get("client_id") == deployed {
				query.Set("client_id", real)
				r.URL.RawQuery = query.Encode()
			}
			if r.Method == http.MethodPost && r.ParseForm() == nil && r.PostForm.Get("client_id") == deployed {
				r.PostForm.Set("client_id", real)
				r.Form.Set("client_id", real)
			}
			next.ServeHTTP(w, r)
		})
	}
}

func TestOIDCNonceMismatch(t *testing.T) {
	// Without S256 in discovery and pkce in checks, no code verifier ties
	// a code to its sign-in, so only the nonce can tell that the code of
	// one sign-in arrived with the state of another.
	m := startMockOIDC(t, func(m *mockoidc.MockOIDC) {
		m.CodeChallengeMethodsSupported = []string{"plain"}
	})
	deployment := strings.Replace(mockDeployment(m.MockOIDC, ""), "checks: [state, pkce, nonce]", "checks: [state, nonce]", 1)
	h := newDeploymentHarness(t, deployment)

	first := h.startSignIn("mock")
	if m.lastAuthorize().Has("code_challenge") {
		t.Fatal("a code challenge was sent, so PKCE, not the nonce, would catch the swap")
	}
	second := h.startSignIn("mock")

	swapped := *second
	query := second.Query()
	query.Set("code", first.Query().Get("code"))
	swapped.RawQuery = query.Encode()
	resp := h.getURL(&swapped)
	if resp.StatusCode == http.StatusOK || h.lastResult() != nil {
		t.Fatal("sign-in succeeded with the code of another sign-in")
	}
	checkIDTokenError(t, h.lastError(), "nonce")
	if !errors.Is(h.lastError(), providers.ErrNonceMismatch) {
		t.Errorf("error = %v, want providers.ErrNonceMismatch", h.lastError())
	}
}

func TestOIDCIssuerParameter(t *testing.T) {
	m := startMockOIDC(t, nil)

	// A discovery document that adds authorization_response_iss_parameter_supported
	// to mockoidc's, which lacks it.
	discovery := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := http.Get(m.DiscoveryEndpoint())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		var doc map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		doc["authorization_response_iss_parameter_supported"] = true
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
	}))
	t.Cleanup(discovery.Close)
	withIss := mockDeployment(m.MockOIDC, "discovery: "+discovery.URL+"/.well-known/openid-configuration")

	tests := []struct {
		name       string
		deployment string
		iss        string // "" sends no iss
		want       error  // nil: the sign-in succeeds
	}{
		{"foreign iss", mockDeployment(m.MockOIDC, ""), "http://127.0.0.1:1/attacker", oauth.ErrIssuerMismatch},
		{"matching iss", mockDeployment(m.MockOIDC, ""), m.Issuer(), nil},
		{"no iss where optional", mockDeployment(m.MockOIDC, ""), "", nil},
		{"no iss where supported", withIss, "", oauth.ErrMissingIssuer},
		{"matching iss where supported", withIss, m.Issuer(), nil},
		{"foreign iss where supported", withIss, "http://127.0.0.1:1/attacker", oauth.ErrIssuerMismatch},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			h := newDeploymentHarness(t, test.deployment)
			callback := h.startSignIn("mock")
			query := callback.Query()
			if test.iss != "" {
				query.Set("iss", test.iss)
			}
			callback.RawQuery = query.Encode()

			resp := h.getURL(callback)
			if test.want == nil {
				if resp.StatusCode != http.StatusOK || h.lastResult() == nil {
					t.Fatalf("sign-in ended with %d, error %v", resp.StatusCode, h.lastError())
				}
				return
			}
			if h.lastResult() != nil {
				t.Fatal("sign-in succeeded")
			}
			if !errors.Is(h.lastError(), test.want) {
				t.Errorf("error = %v, want %v", h.lastError(), test.want)
			}
		})
	}
}

// TestOIDCIssuerCheckedOnErrorResponse checks that an error response is
// matched to its issuer before it is reported, as RFC 9207 §2.4 requires,
// so a response from another provider is not shown as this provider's error.
func TestOIDCIssuerCheckedOnErrorResponse(t *testing.T) {
	m := startMockOIDC(t, nil)
	h := newDeploymentHarness(t, mockDeployment(m.MockOIDC, ""))

	callback := h.startSignIn("mock")
	query := url.Values{}
	query.Set("state", callback.Query().Get("state"))
	query.Set("error", "access_denied")
	query.Set("iss", "http://127.0.0.1:1/attacker")
	callback.RawQuery = query.Encode()

	h.getURL(callback)
	if !errors.Is(h.lastError(), oauth.ErrIssuerMismatch) {
		t.Errorf("error = %v, want oauth.ErrIssuerMismatch", h.lastError())
	}
}
