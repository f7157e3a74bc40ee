package presetauth_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/presetauth/presetauth"
	"github.com/presetauth/presetauth/oauth"
	"github.com/presetauth/presetauth/oauthtest"
	"github.com/presetauth/presetauth/providers"
)

// The tests in this file attack the browser flow the way RFC 9700 (OAuth
// 2.0 Security Best Current Practice) describes for clients, and feed it
// broken provider replies. TESTING.md maps each item to its test.

// emulatedClientID and emulatedClientSecret are the client that the
// harnesses register with each emulator.
const (
	emulatedClientID     = "990602627938098"
	emulatedClientSecret = "emulated-app-secret"
)

// outcomes collects what a handler hands to OnSignIn and OnError.
type outcomes struct {
	mu      sync.Mutex
	results []*oauth.Result
	errs    []error
}

func (o *outcomes) onSignIn(w http.ResponseWriter, r *http.Request, res *oauth.Result) {
	o.mu.Lock()
	o.results = append(o.results, res)
	o.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(res.Profile)
}

func (o *outcomes) onError(w http.ResponseWriter, r *http.Request, err error) {
	o.mu.Lock()
	o.errs = append(o.errs, err)
	o.mu.Unlock()
	http.Error(w, oauth.ErrorMessage(err), oauth.ErrorStatus(err))
}

func (o *outcomes) counts() (results, errs int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.results), len(o.errs)
}

func (o *outcomes) lastError() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.errs) == 0 {
		return nil
	}
	return o.errs[len(o.errs)-1]
}

// emulatorDeployment returns a deployment file with one provider per id,
// each from preset with the emulator's endpoints and extra overrides.
func emulatorDeployment(t *testing.T, emulator *oauthtest.Server, preset, extra string, ids ...string) string {
	t.Helper()
	deployment := "providers:\n"
	for _, id := range ids {
		deployment += fmt.Sprintf("  %s:\n    preset: %s\n%s", id, preset, indent(layer(t, emulator.Override(), extra), 4))
	}
	return deployment
}

// startEmulator starts the emulator of a built-in provider with the
// harnesses' client.
func startEmulator(t *testing.T, name string) *oauthtest.Server {
	t.Helper()
	emulated, err := oauthtest.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	s := oauthtest.NewServer(emulated, oauthtest.Client{ID: emulatedClientID, Secret: emulatedClientSecret, AllowHTTPLoopback: true})
	t.Cleanup(s.Close)
	return s
}

