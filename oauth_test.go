package presetauth_test

import (
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
	"gopkg.in/yaml.v3"
)

const testSecret = "0123456789abcdef0123456789abcdef"

// signInHarness runs an emulated Threads, an application serving the
// handler, and a browser-like client with a cookie jar.
type signInHarness struct {
	t        *testing.T
	emulator *oauthtest.Server
	app      *httptest.Server
	handler  *oauth.Handler
	client   *http.Client
	now      time.Time

	mu      sync.Mutex
	results []*oauth.Result
	errs    []error
}

// newSignInHarness starts the harness with one provider per id, each from
// the Threads preset pointed at the emulator plus extra overrides.
func newSignInHarness(t *testing.T, extra string, ids ...string) *signInHarness {
	t.Helper()
	return newPresetHarness(t, "threads", extra, nil, ids...)
}

// newPresetHarness starts the emulator of preset and one provider per id
// from that preset, with the emulator's endpoints, extra overrides and
// deployment variables.
func newPresetHarness(t *testing.T, preset, extra string, variables map[string]string, ids ...string) *signInHarness {
	t.Helper()
	emulated, err := oauthtest.Builtin(preset)
	if err != nil {
		t.Fatalf("no emulator for preset %s: %v", preset, err)
	}
	h := &signInHarness{t: t, now: time.Now()}
	h.emulator = oauthtest.NewServer(emulated, oauthtest.Client{ID: "990602627938098", Secret: "emulated-app-secret", AllowHTTPLoopback: true})
	t.Cleanup(h.emulator.Close)

	if len(ids) == 0 {
		ids = []string{preset}
	}
	deployment := ""
	if len(variables) > 0 {
		vars, _ := yaml.Marshal(map[string]any{"variables": variables})
		deployment += string(vars)
	}
	deployment += "providers:\n"
	for _, id := range ids {
		deployment += fmt.Sprintf("  %s:\n    preset: %s\n%s", id, preset, indent(layer(t, h.emulator.Override(), extra), 4))
	}
	cfg, err := presetauth.Load("auth.yaml", []byte(deployment), presetauth.WithLookup(func(string) (string, bool) { return "", false }))
	if err != nil {
		t.Fatalf("Load: %v\n%s", err, deployment)
	}

	h.serve(cfg)
	return h
}

