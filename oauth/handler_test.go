package oauth

import (
	"bytes"
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
	"sync/atomic"
	"testing"
	"time"

	"github.com/presetauth/presetauth/providers"
	"github.com/presetauth/presetauth/schema"
)

// testClientID is as long as the client ids that some providers issue,
// such as Google's, so that cookie size checks see a realistic state.
const testClientID = "123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com"

// testSite runs a provider on loopback whose token endpoint accepts every
// code, an application that serves a Handler, and a browser-like client
// with a cookie jar that stops at every redirect.
type testSite struct {
	t       *testing.T
	handler *Handler
	app     *httptest.Server
	client  *http.Client
	tokens  atomic.Int32 // requests to the token endpoint

	mu      sync.Mutex
	now     time.Time
	results []*Result
	errs    []error
}

// newTestSite starts a site with one provider per id. An id that starts
// with "formpost" gets a provider that returns to the callback with a
// form POST (response_mode form_post). Fields of opts that are unset get test defaults.
func newTestSite(t *testing.T, opts Options, ids ...string) *testSite {
	t.Helper()
	site := &testSite{t: t, now: testNow}

	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/token":
			site.tokens.Add(1)
			io.WriteString(w, `{"access_token":"test-access-token","token_type":"bearer","expires_in":3600}`)
		case "/user":
			io.WriteString(w, `{"id":"42"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(provider.Close)

	for _, id := range ids {
		spec := &schema.Spec{
			Name:          "Example",
			ClientID:      testClientID,
			ClientSecret:  schema.Secret("test-client-secret"),
			Authorization: schema.Endpoint{URL: provider.URL + "/authorize"},
			Token:         schema.TokenEndpoint{Endpoint: schema.Endpoint{URL: provider.URL + "/token"}, AuthMethod: "client_secret_post"},
			Userinfo:      &schema.UserinfoSpec{Endpoint: schema.Endpoint{URL: provider.URL + "/user"}},
			Checks:        []string{"state", "pkce", "nonce"},
			Profile:       schema.ProfileMapping{ID: schema.Paths{"id"}},
		}
		if strings.HasPrefix(id, "formpost") {
			spec.Authorization.Params = map[string]string{"response_mode": "form_post"}
		}
		p, err := providers.New(id, spec, providers.WithTimeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		opts.Providers = append(opts.Providers, p)
	}

	if opts.Sealer == nil {
		opts.Sealer = newTestSealer(t, testSecret('h'))
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	opts.Now = site.clock
	opts.OnSignIn = func(w http.ResponseWriter, r *http.Request, res *Result) {
		site.mu.Lock()
		site.results = append(site.results, res)
		site.mu.Unlock()
		io.WriteString(w, "signed in")
	}
	opts.OnError = func(w http.ResponseWriter, r *http.Request, err error) {
		site.mu.Lock()
		site.errs = append(site.errs, err)
		site.mu.Unlock()
		http.Error(w, ErrorMessage(err), ErrorStatus(err))
	}
	var err error
	site.handler, err = NewHandler(opts)
	if err != nil {
		t.Fatal(err)
	}
	site.app = httptest.NewServer(site.handler)
	t.Cleanup(site.app.Close)

	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	site.client = &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return site
}

func (s *testSite) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

func (s *testSite) advance(d time.Duration) {
	s.mu.Lock()
	s.now = s.now.Add(d)
	s.mu.Unlock()
}

func (s *testSite) lastError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errs) == 0 {
		return nil
	}
	return s.errs[len(s.errs)-1]
}

func (s *testSite) lastResult() *Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.results) == 0 {
		return nil
	}
	return s.results[len(s.results)-1]
}

// get requests path on the application with the jar's cookies and
// returns the response, whose body is read and closed.
func (s *testSite) get(path string) *http.Response {
	s.t.Helper()
	resp, err := s.client.Get(s.app.URL + path)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// start requests the sign-in path of provider with query appended and
// returns the state sent to the provider and the sign-in response.
func (s *testSite) start(provider, query string) (string, *http.Response) {
	s.t.Helper()
	resp := s.get(s.handler.SignInPath(provider) + query)
	if resp.StatusCode != http.StatusFound {
		s.t.Fatalf("sign-in with %s returned %d: %v", provider, resp.StatusCode, s.lastError())
	}
	location, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		s.t.Fatal(err)
	}
	return location.Query().Get("state"), resp
}

// finish sends the provider's redirect back to the callback with state.
func (s *testSite) finish(provider, state string) *http.Response {
	s.t.Helper()
	query := url.Values{"state": {state}, "code": {"test-code"}}
	return s.get(s.handler.CallbackPath(provider) + "?" + query.Encode())
}

// stateCookieNames returns the names of the state cookies that the jar
// sends to the sign-in path of provider.
func (s *testSite) stateCookieNames(provider string) []string {
	s.t.Helper()
	u, err := url.Parse(s.app.URL + s.handler.SignInPath(provider))
	if err != nil {
		s.t.Fatal(err)
	}
	var names []string
	for _, c := range s.client.Jar.Cookies(u) {
		if isStateCookieName(c.Name) {
			names = append(names, c.Name)
		}
	}
	return names
}

func TestNewHandlerRejectsMisuse(t *testing.T) {
	sealer := newTestSealer(t, testSecret('n'))
	onSignIn := func(http.ResponseWriter, *http.Request, *Result) {}
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"nil provider", Options{Providers: []*providers.Provider{nil}, Sealer: sealer, OnSignIn: onSignIn}, "Options.Providers[0] is nil"},
		{"provider not made by New", Options{Providers: []*providers.Provider{{ID: "x"}}, Sealer: sealer, OnSignIn: onSignIn}, "Options.Providers[0] is nil or has no spec"},
		{"nil sealer", Options{OnSignIn: onSignIn}, "Options.Sealer is nil"},
		{"zero-value sealer", Options{Sealer: &Sealer{}, OnSignIn: onSignIn}, "Options.Sealer has no key"},
		{"nil OnSignIn", Options{Sealer: sealer}, "Options.OnSignIn is nil"},
		{"relative base path", Options{Sealer: sealer, OnSignIn: onSignIn, BasePath: "auth"}, `BasePath "auth" must start with /`},
		{"base path with an empty segment", Options{Sealer: sealer, OnSignIn: onSignIn, BasePath: "/auth//in"}, "no empty segment"},
		{"base path of two slashes", Options{Sealer: sealer, OnSignIn: onSignIn, BasePath: "//"}, "no empty segment"},
		{"base path with a query", Options{Sealer: sealer, OnSignIn: onSignIn, BasePath: "/auth?x"}, "no empty segment, query or fragment"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			h, err := NewHandler(test.opts)
			if err == nil {
				t.Fatalf("NewHandler returned a handler, want an error containing %q", test.want)
			}
			if h != nil {
				t.Errorf("NewHandler returned a handler with the error %v", err)
			}
			if !strings.Contains(err.Error(), test.want) {
				t.Errorf("error %q, want it to contain %q", err, test.want)
			}
		})
	}
}

func TestNewHandlerBasePath(t *testing.T) {
	tests := []struct {
		basePath   string
		signIn     string
		callback   string
		cookiePath string
	}{
		{"", "/auth/signin/example", "/auth/callback/example", "/auth"},
		{"/auth", "/auth/signin/example", "/auth/callback/example", "/auth"},
		{"/auth/", "/auth/signin/example", "/auth/callback/example", "/auth"},
		{"/", "/signin/example", "/callback/example", "/"},
		{"/app/login", "/app/login/signin/example", "/app/login/callback/example", "/app/login"},
	}
	for _, test := range tests {
		t.Run(fmt.Sprintf("%q", test.basePath), func(t *testing.T) {
			site := newTestSite(t, Options{BasePath: test.basePath}, "example")
			if got := site.handler.SignInPath("example"); got != test.signIn {
				t.Errorf("SignInPath = %q, want %q", got, test.signIn)
			}
			if got := site.handler.CallbackPath("example"); got != test.callback {
				t.Errorf("CallbackPath = %q, want %q", got, test.callback)
			}

			state, resp := site.start("example", "")
			cookies := resp.Cookies()
			if len(cookies) != 1 {
				t.Fatalf("sign-in set %d cookies, want 1", len(cookies))
			}
			if cookies[0].Path != test.cookiePath {
				t.Errorf("state cookie Path = %q, want %q", cookies[0].Path, test.cookiePath)
			}

			resp = site.finish("example", state)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("callback returned %d: %v", resp.StatusCode, site.lastError())
			}
			if names := site.stateCookieNames("example"); len(names) != 0 {
				t.Errorf("state cookies %v still set after the callback", names)
			}
		})
	}
}

func TestSetSealerIgnoresZeroValue(t *testing.T) {
	var logs bytes.Buffer
	site := newTestSite(t, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, "example")
	site.handler.SetSealer(&Sealer{})

	state, _ := site.start("example", "")
	if resp := site.finish("example", state); resp.StatusCode != http.StatusOK {
		t.Errorf("callback after SetSealer(&Sealer{}) returned %d: %v", resp.StatusCode, site.lastError())
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "SetSealer ignored") {
		t.Errorf("log %q has no error about the ignored sealer", logs.String())
	}
}

// Each case is a return path of MaxReturnPathLength bytes, made of the
// characters that grow most in the JSON of the sealed state.
func TestSignInLongestReturnPathFits(t *testing.T) {
	fill := func(prefix, unit string) string {
		n := (MaxReturnPathLength - len(prefix)) / len(unit)
		s := prefix + strings.Repeat(unit, n)
		return s + strings.Repeat("a", MaxReturnPathLength-len(s))
	}
	tests := []struct {
		name     string
		returnTo string
	}{
		{"less-than signs", fill("/?q=", "<")},
		{"ampersands and greater-than signs", fill("/?q=", "&>")},
		{"double quotes", fill("/?q=", `"`)},
		{"double quotes in the path", fill("/", `"`)},
		{"line separators", fill("/?q=", "\u2028")},
		{"paragraph separators in the path", fill("/a", "\u2029")},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			if len(test.returnTo) != MaxReturnPathLength {
				t.Fatalf("return path is %d bytes, want %d", len(test.returnTo), MaxReturnPathLength)
			}
			if _, ok := SafeReturnPath(test.returnTo); !ok {
				t.Fatal("SafeReturnPath rejects the return path")
			}

			site := newTestSite(t, Options{}, "example")
			state, resp := site.start("example", "?"+url.Values{"return_to": {test.returnTo}}.Encode())
			header := resp.Header.Get("Set-Cookie")
			// RFC 6265, section 6.1: browsers store at least 4096 bytes of
			// name, value and attributes per cookie.
			if len(header) > 4096 {
				t.Errorf("Set-Cookie is %d bytes, want at most 4096", len(header))
			}

			resp = site.finish("example", state)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("callback returned %d: %v", resp.StatusCode, site.lastError())
			}
			if got := site.lastResult().ReturnTo; got != test.returnTo {
				t.Errorf("ReturnTo differs from return_to: %d bytes, want %d", len(got), len(test.returnTo))
			}
		})
	}
}