// newDeploymentHandler loads a deployment and builds its handler with opts.
// Sealer defaults to one from testSecret, and Logger to one that discards.
func newDeploymentHandler(t *testing.T, deployment string, opts oauth.Options) *oauth.Handler {
	t.Helper()
	cfg, err := presetauth.Load("auth.yaml", []byte(deployment), presetauth.WithLookup(func(string) (string, bool) { return "", false }))
	if err != nil {
		t.Fatalf("Load: %v\n%s", err, deployment)
	}
	if opts.Sealer == nil {
		opts.Sealer, err = presetauth.NewSealer([]byte(testSecret))
		if err != nil {
			t.Fatal(err)
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h, err := cfg.Handler(opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// browser is an http.Client with a cookie jar that stops before the
// callback, so that a test can change the callback before sending it.
type browser struct {
	t *testing.T
	*http.Client
	visited []string // every URL requested and every Location received
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t}
	b.Client = &http.Client{Jar: jar, Timeout: 10 * time.Second}
	b.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		b.visited = append(b.visited, req.URL.String())
		if strings.Contains(req.URL.Path, "/callback/") {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return b
}

// start opens a sign-in URL and returns the callback URL that the
// provider redirected to, without requesting it.
func (b *browser) start(signInURL string) *url.URL {
	b.t.Helper()
	b.visited = append(b.visited, signInURL)
	resp, err := b.Get(signInURL)
	if err != nil {
		b.t.Fatalf("sign-in: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("sign-in ended with %d, want the redirect to the callback", resp.StatusCode)
	}
	callback, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		b.t.Fatal(err)
	}
	return callback
}

// open requests u with the browser's cookies, following redirects up to
// a callback, and returns the response with its body.
func (b *browser) open(u string) (*http.Response, string) {
	b.t.Helper()
	b.visited = append(b.visited, u)
	resp, err := b.Get(u)
	if err != nil {
		b.t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	if location := resp.Header.Get("Location"); location != "" {
		b.visited = append(b.visited, location)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// withQuery returns u with its query replaced.
func withQuery(u *url.URL, query string) string {
	c := *u
	c.RawQuery = query
	return c.String()
}

// onHost returns u on the host of base, as a load balancer delivers a
// request to one of its instances.
func onHost(u *url.URL, base string) string {
	target, err := url.Parse(base)
	if err != nil {
		panic(err)
	}
	c := *u
	c.Scheme, c.Host = target.Scheme, target.Host
	return c.String()
}

// pkceChallenge is the S256 code challenge of a verifier (RFC 7636 §4.2).
func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestPKCEChallengeIsS256OfVerifier(t *testing.T) {
	h := newPresetHarness(t, "x", "", nil)
	resp, _ := h.get("/auth/signin/x")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in ended with %d: %v", resp.StatusCode, h.lastError())
	}
	authorize := h.emulator.Requests(oauthtest.EndpointAuthorize)[0].Query
	token := h.emulator.Requests(oauthtest.EndpointToken)[0].Form
	if got := authorize.Get("code_challenge_method"); got != "S256" {
		t.Errorf("code_challenge_method = %q, want S256", got)
	}
	verifier := token.Get("code_verifier")
	if len(verifier) < 43 {
		t.Fatalf("code_verifier = %q, want at least 43 characters", verifier)
	}
	if got := authorize.Get("code_challenge"); got != pkceChallenge(verifier) {
		t.Errorf("code_challenge = %q, want BASE64URL(SHA256(verifier)) = %q", got, pkceChallenge(verifier))
	}
	if strings.Contains(h.emulator.Requests(oauthtest.EndpointAuthorize)[0].URL.RawQuery, verifier) {
		t.Error("the authorization request carries the verifier itself")
	}
}

// A code taken from one sign-in and injected into another (RFC 9700
// §4.5) is redeemed with the second sign-in's verifier, so a provider that
// checks PKCE rejects it. Threads has no PKCE, so there the injection
// succeeds: the state check alone cannot catch it.
func TestPKCEStopsCodeInjection(t *testing.T) {
	tests := []struct {
		preset      string
		wantBlocked bool
	}{
		{"x", true},
		{"threads", false},
	}
	for _, test := range tests {
		t.Run(test.preset, func(t *testing.T) {
			h := newPresetHarness(t, test.preset, "", nil)
			stolen := h.startSignIn(test.preset) // the victim's code
			mine := h.startSignIn(test.preset)   // the attacker's own sign-in

			query := mine.Query()
			query.Set("code", strings.TrimSuffix(stolen.Query().Get("code"), "#_"))
			resp, _ := h.get(mine.Path + "?" + query.Encode())

			if !test.wantBlocked {
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("without PKCE the injected code should sign in; status %d: %v", resp.StatusCode, h.lastError())
				}
				return
			}
			if h.lastResult() != nil {
				t.Fatal("the injected code signed in")
			}
			var perr *providers.ProviderError
			if !errors.As(h.lastError(), &perr) || perr.Endpoint != "token" {
				t.Errorf("error = %v, want the token endpoint's rejection", h.lastError())
			}
		})
	}
}

// The verifier comes from the sealed cookie, never from the callback, and
// the redirect URI of the token request is the application's own.
func TestCallbackCannotSupplyVerifier(t *testing.T) {
	h := newPresetHarness(t, "x", "", nil)
	callback := h.startSignIn("x")
	query := callback.Query()
	query.Set("code_verifier", strings.Repeat("A", 43))
	query.Set("redirect_uri", "https://attacker.example/cb")
	query.Set("nonce", "attacker")
	resp, _ := h.get(callback.Path + "?" + query.Encode())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in ended with %d: %v", resp.StatusCode, h.lastError())
	}
	form := h.emulator.Requests(oauthtest.EndpointToken)[0].Form
	if form.Get("code_verifier") == strings.Repeat("A", 43) {
		t.Error("the token request used the verifier from the callback")
	}
	if got := form.Get("redirect_uri"); got != h.app.URL+"/auth/callback/x" {
		t.Errorf("redirect_uri = %q, want the application's callback", got)
	}
}

// A provider that requires PKCE refuses an authorization request whose
// challenge was stripped, so the sign-in never reaches the callback.
func TestPKCEChallengeStripped(t *testing.T) {
	h := newPresetHarness(t, "x", "", nil)
	noRedirect := *h.client
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noRedirect.Get(h.app.URL + "/auth/signin/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	authorize := mustURL(t, resp.Header.Get("Location"))
	query := authorize.Query()
	query.Del("code_challenge")
	query.Del("code_challenge_method")
	authorize.RawQuery = query.Encode()

	resp, err = noRedirect.Get(authorize.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusFound {
		t.Errorf("the provider redirected back without a challenge: %s", resp.Header.Get("Location"))
	}
	if n := len(h.emulator.Requests(oauthtest.EndpointToken)); n != 0 {
		t.Errorf("%d token requests, want none", n)
	}
}

// A provider that omits state on the way back (or an attacker who strips
// it) leaves a callback without state, which fails before the code is
// used.
func TestStateStrippedFromAuthorizationRequest(t *testing.T) {
	h := newSignInHarness(t, "")
	noRedirect := *h.client
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noRedirect.Get(h.app.URL + "/auth/signin/threads")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	authorize := mustURL(t, resp.Header.Get("Location"))
	query := authorize.Query()
	query.Del("state")
	authorize.RawQuery = query.Encode()

	resp, err = noRedirect.Get(authorize.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	callback := mustURL(t, resp.Header.Get("Location"))
	if callback.Query().Has("state") {
		t.Fatalf("the emulator added a state: %s", callback)
	}
	resp, _ = h.get(callback.RequestURI())
	if resp.StatusCode != http.StatusBadRequest || !errors.Is(h.lastError(), oauth.ErrMissingState) {
		t.Errorf("status %d, error %v; want 400 and ErrMissingState", resp.StatusCode, h.lastError())
	}
	if n := len(h.emulator.Requests(oauthtest.EndpointToken)); n != 0 {
		t.Errorf("%d token requests, want none", n)
	}
}

// instancePair is two handler instances of one site (same PublicURL and key
// set), each on its own loopback server, such as two servers behind a load
// balancer during a rolling deploy.
type instancePair struct {
	emulator *oauthtest.Server
	a, b     *httptest.Server
	outcomes outcomes
}

// newInstancePair serves the Threads preset with the overrides extraA on
// instance a and extraB on instance b, both against one Threads emulator.
func newInstancePair(t *testing.T, extraA, extraB string) *instancePair {
	t.Helper()
	p := &instancePair{emulator: startEmulator(t, "threads")}

	// The public URL is instance a's; b is reached by moving a request to
	// its host, as a load balancer would.
	mux := &switchHandler{}
	p.a = httptest.NewServer(mux)
	t.Cleanup(p.a.Close)
	opts := oauth.Options{PublicURL: p.a.URL, OnSignIn: p.outcomes.onSignIn, OnError: p.outcomes.onError}
	mux.set(newDeploymentHandler(t, emulatorDeployment(t, p.emulator, "threads", extraA, "threads"), opts))
	p.b = httptest.NewServer(newDeploymentHandler(t, emulatorDeployment(t, p.emulator, "threads", extraB, "threads"), opts))
	t.Cleanup(p.b.Close)
	return p
}

// switchHandler serves the handler set last.
type switchHandler struct {
	mu sync.Mutex
	h  http.Handler
}

func (s *switchHandler) set(h http.Handler) {
	s.mu.Lock()
	s.h = h
	s.mu.Unlock()
}

func (s *switchHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	h := s.h
	s.mu.Unlock()
	h.ServeHTTP(w, r)
}

// The state cookie is bound to the provider id, client id and redirect
// URI: a sign-in started under one of them does not finish under another,
// even on an instance that shares the key set.
func TestStateBoundToClientAndRedirectURI(t *testing.T) {
	tests := []struct {
		name   string
		extraB string
		want   error
	}{
		{"same configuration", "", nil},
		{"other client id", "client_id: \"111111111111111\"\n", oauth.ErrProviderMismatch},
		{"other redirect URI", "redirect_url: http://127.0.0.1:1/auth/callback/threads\n", oauth.ErrProviderMismatch},
		{"PKCE now required", "checks: [state, pkce]\n", oauth.ErrStateInvalid},
		{"nonce now required", "checks: [state, nonce]\n", oauth.ErrStateInvalid},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			p := newInstancePair(t, "", test.extraB)
			b := newBrowser(t)
			callback := b.start(p.a.URL + "/auth/signin/threads")
			resp, _ := b.open(onHost(callback, p.b.URL))

			results, _ := p.outcomes.counts()
			if test.want == nil {
				if resp.StatusCode != http.StatusOK || results != 1 {
					t.Fatalf("status %d, error %v; want the sign-in to finish on the other instance", resp.StatusCode, p.outcomes.lastError())
				}
				return
			}
			if results != 0 {
				t.Fatal("the sign-in finished")
			}
			if !errors.Is(p.outcomes.lastError(), test.want) {
				t.Errorf("error = %v, want %v", p.outcomes.lastError(), test.want)
			}
			if n := len(p.emulator.Requests(oauthtest.EndpointToken)); n != 0 {
				t.Errorf("%d token requests, want none", n)
			}
		})
	}
}

// Login CSRF (RFC 9700 §4.7): an attacker's callback URL, with the
// attacker's code and state, opened in the victim's browser fails, because
// the state cookie is in the attacker's browser only. The victim's own
// pending sign-in is left intact.
func TestCallbackFromAnotherBrowser(t *testing.T) {
	h := newSignInHarness(t, "")
	attacker := newBrowser(t)
	forged := attacker.start(h.app.URL + "/auth/signin/threads")

	victim := newBrowser(t)
	pending := victim.start(h.app.URL + "/auth/signin/threads")
	resp, _ := victim.open(forged.String())
	if resp.StatusCode != http.StatusBadRequest || !errors.Is(h.lastError(), oauth.ErrNoSignIn) {
		t.Errorf("status %d, error %v; want 400 and ErrNoSignIn", resp.StatusCode, h.lastError())
	}
	if n := len(h.emulator.Requests(oauthtest.EndpointToken)); n != 0 {
		t.Fatalf("%d token requests, want none", n)
	}

	resp, _ = victim.open(pending.String())
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the victim's own sign-in ended with %d: %v", resp.StatusCode, h.lastError())
	}
}

// The state is single use: the browser loses its cookie at the callback,
// and a replay with a saved copy of the cookie reaches the provider with a
// spent code, which fails. OnSignIn runs once.
func TestCallbackReplay(t *testing.T) {
	h := newSignInHarness(t, "")
	callback := h.startSignIn("threads")
	saved := h.jarRequest(callback) // the callback with its cookie, as captured
	if resp, _ := h.get(callback.RequestURI()); resp.StatusCode != http.StatusOK {
		t.Fatalf("first use: status %d: %v", resp.StatusCode, h.lastError())
	}

	resp, _ := h.get(callback.RequestURI())
	if resp.StatusCode != http.StatusBadRequest || !errors.Is(h.lastError(), oauth.ErrNoSignIn) {
		t.Errorf("replay in the same browser: status %d, error %v; want ErrNoSignIn", resp.StatusCode, h.lastError())
	}

	replayed, err := http.DefaultClient.Do(saved)
	if err != nil {
		t.Fatal(err)
	}
	replayed.Body.Close()
	var perr *providers.ProviderError
	if replayed.StatusCode == http.StatusOK || !errors.As(h.lastError(), &perr) {
		t.Errorf("replay with the saved cookie: status %d, error %v; want the provider's rejection of the spent code", replayed.StatusCode, h.lastError())
	}
	h.mu.Lock()
	n := len(h.results)
	h.mu.Unlock()
	if n != 1 {
		t.Errorf("OnSignIn ran %d times, want 1", n)
	}
}

func TestRepeatedCallbackParameters(t *testing.T) {
	for _, name := range []string{"state", "code", "iss", "error", "error_description", "error_reason", "session_state", "x"} {
		t.Run(name, func(t *testing.T) {
			h := newSignInHarness(t, "")
			callback := h.startSignIn("threads")
			raw := callback.RawQuery
			for _, value := range []string{"a", "b"} {
				if name == "state" || name == "code" {
					value = callback.Query().Get(name)
				}
				raw += "&" + name + "=" + url.QueryEscape(value)
			}
			resp, _ := h.get(callback.Path + "?" + raw)
			if resp.StatusCode != http.StatusBadRequest || !errors.Is(h.lastError(), oauth.ErrRepeatedParameter) {
				t.Errorf("status %d, error %v; want 400 and ErrRepeatedParameter", resp.StatusCode, h.lastError())
			}
			if n := len(h.emulator.Requests(oauthtest.EndpointToken)); n != 0 {
				t.Errorf("%d token requests, want none", n)
			}
		})
	}
}

// Issuer mix-up defence for an oauth2 provider with a declared issuer
// (RFC 9207): a foreign iss fails, on success and error responses alike.
func TestIssuerParameterOAuth2(t *testing.T) {
	const issuer = "https://threads.example"
	tests := []struct {
		name  string
		query func(callback *url.URL) url.Values
		want  error
	}{
		{"matching iss", func(c *url.URL) url.Values { q := c.Query(); q.Set("iss", issuer); return q }, nil},
		{"no iss", func(c *url.URL) url.Values { return c.Query() }, nil},
		{"foreign iss", func(c *url.URL) url.Values { q := c.Query(); q.Set("iss", "https://attacker.example"); return q }, oauth.ErrIssuerMismatch},
		{"issuer with a trailing slash", func(c *url.URL) url.Values { q := c.Query(); q.Set("iss", issuer+"/"); return q }, oauth.ErrIssuerMismatch},
		{"foreign iss on an error response", func(c *url.URL) url.Values {
			return url.Values{"state": {c.Query().Get("state")}, "error": {"access_denied"}, "iss": {"https://attacker.example"}}
		}, oauth.ErrIssuerMismatch},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			h := newSignInHarness(t, "issuer: "+issuer+"\n")
			callback := h.startSignIn("threads")
			resp, _ := h.get(callback.Path + "?" + test.query(callback).Encode())
			if test.want == nil {
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d: %v", resp.StatusCode, h.lastError())
				}
				return
			}
			if !errors.Is(h.lastError(), test.want) {
				t.Errorf("error = %v, want %v", h.lastError(), test.want)
			}
			if n := len(h.emulator.Requests(oauthtest.EndpointToken)); n != 0 {
				t.Errorf("%d token requests, want none", n)
			}
		})
	}
}

// No token travels in a URL that the browser requests or receives (RFC 9700 §2.1.2: the
// authorization code grant, never the implicit one), and the userinfo
// request carries the token in the Authorization header.
func TestNoTokenInBrowserURLs(t *testing.T) {
	for _, preset := range []string{"threads", "x", "github", "google"} {
		t.Run(preset, func(t *testing.T) {
			h := newPresetHarness(t, preset, "", nil)
			b := newBrowser(t)
			b.Jar = h.client.Jar
			callback := b.start(h.app.URL + "/auth/signin/" + preset)
			resp, body := b.open(callback.String())
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("sign-in ended with %d: %s %v", resp.StatusCode, body, h.lastError())
			}
			res := h.lastResult()
			if got := h.emulator.Requests(oauthtest.EndpointAuthorize)[0].Query.Get("response_type"); got != "code" {
				t.Errorf("response_type = %q, want code", got)
			}
			tokens := []string{res.Token.AccessToken}
			if res.Token.RefreshToken != "" {
				tokens = append(tokens, res.Token.RefreshToken)
			}
			if idToken, _ := providers.Extras(res.Token)["id_token"].(string); idToken != "" {
				tokens = append(tokens, idToken)
			}
			for _, visited := range b.visited {
				for _, token := range tokens {
					if strings.Contains(visited, token) {
						t.Errorf("the browser saw a token in %s", visited)
					}
				}
			}
			for _, r := range h.emulator.Requests(oauthtest.EndpointUserinfo) {
				if r.Query.Has("access_token") {
					t.Errorf("userinfo request carries access_token in its query")
				}
				if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
					t.Errorf("userinfo request has no bearer Authorization header")
				}
			}
		})
	}
}