// serve starts the application that serves cfg's handler, recording each
// result and error, and the browser-like client with a cookie jar.
func (h *signInHarness) serve(cfg *presetauth.Config) {
	t := h.t
	t.Helper()
	sealer, err := presetauth.NewSealer([]byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	h.handler, err = cfg.Handler(presetauth.HandlerOptions{
		Sealer: sealer,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:    func() time.Time { h.mu.Lock(); defer h.mu.Unlock(); return h.now },
		OnSignIn: func(w http.ResponseWriter, r *http.Request, res *oauth.Result) {
			h.mu.Lock()
			h.results = append(h.results, res)
			h.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(res.Profile)
		},
		OnError: func(w http.ResponseWriter, r *http.Request, err error) {
			h.mu.Lock()
			h.errs = append(h.errs, err)
			h.mu.Unlock()
			http.Error(w, oauth.ErrorMessage(err), oauth.ErrorStatus(err))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	h.app = httptest.NewServer(h.handler)
	t.Cleanup(h.app.Close)

	jar, _ := cookiejar.New(nil)
	h.client = &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

// layer returns the YAML mapping base with top merged in: mappings merge
// recursively, other values of top replace those of base. Keeping the
// emulator's URLs under a partial override keeps every test on loopback.
func layer(t *testing.T, base []byte, top string) string {
	t.Helper()
	var merged, extra map[string]any
	if err := yaml.Unmarshal(base, &merged); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(top), &extra); err != nil {
		t.Fatal(err)
	}
	mergeMaps(merged, extra)
	out, err := yaml.Marshal(merged)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func mergeMaps(base, top map[string]any) {
	for k, v := range top {
		sub, ok := v.(map[string]any)
		if existing, isMap := base[k].(map[string]any); ok && isMap {
			mergeMaps(existing, sub)
			continue
		}
		base[k] = v
	}
}

func indent(s string, n int) string {
	if s == "" {
		return ""
	}
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pad) + "\n"
}

// get requests path on the application, following redirects and
// submitting the emulator's form_post page as a browser would.
func (h *signInHarness) get(path string) (*http.Response, string) {
	h.t.Helper()
	resp, err := h.client.Get(h.app.URL + path)
	if err != nil {
		h.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	resp, body = h.submitFormPost(resp, body)
	return resp, string(body)
}

// startSignIn follows the sign-in up to the provider's redirect back to
// the callback, and returns the callback URL without requesting it.
func (h *signInHarness) startSignIn(provider string) *url.URL {
	h.t.Helper()
	client := *h.client
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if strings.Contains(req.URL.Path, "/callback/") {
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := client.Get(h.app.URL + "/auth/signin/" + provider)
	if err != nil {
		h.t.Fatalf("sign-in: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		h.t.Fatalf("sign-in ended with %d, want the redirect to the callback", resp.StatusCode)
	}
	callback, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		h.t.Fatal(err)
	}
	return callback
}

func (h *signInHarness) lastError() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.errs) == 0 {
		return nil
	}
	return h.errs[len(h.errs)-1]
}

func (h *signInHarness) lastResult() *oauth.Result {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.results) == 0 {
		return nil
	}
	return h.results[len(h.results)-1]
}

func TestSignInThreads(t *testing.T) {
	h := newSignInHarness(t, "")
	resp, body := h.get("/auth/signin/threads")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in ended with %d: %s (error: %v)", resp.StatusCode, body, h.lastError())
	}

	res := h.lastResult()
	if res == nil {
		t.Fatal("OnSignIn was not called")
	}
	if res.Provider != "threads" {
		t.Errorf("provider = %q", res.Provider)
	}
	want := providers.Profile{
		ID:    "17841405793187218",
		Name:  "Emulated User",
		Image: "https://cdn.threads.example/profile/17841405793187218.jpg",
	}
	if res.Profile.ID != want.ID || res.Profile.Name != want.Name || res.Profile.Image != want.Image || res.Profile.Email != "" {
		t.Errorf("profile = %+v, want %+v", res.Profile, want)
	}
	if got := res.Profile.Extra["username"]; got != "emulated.user" {
		t.Errorf("extra.username = %v", got)
	}
	if got := res.Profile.Extra["verified"]; got != false {
		t.Errorf("extra.verified = %v (%T), want false", got, got)
	}
	if !json.Valid(res.Profile.Raw) || !strings.Contains(string(res.Profile.Raw), `"threads_biography"`) {
		t.Errorf("raw userinfo = %s", res.Profile.Raw)
	}
	if res.ReturnTo != "/" {
		t.Errorf("return to = %q, want /", res.ReturnTo)
	}

	// The long-lived exchange ran: the token is the exchanged one, with
	// its 60-day expiry, and the code exchange's user_id kept exact.
	if exp := time.Until(res.Token.Expiry); exp < 59*24*time.Hour || exp > 61*24*time.Hour {
		t.Errorf("token expires in %v, want about 60 days", exp)
	}
	if got := providers.Extras(res.Token)["user_id"]; got != json.Number("17841405793187218") {
		t.Errorf("user_id = %#v, want json.Number 17841405793187218", got)
	}
	if n := len(h.emulator.Requests(oauthtest.EndpointExchange)); n != 1 {
		t.Errorf("%d exchange requests, want 1", n)
	}
	userinfo := h.emulator.Requests(oauthtest.EndpointUserinfo)
	if len(userinfo) != 1 || userinfo[0].Header.Get("Authorization") != "Bearer "+res.Token.AccessToken {
		t.Errorf("userinfo was not called with the long-lived token")
	}

	// The state cookie is single use: replaying the callback fails.
	for _, c := range h.client.Jar.Cookies(mustURL(t, h.app.URL+"/auth/callback/threads")) {
		if strings.HasPrefix(c.Name, "presetauth-") {
			t.Errorf("state cookie %s still set after the callback", c.Name)
		}
	}
}

func TestSignInScopesJoinedByComma(t *testing.T) {
	h := newSignInHarness(t, "scopes: [threads_basic, threads_content_publish]\n")
	h.startSignIn("threads")
	got := h.emulator.Requests(oauthtest.EndpointAuthorize)[0].Query.Get("scope")
	if got != "threads_basic,threads_content_publish" {
		t.Errorf("scope = %q, want comma-joined", got)
	}
}

func TestSignInReturnTo(t *testing.T) {
	h := newSignInHarness(t, "")
	resp, _ := h.get("/auth/signin/threads?return_to=" + url.QueryEscape("/account?tab=1"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := h.lastResult().ReturnTo; got != "/account?tab=1" {
		t.Errorf("return to = %q", got)
	}

	resp, _ = h.get("/auth/signin/threads?return_to=" + url.QueryEscape("//evil.example/"))
	if resp.StatusCode != http.StatusBadRequest || !errors.Is(h.lastError(), oauth.ErrInvalidReturnPath) {
		t.Errorf("open redirect: status %d, error %v", resp.StatusCode, h.lastError())
	}
}

func TestSignInExchangeTurnedOff(t *testing.T) {
	h := newSignInHarness(t, "exchange: null\n")
	resp, _ := h.get("/auth/signin/threads")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %v", resp.StatusCode, h.lastError())
	}
	if n := len(h.emulator.Requests(oauthtest.EndpointExchange)); n != 0 {
		t.Errorf("%d exchange requests, want none", n)
	}
	if exp := time.Until(h.lastResult().Token.Expiry); exp < 59*time.Minute || exp > time.Hour {
		t.Errorf("token expires in %v, want the documented one hour", exp)
	}
}

func TestSignInMissingPicture(t *testing.T) {
	h := newSignInHarness(t, "")
	h.emulator.SetUser(json.RawMessage(`{"id":"42","username":"no.picture"}`))
	resp, _ := h.get("/auth/signin/threads")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %v", resp.StatusCode, h.lastError())
	}
	p := h.lastResult().Profile
	if p.Image != "" || p.Name != "no.picture" || p.ID != "42" {
		t.Errorf("profile = %+v, want no image and the username as name", p)
	}
}

func TestSignInUserCancels(t *testing.T) {
	h := newSignInHarness(t, "")
	h.emulator.Deny()
	resp, body := h.get("/auth/signin/threads")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status %d, want 403", resp.StatusCode)
	}
	var authErr *oauth.AuthorizationError
	if !errors.As(h.lastError(), &authErr) {
		t.Fatalf("error = %v, want *oauth.AuthorizationError", h.lastError())
	}
	if !authErr.Cancelled() || authErr.Reason != "user_denied" || authErr.Description != "The user denied your request" {
		t.Errorf("authorization error = %+v", authErr)
	}
	if !strings.Contains(body, "cancelled") {
		t.Errorf("page %q does not say the sign-in was cancelled", body)
	}
	if h.lastResult() != nil {
		t.Error("OnSignIn was called")
	}
}

func TestSignInReusedCode(t *testing.T) {
	h := newSignInHarness(t, "")
	first := h.startSignIn("threads")
	if resp, _ := h.get(first.RequestURI()); resp.StatusCode != http.StatusOK {
		t.Fatalf("first sign-in: status %d: %v", resp.StatusCode, h.lastError())
	}

	// A new sign-in, completed with the code the first one spent.
	second := h.startSignIn("threads")
	q := second.Query()
	q.Set("code", first.Query().Get("code"))
	second.RawQuery = q.Encode()
	resp, _ := h.get(second.RequestURI())
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("status %d, want 502", resp.StatusCode)
	}
	var perr *providers.ProviderError
	if !errors.As(h.lastError(), &perr) {
		t.Fatalf("error = %v, want *providers.ProviderError", h.lastError())
	}
	if perr.Endpoint != "token" || perr.Type != "OAuthException" || perr.Code != "400" || perr.Status != 400 ||
		perr.Description != "Matching code was not found or was already used" {
		t.Errorf("provider error = %+v", perr)
	}
}