// The state with every field at its longest, including a long redirect
// URL and the nonce, still fits in one cookie.
func TestStateCookieLongestFits(t *testing.T) {
	h, err := NewHandler(Options{
		Sealer:   newTestSealer(t, testSecret('w')),
		OnSignIn: func(http.ResponseWriter, *http.Request, *Result) {},
	})
	if err != nil {
		t.Fatal(err)
	}
	fs := &flowState{
		Provider:    "example-provider-staging",
		ClientID:    testClientID,
		RedirectURL: "https://accounts.internal.example.com:8443/applications/web/auth/callback/example-provider-staging",
		State:       randomString(32),
		Verifier:    randomString(32),
		Nonce:       randomString(32),
		ReturnTo:    "/?q=" + strings.Repeat(`"`, MaxReturnPathLength-4),
		IssuedAt:    testNow.Unix(),
	}
	name := cookieName(cookiePrefix(true), fs.State)
	value, err := h.sealState(name, fs, testNow)
	if err != nil {
		t.Fatalf("sealState: %v", err)
	}
	cookie := &http.Cookie{
		Name: name, Value: value, Path: "/applications/web/auth", MaxAge: int(DefaultStateTTL.Seconds()),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteNoneMode,
	}
	if n := len(cookie.String()); n > 4096 {
		t.Errorf("Set-Cookie is %d bytes, want at most 4096", n)
	}
}