// Every response of the handler, redirect, success or failure, carries
// Cache-Control: no-store and Referrer-Policy: no-referrer, so that neither
// a cache nor a Referer header keeps the code or the state (RFC 9700
// §4.2.4).
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	h := newSignInHarness(t, "")
	defaultPage := httptest.NewServer(newDeploymentHandler(t, emulatorDeployment(t, h.emulator, "threads", "", "threads"), oauth.Options{
		OnSignIn: func(w http.ResponseWriter, r *http.Request, res *oauth.Result) {},
	}))
	t.Cleanup(defaultPage.Close)

	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	callback := h.startSignIn("threads")
	requests := []struct {
		name string
		url  string
	}{
		{"sign-in redirect", h.app.URL + "/auth/signin/threads"},
		{"successful callback", callback.String()},
		{"callback without state", h.app.URL + "/auth/callback/threads?code=x"},
		{"callback with the provider's error", h.app.URL + "/auth/callback/threads?error=access_denied&state=x"},
		{"unknown provider", h.app.URL + "/auth/signin/nope"},
		{"default error page", defaultPage.URL + "/auth/callback/threads?code=x&state=y"},
		{"default error page, unknown provider", defaultPage.URL + "/auth/callback/nope"},
	}
	for _, test := range requests {
		t.Run(test.name, func(t *testing.T) {
			client := noRedirect
			if test.name == "successful callback" {
				client = h.client
			}
			resp, err := client.Get(test.url)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			for name, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"} {
				if got := resp.Header.Get(name); got != want {
					t.Errorf("%s = %q, want %q (status %d)", name, got, want, resp.StatusCode)
				}
			}
		})
	}
}