func TestSignInExchangeFailureFails(t *testing.T) {
	h := newSignInHarness(t, "")
	h.emulator.FailNext(oauthtest.EndpointExchange, oauthtest.Reply{
		Status: 400,
		Body:   []byte(`{"error":{"message":"Error validating access token: Session has expired.","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"AbCdEf"}}`),
	})
	resp, _ := h.get("/auth/signin/threads")
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("status %d, want 502", resp.StatusCode)
	}
	var perr *providers.ProviderError
	if !errors.As(h.lastError(), &perr) {
		t.Fatalf("error = %v, want *providers.ProviderError", h.lastError())
	}
	if perr.Endpoint != "exchange" || perr.Code != "190" || perr.Subcode != "463" || perr.TraceID != "AbCdEf" {
		t.Errorf("provider error = %+v", perr)
	}
	if h.lastResult() != nil {
		t.Error("the sign-in went on with the one-hour token")
	}
}

func TestSignInCodeWithFragmentSuffix(t *testing.T) {
	h := newSignInHarness(t, "")
	callback := h.startSignIn("threads")
	q := callback.Query()
	q.Set("code", q.Get("code")+"#_")
	callback.RawQuery = q.Encode()
	resp, _ := h.get(callback.RequestURI())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %v", resp.StatusCode, h.lastError())
	}
	form := h.emulator.Requests(oauthtest.EndpointToken)[0].Form
	if strings.HasSuffix(form.Get("code"), "#_") {
		t.Errorf("code sent with #_: %q", form.Get("code"))
	}
}

