package bench

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/markbates/goth/providers/github"
	"github.com/presetauth/presetauth/oauth"
	"github.com/presetauth/presetauth/oauthtest"
	"github.com/presetauth/presetauth/presets"
	"github.com/presetauth/presetauth/providers"
	"github.com/presetauth/presetauth/schema"
)

// Redirect URIs registered with the emulators. Nothing listens on them:
// the benchmarks read the code from the authorization redirect instead of
// following it. Threads requires https and rejects localhost.
const (
	threadsRedirectURL = "https://127.0.0.1:8443/auth/callback/threads"
	githubRedirectURL  = "http://127.0.0.1:8080/auth/callback/github"
)

// githubSpec is the GitHub flow that goth's provider runs: the code
// exchange and GET /user, with state only. The built-in GitHub preset also
// sends a PKCE challenge and requests /user/emails, which goth skips when
// the profile has a public address, so the comparison with goth declares
// this spec in full. It follows GitHub's "Authorizing OAuth apps" and "Get
// the authenticated user" docs.
const githubSpec = `
name: GitHub
authorization: https://github.com/login/oauth/authorize
token:
  url: https://github.com/login/oauth/access_token
  auth_method: client_secret_post
scopes: [read:user, user:email]
checks: [state]
userinfo: https://api.github.com/user
profile:
  id: id
  name: [name, login]
  email: email
  image: avatar_url
  extra:
    login: login
`

// threadsProvider returns the built-in Threads preset pointed at the
// emulator.
func threadsProvider(tb testing.TB) *providers.Provider {
	tb.Helper()
	catalogue, err := presets.Builtin()
	if err != nil {
		tb.Fatal(err)
	}
	preset, ok := catalogue.Document("threads")
	if !ok {
		tb.Fatal("the built-in catalogue has no threads preset")
	}
	return newProvider(tb, "threads", preset, threadsOverride(tb))
}

// threadsOverride returns the deployment override that points the Threads
// preset at the emulator.
func threadsOverride(tb testing.TB) []byte {
	tb.Helper()
	return []byte(emulator(tb, "threads").Override + "redirect_url: " + threadsRedirectURL + "\n")
}

// githubProvider returns githubSpec pointed at the GitHub emulator.
func githubProvider(tb testing.TB) *providers.Provider {
	tb.Helper()
	spec, err := schema.ParseSpec("github.yaml", []byte(githubSpec))
	if err != nil {
		tb.Fatal(err)
	}
	override := emulator(tb, "github").Override + "redirect_url: " + githubRedirectURL + "\n"
	return newProvider(tb, "github", spec, []byte(override))
}

// newProvider merges override into base, resolves the result as a
// deployment would and builds the runtime provider.
func newProvider(tb testing.TB, id string, base *schema.Document, override []byte) *providers.Provider {
	tb.Helper()
	doc, err := schema.ParseSpec("override.yaml", override)
	if err != nil {
		tb.Fatal(err)
	}
	spec, err := schema.Merge(base, doc).Resolve(schema.ResolveOptions{Lookup: noVariables})
	if err != nil {
		tb.Fatal(err)
	}
	p, err := providers.New(id, spec, providers.WithLogger(discardLogger))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func noVariables(string) (string, bool) { return "", false }

var discardLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// gothGitHub returns goth's GitHub provider pointed at the GitHub emulator,
// with the scopes of githubSpec.
func gothGitHub(tb testing.TB) *github.Provider {
	tb.Helper()
	e := emulator(tb, "github").Endpoints
	return github.NewCustomisedURL(githubClientID, githubClientSecret, githubRedirectURL,
		e[oauthtest.EndpointAuthorize], e[oauthtest.EndpointToken], e[oauthtest.EndpointUserinfo],
		e[oauthtest.EndpointUserinfo]+"/emails", "read:user", "user:email")
}

// noRedirects reads the authorization redirect instead of following it.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}}

// authorize sends the authorization request at authURL to the emulator,
// which allows it at once, and returns the code of its redirect.
func authorize(tb testing.TB, authURL string) string {
	tb.Helper()
	resp, err := noRedirects.Get(authURL)
	if err != nil {
		tb.Fatalf("authorization request: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		tb.Fatalf("authorization request: status %d, want 302", resp.StatusCode)
	}
	location, err := url.Parse(strings.TrimSuffix(resp.Header.Get("Location"), "#_"))
	if err != nil {
		tb.Fatal(err)
	}
	code := location.Query().Get("code")
	if code == "" {
		tb.Fatalf("authorization redirect has no code: %s", location.Redacted())
	}
	return code
}

// codes returns n authorization codes for p, each good for one callback.
func codes(tb testing.TB, p *providers.Provider, redirectURL string, n int) []string {
	tb.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = authorize(tb, p.AuthCodeURL(providers.AuthRequest{State: fmt.Sprint("state-", i), RedirectURL: redirectURL}))
	}
	return out
}

// handlerFor returns the sign-in handler for p with an OnSignIn that only
// counts, so that the benchmarks measure the handler itself.
func handlerFor(tb testing.TB, p *providers.Provider, signedIn *int) *oauth.Handler {
	tb.Helper()
	sealer, err := oauth.NewSealer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		tb.Fatal(err)
	}
	h, err := oauth.NewHandler(oauth.Options{
		Providers: []*providers.Provider{p},
		Sealer:    sealer,
		Logger:    discardLogger,
		OnSignIn: func(w http.ResponseWriter, r *http.Request, res *oauth.Result) {
			*signedIn++
			w.WriteHeader(http.StatusNoContent)
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// startSignIns runs n sign-ins through h up to the provider's redirect
// back, and returns the callback requests that the browser would send, each
// with its state cookie.
func startSignIns(tb testing.TB, h *oauth.Handler, provider string, n int) []*http.Request {
	tb.Helper()
	out := make([]*http.Request, n)
	for i := range out {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8443"+h.SignInPath(provider), nil))
		if rec.Code != http.StatusFound {
			tb.Fatalf("sign-in: status %d, want 302: %s", rec.Code, rec.Body)
		}
		authURL := rec.Header().Get("Location")
		u, err := url.Parse(authURL)
		if err != nil {
			tb.Fatal(err)
		}
		state := u.Query().Get("state")
		code := authorize(tb, authURL)

		callback := h.CallbackPath(provider) + "?" + url.Values{"code": {code}, "state": {state}}.Encode()
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8443"+callback, nil)
		for _, c := range rec.Result().Cookies() {
			req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
		out[i] = req
	}
	return out
}