// xssPayloads are error and error_description values that would run
// script or break out of an attribute if the page did not escape them.
var xssPayloads = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`'><svg onload=alert(1)>`,
	`javascript:alert(document.cookie)`,
	`</p><a href="javascript:alert(1)">click</a>`,
	`<iframe src="https://attacker.example"></iframe>`,
	`{{.}}<!--`,
	`&lt;script&gt;`,
	"\u202eevil\u202c",
	"line one\r\nSet-Cookie: a=b",
	"\x00\x1b[31mred",
}

// The default error page shows the provider's error code and description,
// escaped by html/template, without control characters and cut to about
// 200 bytes, under a Content-Security-Policy that forbids scripts.
func TestErrorPageEscapesProviderError(t *testing.T) {
	emulator := startEmulator(t, "threads")
	app := httptest.NewServer(newDeploymentHandler(t, emulatorDeployment(t, emulator, "threads", "", "threads"), oauth.Options{
		OnSignIn: func(w http.ResponseWriter, r *http.Request, res *oauth.Result) {},
	}))
	t.Cleanup(app.Close)

	cases := append([]string{strings.Repeat("long ", 100)}, xssPayloads...)
	for _, payload := range cases {
		t.Run(shortName(payload), func(t *testing.T) {
			b := newBrowser(t)
			callback := b.start(app.URL + "/auth/signin/threads")
			query := url.Values{"state": {callback.Query().Get("state")}, "error": {payload}, "error_description": {payload}}
			resp, body := b.open(withQuery(callback, query.Encode()))

			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("status %d, want 403", resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Security-Policy"); !strings.Contains(got, "default-src 'none'") || strings.Contains(got, "script-src") {
				t.Errorf("Content-Security-Policy = %q, want default-src 'none' and no script source", got)
			}
			if got := resp.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", got)
			}
			for _, raw := range []string{"<script", "<img", "<svg", "<iframe", `href="javascript`, "\u202e", "\r\nSet-Cookie", "\x00", "\x1b"} {
				if strings.Contains(body, raw) {
					t.Errorf("page contains %q unescaped:\n%s", raw, body)
				}
			}
			if !strings.Contains(body, `id="error-code"`) {
				t.Errorf("page does not show the error code:\n%s", body)
			}
			if strings.Contains(payload, "<script>") && !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Errorf("page does not show the payload escaped:\n%s", body)
			}
			if len(body) > 3000 {
				t.Errorf("page is %d bytes; the provider text is not cut", len(body))
			}
		})
	}
}