func TestSignInStateCookieChecks(t *testing.T) {
	tests := []struct {
		name   string
		mangle func(h *signInHarness, callback *url.URL) *http.Request
		want   error
	}{
		{"missing cookie", func(h *signInHarness, callback *url.URL) *http.Request {
			return newRequest(t, h.app.URL+callback.RequestURI())
		}, oauth.ErrNoSignIn},
		{"tampered cookie", func(h *signInHarness, callback *url.URL) *http.Request {
			req := newRequest(t, h.app.URL+callback.RequestURI())
			for _, c := range h.client.Jar.Cookies(mustURL(t, h.app.URL+callback.Path)) {
				value := []byte(c.Value)
				value[len(value)/2] ^= 1
				req.AddCookie(&http.Cookie{Name: c.Name, Value: string(value)})
			}
			return req
		}, oauth.ErrStateInvalid},
		{"wrong state", func(h *signInHarness, callback *url.URL) *http.Request {
			q := callback.Query()
			q.Set("state", "forged")
			callback.RawQuery = q.Encode()
			return h.jarRequest(callback)
		}, oauth.ErrNoSignIn},
		{"missing state", func(h *signInHarness, callback *url.URL) *http.Request {
			q := callback.Query()
			q.Del("state")
			callback.RawQuery = q.Encode()
			return h.jarRequest(callback)
		}, oauth.ErrMissingState},
		{"repeated state", func(h *signInHarness, callback *url.URL) *http.Request {
			callback.RawQuery += "&state=" + url.QueryEscape(callback.Query().Get("state"))
			return h.jarRequest(callback)
		}, oauth.ErrRepeatedParameter},
		{"cookie from another provider", func(h *signInHarness, callback *url.URL) *http.Request {
			req := newRequest(t, h.app.URL+strings.Replace(callback.RequestURI(), "/callback/threads", "/callback/staging", 1))
			for _, c := range h.client.Jar.Cookies(mustURL(t, h.app.URL+callback.Path)) {
				req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
			}
			return req
		}, oauth.ErrProviderMismatch},
		{"expired", func(h *signInHarness, callback *url.URL) *http.Request {
			h.mu.Lock()
			h.now = h.now.Add(oauth.DefaultStateTTL + time.Second)
			h.mu.Unlock()
			req := newRequest(t, h.app.URL+callback.RequestURI())
			for _, c := range h.client.Jar.Cookies(mustURL(t, h.app.URL+callback.Path)) {
				req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
			}
			return req
		}, oauth.ErrStateExpired},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			h := newSignInHarness(t, "", "threads", "staging")
			callback := h.startSignIn("threads")
			req := test.mangle(h, callback)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", resp.StatusCode)
			}
			if !errors.Is(h.lastError(), test.want) {
				t.Errorf("error = %v, want %v", h.lastError(), test.want)
			}
			if h.lastResult() != nil {
				t.Error("OnSignIn was called")
			}
			if n := len(h.emulator.Requests(oauthtest.EndpointToken)); n != 0 {
				t.Errorf("the code was sent to the token endpoint %d times", n)
			}
			if strings.Contains(string(body), callback.Query().Get("code")) {
				t.Errorf("error page shows the code")
			}
		})
	}
}