func TestEncodeStateKeepsHTMLCharacters(t *testing.T) {
	data, err := encodeState(&flowState{ReturnTo: "/?a=<b>&c"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"t":"/?a=<b>&c"`)) {
		t.Errorf("encoded state %s escapes HTML characters", data)
	}
	if bytes.HasSuffix(data, []byte("\n")) {
		t.Errorf("encoded state %q ends with a newline", data)
	}
}

func TestPendingSignInsCapped(t *testing.T) {
	site := newTestSite(t, Options{}, "example")
	var states []string
	for i := range 3 * maxPendingSignIns {
		state, _ := site.start("example", "")
		states = append(states, state)
		site.advance(time.Second)
		if n := len(site.stateCookieNames("example")); n > maxPendingSignIns+1 {
			t.Fatalf("after sign-in %d the browser holds %d state cookies, want at most %d", i+1, n, maxPendingSignIns+1)
		}
	}

	kept := states[len(states)-maxPendingSignIns-1:]
	dropped := states[:len(states)-maxPendingSignIns-1]
	for i, state := range kept {
		if resp := site.finish("example", state); resp.StatusCode != http.StatusOK {
			t.Errorf("kept sign-in %d returned %d: %v", i, resp.StatusCode, site.lastError())
		}
	}
	for i, state := range dropped {
		resp := site.finish("example", state)
		if resp.StatusCode != http.StatusBadRequest || !errors.Is(site.lastError(), ErrNoSignIn) {
			t.Errorf("dropped sign-in %d: status %d, error %v; want 400 and ErrNoSignIn", i, resp.StatusCode, site.lastError())
		}
	}
	if n := site.tokens.Load(); n != int32(len(kept)) {
		t.Errorf("%d token requests, want %d", n, len(kept))
	}
}

// Two tabs with two providers each, and one more sign-in, all finish in
// any order: a new sign-in deletes nothing within the cap.
func TestPendingSignInsWithinCapAllFinish(t *testing.T) {
	site := newTestSite(t, Options{}, "example", "other")
	type pending struct{ provider, state string }
	var started []pending
	for _, provider := range []string{"example", "other", "example", "other", "example"} {
		state, resp := site.start(provider, "")
		if n := len(resp.Cookies()); n != 1 {
			t.Errorf("sign-in with %s set %d cookies, want only its own", provider, n)
		}
		started = append(started, pending{provider, state})
		site.advance(time.Second)
	}
	for _, i := range []int{3, 0, 4, 1, 2} {
		resp := site.finish(started[i].provider, started[i].state)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("sign-in %d with %s returned %d: %v", i, started[i].provider, resp.StatusCode, site.lastError())
		}
	}
}

func TestPendingSignInsDropUnopenable(t *testing.T) {
	site := newTestSite(t, Options{}, "example")
	appURL, err := url.Parse(site.app.URL + "/auth")
	if err != nil {
		t.Fatal(err)
	}

	expired, _ := site.start("example", "")
	site.advance(DefaultStateTTL + time.Second)
	valid, _ := site.start("example", "")
	site.advance(time.Second)

	junk := []*http.Cookie{
		{Name: plainCookiePrefix + "AAAAAAAAAAAA", Value: "not-sealed", Path: "/auth"},
		{Name: plainCookiePrefix + "BBBBBBBBBBBB", Value: mustSeal(t, newTestSealer(t, testSecret('o')), plainCookiePrefix+"BBBBBBBBBBBB", []byte(`{}`), testNow.Add(time.Hour)), Path: "/auth"},
		{Name: plainCookiePrefix + "CCCCCCCCCCCC", Value: "", Path: "/auth"},
	}
	other := &http.Cookie{Name: plainCookiePrefix + "session", Value: "application-session", Path: "/"}
	site.client.Jar.SetCookies(appURL, append(junk, other))
	if n := len(site.stateCookieNames("example")); n != len(junk)+2 {
		t.Fatalf("browser holds %d state cookies before the sign-in, want %d", n, len(junk)+2)
	}

	newest, _ := site.start("example", "")
	names := site.stateCookieNames("example")
	if len(names) != 2 {
		t.Errorf("browser holds the state cookies %v after the sign-in, want 2", names)
	}
	for _, c := range junk {
		for _, name := range names {
			if name == c.Name {
				t.Errorf("cookie %s that does not open is still set", c.Name)
			}
		}
	}
	sessionKept := false
	for _, c := range site.client.Jar.Cookies(appURL) {
		sessionKept = sessionKept || c.Name == other.Name
	}
	if !sessionKept {
		t.Errorf("the application's cookie %s was deleted", other.Name)
	}

	for _, state := range []string{valid, newest} {
		if resp := site.finish("example", state); resp.StatusCode != http.StatusOK {
			t.Errorf("pending sign-in returned %d: %v", resp.StatusCode, site.lastError())
		}
	}
	resp := site.finish("example", expired)
	if resp.StatusCode != http.StatusBadRequest || !errors.Is(site.lastError(), ErrNoSignIn) {
		t.Errorf("expired sign-in: status %d, error %v; want 400 and ErrNoSignIn, its cookie deleted", resp.StatusCode, site.lastError())
	}
}

func TestSignInQueryChecks(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  error
	}{
		{"repeated return_to", "?return_to=%2Fa&return_to=%2Fb", ErrRepeatedParameter},
		{"repeated empty return_to", "?return_to=&return_to=%2Fb", ErrRepeatedParameter},
		{"invalid escape in return_to", "?return_to=%2Fa%zz", ErrMalformedQuery},
		{"invalid escape elsewhere", "?return_to=%2Fa&ref=100%", ErrMalformedQuery},
		{"semicolon separator", "?return_to=%2Fa;x=1", ErrMalformedQuery},
		{"unsafe return_to", "?return_to=%2F%2Fevil.example", ErrInvalidReturnPath},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			site := newTestSite(t, Options{}, "example")
			resp := site.get("/auth/signin/example" + test.query)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", resp.StatusCode)
			}
			if !errors.Is(site.lastError(), test.want) {
				t.Errorf("error %v, want %v", site.lastError(), test.want)
			}
			if n := len(resp.Cookies()); n != 0 {
				t.Errorf("rejected sign-in set %d cookies", n)
			}
		})
	}

	t.Run("empty return_to", func(t *testing.T) {
		site := newTestSite(t, Options{}, "example")
		state, _ := site.start("example", "?return_to=&ref=mail")
		if resp := site.finish("example", state); resp.StatusCode != http.StatusOK {
			t.Fatalf("callback returned %d: %v", resp.StatusCode, site.lastError())
		}
		if got := site.lastResult().ReturnTo; got != "/" {
			t.Errorf("ReturnTo = %q, want /", got)
		}
	})
}

func TestCallbackMalformedParameters(t *testing.T) {
	tests := []struct {
		name     string
		provider string
		query    string // STATE is replaced by the pending sign-in's state
		body     string // sent as a form POST when not empty
	}{
		{"invalid escape in code", "example", "code=%zz&state=STATE", ""},
		{"invalid escape in state", "example", "code=x&state=%zz", ""},
		{"semicolon separator", "example", "code=x;state=STATE", ""},
		{"invalid escape in form body", "formpost", "", "code=%zz&state=STATE"},
		{"oversized form body", "formpost", "", "state=STATE&code=" + strings.Repeat("a", maxFormBody)},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			site := newTestSite(t, Options{}, test.provider)
			state, _ := site.start(test.provider, "")
			target := site.app.URL + site.handler.CallbackPath(test.provider)

			var resp *http.Response
			var err error
			if test.body == "" {
				resp, err = site.client.Get(target + "?" + strings.ReplaceAll(test.query, "STATE", url.QueryEscape(state)))
			} else {
				body := strings.ReplaceAll(test.body, "STATE", url.QueryEscape(state))
				resp, err = site.client.Post(target, "application/x-www-form-urlencoded", strings.NewReader(body))
			}
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()

			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", resp.StatusCode)
			}
			if got := site.lastError(); !errors.Is(got, ErrMalformedQuery) {
				t.Errorf("error %v, want ErrMalformedQuery", got)
			}
			if errors.Is(site.lastError(), ErrMissingState) {
				t.Errorf("error %v also claims that the state is missing", site.lastError())
			}
			if n := site.tokens.Load(); n != 0 {
				t.Errorf("%d token requests, want none", n)
			}
		})
	}
}

func TestCallbackEmptyCode(t *testing.T) {
	for _, query := range []string{"state=STATE", "state=STATE&code=", "state=STATE&code=%23_"} {
		t.Run(query, func(t *testing.T) {
			site := newTestSite(t, Options{}, "example")
			state, _ := site.start("example", "")
			resp := site.get("/auth/callback/example?" + strings.ReplaceAll(query, "STATE", url.QueryEscape(state)))
			if resp.StatusCode != http.StatusBadRequest || !errors.Is(site.lastError(), ErrMissingCode) {
				t.Errorf("status %d, error %v; want 400 and ErrMissingCode", resp.StatusCode, site.lastError())
			}
			if n := site.tokens.Load(); n != 0 {
				t.Errorf("%d token requests, want none", n)
			}
		})
	}
}

// lockedBuffer is a log destination that is safe to read while the
// handler writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the lines written since the last call.
func (b *lockedBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	text := strings.TrimSpace(b.buf.String())
	b.buf.Reset()
	if text == "" {
		return nil
	}
	return strings.Split(text, "\n")
}

func TestUnknownProviderLogging(t *testing.T) {
	var logs lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	site := newTestSite(t, Options{Logger: logger}, "example")

	long := strings.Repeat("x", 200)
	steps := []struct {
		name    string
		path    string
		advance time.Duration
		want    []string // substrings of the one log line
	}{
		{"first request warns", "/auth/signin/nope", 0,
			[]string{"level=WARN", "action=signin", "provider=nope", "since_last_warning=0"}},
		{"repeat within a minute at debug level", "/auth/callback/nope", time.Second,
			[]string{"level=DEBUG", "action=callback", "provider=nope"}},
		{"control characters quoted", "/auth/signin/a%0Alevel=ERROR%20b", time.Second,
			[]string{"level=DEBUG", `provider="a\nlevel=ERROR b"`}},
		{"long id cut to 64 bytes", "/auth/signin/" + long, time.Second,
			[]string{"level=DEBUG", "provider=" + long[:maxLoggedProviderID] + "..." + "\n"}},
		{"warns again after a minute with the count", "/auth/signin/later", time.Minute,
			[]string{"level=WARN", "provider=later", "since_last_warning=3"}},
	}
	for _, step := range steps {
		site.advance(step.advance)
		resp := site.get(step.path)
		if resp.StatusCode != http.StatusNotFound || !errors.Is(site.lastError(), ErrUnknownProvider) {
			t.Errorf("%s: status %d, error %v; want 404 and ErrUnknownProvider", step.name, resp.StatusCode, site.lastError())
		}
		lines := logs.lines()
		if len(lines) != 1 {
			t.Errorf("%s: %d log lines, want 1: %q", step.name, len(lines), lines)
			continue
		}
		for _, want := range step.want {
			if !strings.Contains(lines[0]+"\n", want) {
				t.Errorf("%s: log line %q lacks %q", step.name, lines[0], want)
			}
		}
	}
}

func TestCutLoggedText(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"short", "short"},
		{strings.Repeat("a", 64), strings.Repeat("a", 64)},
		{strings.Repeat("a", 65), strings.Repeat("a", 64) + "..."},
		{strings.Repeat("a", 63) + "é", strings.Repeat("a", 63) + "..."},
		{"bad\xffbyte", "bad\uFFFDbyte"},
	}
	for _, test := range tests {
		if got := cutLoggedText(test.in, 64); got != test.want {
			t.Errorf("cutLoggedText(%q) = %q, want %q", test.in, got, test.want)
		}
	}
}