func shortName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == '/' {
			return '_'
		}
		return r
	}, s)
	if len(s) > 24 {
		s = s[:24]
	}
	return s
}

// The handler rejects open-redirect return paths before anything else
// happens: no state cookie, no redirect to the provider. The full table
// of payloads runs against SafeReturnPath in package oauth.
func TestReturnToPayloadsAtHandler(t *testing.T) {
	h := newSignInHarness(t, "")
	payloads := []string{
		"//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example",
		"http:evil.example", "javascript:alert(1)", "/%2f%2fevil.example", "/%5cevil.example", "/\t/evil.example",
		"/\r\n/evil.example", "%2f%2fevil.example", " //evil.example", "/\u2215evil.example", "/\uff0fevil.example",
		"/%252f%252fevil.example", "/%c0%afevil.example", "data:text/html,x", "//evil.example@app.example",
		"/" + strings.Repeat("a", oauth.MaxReturnPathLength),
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, payload := range payloads {
		t.Run(shortName(payload), func(t *testing.T) {
			resp, err := noRedirect.Get(h.app.URL + "/auth/signin/threads?return_to=" + url.QueryEscape(payload))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || !errors.Is(h.lastError(), oauth.ErrInvalidReturnPath) {
				t.Errorf("status %d, error %v; want 400 and ErrInvalidReturnPath", resp.StatusCode, h.lastError())
			}
			if resp.Header.Get("Location") != "" || resp.Header.Get("Set-Cookie") != "" {
				t.Errorf("rejected return_to still set a cookie or redirected")
			}
		})
	}
	if n := len(h.emulator.Requests(oauthtest.EndpointAuthorize)); n != 0 {
		t.Errorf("%d authorization requests, want none", n)
	}
}

// badReplies are provider replies that break the rules, sent through the
// emulator at each endpoint of a Threads sign-in.
var badReplies = []struct {
	name  string
	reply oauthtest.Reply
	want  any // a pointer to the error type that errors.As must find
	is    error
}{
	{"HTML error page", oauthtest.Reply{Status: 500, ContentType: "text/html", Body: []byte("<!doctype html><html><title>Oops</title><body>" + strings.Repeat("<p>Internal Server Error</p>", 50) + "</body></html>")}, new(*providers.ReplyError), providers.ErrUnexpectedStatus},
	{"HTML page with 200", oauthtest.Reply{ContentType: "text/html", Body: []byte("<html><body>Log in to continue</body></html>")}, new(*providers.ReplyError), providers.ErrMalformedReply},
	{"XML", oauthtest.Reply{ContentType: "application/xml", Body: []byte(`<?xml version="1.0"?><token>x</token>`)}, new(*providers.ReplyError), providers.ErrMalformedReply},
	{"image", oauthtest.Reply{ContentType: "image/png", Body: []byte("\x89PNG\r\n\x1a\n")}, new(*providers.ReplyError), providers.ErrMalformedReply},
	{"invalid JSON", oauthtest.Reply{Body: []byte(`{"access_token": THQVJ}`)}, new(*providers.ReplyError), providers.ErrMalformedReply},
	{"truncated JSON", oauthtest.Reply{Body: []byte(`{"access_token":"THQVJtrunc`)}, new(*providers.ReplyError), providers.ErrMalformedReply},
	{"null body", oauthtest.Reply{Body: []byte(`null`)}, new(*providers.ReplyError), providers.ErrMalformedReply},
	{"array body", oauthtest.Reply{Body: []byte(`[{"access_token":"THQVJx","id":"1"}]`)}, new(*providers.ReplyError), providers.ErrMalformedReply},
	{"empty body", oauthtest.Reply{Body: []byte(``)}, new(*providers.ReplyError), nil},
	{"200 with an error", oauthtest.Reply{Body: []byte(`{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190}}`)}, new(*providers.ProviderError), nil},
	{"huge body", oauthtest.Reply{Body: []byte(`{"access_token":"x","id":"1","pad":"` + strings.Repeat("a", 2<<20) + `"}`)}, new(*providers.ReplyError), providers.ErrReplyTooLarge},
	{"redirect", oauthtest.Reply{Status: 302, Header: http.Header{"Location": {"http://127.0.0.1:1/steal?code=x"}}}, new(*providers.RequestError), nil},
}

// missingAccessToken is valid JSON without an access token; the userinfo
// endpoint does not need one, so it runs at the token endpoints only.
var missingAccessToken = oauthtest.Reply{Body: []byte(`{"token_type":"bearer","expires_in":3600}`)}

func TestBadProviderRepliesEndToEnd(t *testing.T) {
	endpoints := []oauthtest.Endpoint{oauthtest.EndpointToken, oauthtest.EndpointExchange, oauthtest.EndpointUserinfo}
	cases := badReplies
	cases = append(cases, struct {
		name  string
		reply oauthtest.Reply
		want  any
		is    error
	}{"missing access token", missingAccessToken, new(*providers.ReplyError), providers.ErrMissingAccessToken})

	for _, test := range cases {
		for _, endpoint := range endpoints {
			if test.name == "missing access token" && endpoint == oauthtest.EndpointUserinfo {
				continue
			}
			t.Run(test.name+"/"+string(endpoint), func(t *testing.T) {
				h := newSignInHarness(t, "")
				h.emulator.FailNext(endpoint, test.reply)
				callback := h.startSignIn("threads")
				code := callback.Query().Get("code")
				resp, body := h.get(callback.RequestURI())

				if resp.StatusCode != http.StatusBadGateway {
					t.Errorf("status %d, want 502", resp.StatusCode)
				}
				if h.lastResult() != nil {
					t.Fatal("the sign-in finished")
				}
				err := h.lastError()
				if !errors.As(err, test.want) {
					t.Fatalf("error = %v (%T), want %T", err, err, test.want)
				}
				if test.is != nil && !errors.Is(err, test.is) {
					t.Errorf("error = %v, want %v", err, test.is)
				}
				text := err.Error()
				if len(text) > 300 {
					t.Errorf("error text is %d bytes, want a short one: %.200s", len(text), text)
				}
				for _, part := range []string{"<html", "<title", "<p>", "<?xml", "aaaa", "THQVJ", "PNG", "127.0.0.1:1", emulatedClientSecret, strings.TrimSuffix(code, "#_")} {
					if strings.Contains(text, part) || strings.Contains(body, part) {
						t.Errorf("error text or page contains %q: %s", part, text)
					}
				}
			})
		}
	}
}