func TestSignInTwoAtOnce(t *testing.T) {
	h := newSignInHarness(t, "", "threads", "staging")
	first := h.startSignIn("threads")
	second := h.startSignIn("staging")
	third := h.startSignIn("threads")
	for _, callback := range []*url.URL{second, first, third} {
		resp, _ := h.get(callback.RequestURI())
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d: %v", callback.Path, resp.StatusCode, h.lastError())
		}
	}
	if n := len(h.results); n != 3 {
		t.Errorf("%d sign-ins completed, want 3", n)
	}
}

func TestSignInBlockedURLExpires(t *testing.T) {
	h := newSignInHarness(t, "")
	h.emulator.BlockURL()
	resp, body := h.get("/auth/signin/threads")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "URL Blocked") {
		t.Errorf("blocked URL: status %d, body %q; want the provider's JSON page", resp.StatusCode, body)
	}
	cookies := h.client.Jar.Cookies(mustURL(t, h.app.URL+"/auth/callback/threads"))
	if len(cookies) != 1 {
		t.Fatalf("%d state cookies, want 1", len(cookies))
	}
	// The pending sign-in is bounded by the cookie's Max-Age; the jar
	// hides the expiry, so check the Set-Cookie header of a new sign-in.
	client := *h.client
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Get(h.app.URL + "/auth/signin/threads")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := fmt.Sprintf("Max-Age=%d", int(oauth.DefaultStateTTL.Seconds()))
	if got := resp.Header.Get("Set-Cookie"); !strings.Contains(got, want) || !strings.Contains(got, "HttpOnly") || !strings.Contains(got, "SameSite=Lax") {
		t.Errorf("Set-Cookie %q, want %s, HttpOnly and SameSite=Lax", got, want)
	}
	// The cookie's Path is the handler's base path, so that the browser
	// sends the pending state cookies with a new sign-in too.
	if got := resp.Header.Get("Set-Cookie"); !strings.Contains(got, "; Path=/auth;") {
		t.Errorf("Set-Cookie %q, want Path=/auth", got)
	}
}

func TestCallbackHeaders(t *testing.T) {
	h := newSignInHarness(t, "")
	resp, _ := h.get("/auth/signin/threads")
	for name, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestUnknownProvider(t *testing.T) {
	h := newSignInHarness(t, "")
	resp, body := h.get("/auth/signin/nope")
	if resp.StatusCode != http.StatusNotFound || !errors.Is(h.lastError(), oauth.ErrUnknownProvider) {
		t.Errorf("status %d, error %v", resp.StatusCode, h.lastError())
	}
	if strings.Contains(body, "nope") {
		t.Errorf("page reflects the provider id: %q", body)
	}
}

func (h *signInHarness) jarRequest(u *url.URL) *http.Request {
	req := newRequest(h.t, h.app.URL+u.RequestURI())
	for _, c := range h.client.Jar.Cookies(mustURL(h.t, h.app.URL+u.Path)) {
		req.AddCookie(c)
	}
	return req
}

func newRequest(t *testing.T, raw string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestFormPostCallback(t *testing.T) {
	h := newSignInHarness(t, "authorization: {params: {response_mode: form_post}}\n")
	callback := h.startSignIn("threads")
	if got := h.emulator.Requests(oauthtest.EndpointAuthorize)[0].Query.Get("response_mode"); got != "form_post" {
		t.Fatalf("response_mode = %q, want form_post", got)
	}

	resp, _ := h.get(callback.RequestURI())
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET callback: status %d, Allow %q; want 405 and POST", resp.StatusCode, resp.Header.Get("Allow"))
	}

	callback = h.startSignIn("threads")
	form := callback.Query()
	resp, err := h.client.PostForm(h.app.URL+callback.Path, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("form_post callback: status %d: %v", resp.StatusCode, h.lastError())
	}
	if h.lastResult() == nil || h.lastResult().Profile.ID != "17841405793187218" {
		t.Errorf("result = %+v", h.lastResult())
	}
}

func TestNilConfigHandler(t *testing.T) {
	sealer, err := presetauth.NewSealer([]byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	var cfg *presetauth.Config
	h, err := cfg.Handler(presetauth.HandlerOptions{
		Sealer:   sealer,
		OnSignIn: func(http.ResponseWriter, *http.Request, *presetauth.Result) {},
	})
	if err == nil || !strings.Contains(err.Error(), "Config is nil") {
		t.Errorf("error %v, want one that says the Config is nil", err)
	}
	if h != nil {
		t.Error("Handler returned a handler for a nil Config")
	}
}
