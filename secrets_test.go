package presetauth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
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

// lockedBuffer is a bytes.Buffer that several goroutines may write.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// secretRun is a Threads deployment whose handler and provider log into
// one captured slog handler, with every error handed to OnError kept as
// text in each fmt form.
type secretRun struct {
	t        *testing.T
	emulator *oauthtest.Server
	provider *providers.Provider
	app      *httptest.Server
	logs     lockedBuffer

	mu      sync.Mutex
	errText []string
	results []*oauth.Result
	secrets map[string]string // value -> what it is
}

func newSecretRun(t *testing.T) *secretRun {
	t.Helper()
	run := &secretRun{t: t, emulator: startEmulator(t, "threads"), secrets: map[string]string{}}
	logger := slog.New(slog.NewJSONHandler(&run.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	// pkce in checks makes the handler create and seal a verifier; the
	// Threads emulator ignores the challenge.
	deployment := emulatorDeployment(t, run.emulator, "threads", "checks: [state, pkce]\n", "threads")
	cfg, err := presetauth.Load("auth.yaml", []byte(deployment),
		presetauth.WithLookup(func(string) (string, bool) { return "", false }),
		presetauth.WithProviderOptions(providers.WithLogger(logger), providers.WithTimeout(2*time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	run.provider = cfg.Providers[0]
	sealer, err := presetauth.NewSealer([]byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	handler, err := cfg.Handler(presetauth.HandlerOptions{
		Sealer: sealer,
		Logger: logger,
		OnSignIn: func(w http.ResponseWriter, r *http.Request, res *oauth.Result) {
			run.mu.Lock()
			run.results = append(run.results, res)
			run.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		},
		OnError: func(w http.ResponseWriter, r *http.Request, err error) {
			run.mu.Lock()
			run.errText = append(run.errText, err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
			run.mu.Unlock()
			http.Error(w, oauth.ErrorMessage(err), oauth.ErrorStatus(err))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	run.app = httptest.NewServer(handler)
	t.Cleanup(run.app.Close)
	run.secrets[emulatedClientSecret] = "client secret"
	run.secrets[testSecret] = "sealer secret"
	return run
}

// start begins a sign-in in a fresh browser and notes the code and the
// state cookie's value as secrets.
func (run *secretRun) start() (*browser, *url.URL) {
	b := newBrowser(run.t)
	callback := b.start(run.app.URL + "/auth/signin/threads")
	if code := callback.Query().Get("code"); code != "" {
		run.secrets[code] = "authorization code"
	}
	for _, c := range b.Jar.Cookies(callback) {
		run.secrets[c.Value] = "state cookie " + c.Name
	}
	return b, callback
}

// collectWireSecrets notes every token, code and verifier that went over
// the wire to the emulator.
func (run *secretRun) collectWireSecrets() {
	for _, r := range run.emulator.Requests(oauthtest.EndpointToken) {
		run.secrets[r.Form.Get("code")] = "authorization code"
		run.secrets[r.Form.Get("code_verifier")] = "PKCE verifier"
	}
	for _, e := range []oauthtest.Endpoint{oauthtest.EndpointExchange, oauthtest.EndpointRefresh} {
		for _, r := range run.emulator.Requests(e) {
			run.secrets[r.Query.Get("access_token")] = "access token sent to " + string(e)
		}
	}
	for _, r := range run.emulator.Requests(oauthtest.EndpointUserinfo) {
		run.secrets[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")] = "access token sent to userinfo"
	}
	run.mu.Lock()
	defer run.mu.Unlock()
	for _, res := range run.results {
		run.secrets[res.Token.AccessToken] = "access token of a result"
		run.secrets[res.Token.RefreshToken] = "refresh token of a result"
	}
	delete(run.secrets, "")
}

// TestNoSecretsInLogsOrErrors runs sign-ins that fail in many ways and
// searches every log line and every error text for the client secret, the
// codes, the PKCE verifiers, the tokens and the cookie values of the run.
func TestNoSecretsInLogsOrErrors(t *testing.T) {
	run := newSecretRun(t)

	// A successful sign-in, so that real tokens exist.
	b, callback := run.start()
	if resp, _ := b.open(callback.String()); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("sign-in ended with %d", resp.StatusCode)
	}

	failures := []struct {
		name string
		run  func()
	}{
		{"invalid code", func() {
			b, callback := run.start()
			query := callback.Query()
			query.Set("code", "AQBforged-code-00000001")
			run.secrets["AQBforged-code-00000001"] = "forged code"
			b.open(withQuery(callback, query.Encode()))
		}},
		{"code quoted in the provider's error", func() {
			b, callback := run.start()
			code := callback.Query().Get("code")
			run.emulator.FailNext(oauthtest.EndpointToken, oauthtest.Reply{Status: 400, Body: []byte(
				`{"error_message":"Code ` + code + ` was already used by client_secret=` + emulatedClientSecret + `","error_type":"OAuthException","code":100}`)})
			b.open(callback.String())
		}},
		{"exchange failure", func() {
			run.emulator.FailNext(oauthtest.EndpointExchange, oauthtest.Reply{Status: 400, Body: []byte(
				`{"error":{"message":"Error validating access token: Session has expired.","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"AbC"}}`)})
			b, callback := run.start()
			b.open(callback.String())
		}},
		{"HTML page at the token endpoint", func() {
			run.emulator.FailNext(oauthtest.EndpointToken, oauthtest.Reply{Status: 502, ContentType: "text/html", Body: []byte("<html><body>Bad gateway " + emulatedClientSecret + "</body></html>")})
			b, callback := run.start()
			b.open(callback.String())
		}},
		{"redirect from the token endpoint", func() {
			b, callback := run.start()
			run.emulator.FailNext(oauthtest.EndpointToken, oauthtest.Reply{Status: 307, Header: http.Header{
				"Location": {"http://127.0.0.1:1/x?code=" + callback.Query().Get("code") + "&client_secret=" + emulatedClientSecret}}})
			b.open(callback.String())
		}},
		{"tampered cookie", func() {
			b, callback := run.start()
			for _, c := range b.Jar.Cookies(callback) {
				value := []byte(c.Value)
				value[len(value)/2] ^= 1
				run.secrets[string(value)] = "tampered cookie"
				b.Jar.SetCookies(callback, []*http.Cookie{{Name: c.Name, Value: string(value), Path: "/auth/callback/threads"}})
			}
			b.open(callback.String())
		}},
		{"user cancels", func() {
			run.emulator.Deny()
			b := newBrowser(t)
			b.open(run.app.URL + "/auth/signin/threads")
		}},
		{"refresh fails", func() {
			run.mu.Lock()
			tok := *run.results[0].Token
			run.mu.Unlock()
			tok.Expiry = time.Now().Add(time.Hour) // within refresh_before, younger than 24 hours
			if _, err := run.provider.TokenSource(context.Background(), &tok).Token(); err != nil {
				run.mu.Lock()
				run.errText = append(run.errText, err.Error(), fmt.Sprintf("%#v", err))
				run.mu.Unlock()
			}
		}},
	}
	for _, failure := range failures {
		failure.run()
	}
	run.collectWireSecrets()

	logs := run.logs.String()
	if n := strings.Count(logs, `"msg":"sign-in failed"`); n < 6 {
		t.Fatalf("captured %d sign-in failure lines, want at least 6:\n%s", n, logs)
	}
	if !strings.Contains(logs, "token refresh failed") {
		t.Errorf("the failed refresh was not logged:\n%s", logs)
	}
	if len(run.secrets) < 10 {
		t.Fatalf("collected %d secrets, want codes, tokens, verifiers and cookies", len(run.secrets))
	}
	kinds := map[string]bool{}
	for _, kind := range run.secrets {
		kinds[strings.Fields(kind)[0]] = true
	}
	for _, kind := range []string{"client", "authorization", "PKCE", "access", "state"} {
		if !kinds[kind] {
			t.Errorf("no %s value was collected to search for", kind)
		}
	}

	texts := append([]string{logs}, run.errText...)
	for value, kind := range run.secrets {
		for _, text := range texts {
			if strings.Contains(text, value) {
				t.Errorf("a log line or error text contains the %s:\n%.400s", kind, text)
				break
			}
		}
	}
}

// TestConfigRedactedWhenPrinted prints the loaded config in every fmt form
// and through both slog handlers, and finds no client secret.
func TestConfigRedactedWhenPrinted(t *testing.T) {
	const secret = "printed-secret-value-42"
	cfg, err := presetauth.Load("auth.yaml", []byte(`providers:
  threads:
    client_id: "990602627938098"
    client_secret: ${APP_SECRET}
    redirect_url: https://app.example/auth/callback/threads
`), presetauth.WithLookup(func(name string) (string, bool) { return secret, name == "APP_SECRET" }))
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Providers[0]
	if p.Spec.ClientSecret.Value() != secret {
		t.Fatal("the secret did not load, so the test would prove nothing")
	}

	values := map[string]any{
		"schema.Spec":          *p.Spec,
		"*schema.Spec":         p.Spec,
		"*schema.Provider":     cfg.Resolved[0],
		"*providers.Provider":  p,
		"*presetauth.Config":   cfg,
		"oauth2.Config (copy)": p.Config().ClientID, // the copy's secret is for the caller
	}
	for name, v := range values {
		t.Run(name, func(t *testing.T) {
			var texts []string
			for _, format := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
				texts = append(texts, fmt.Sprintf(format, v))
			}
			var text, jsonLog bytes.Buffer
			slog.New(slog.NewTextHandler(&text, nil)).Info("config", "value", v)
			slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("config", "value", v)
			texts = append(texts, text.String(), jsonLog.String())
			if encoded, err := json.Marshal(v); err == nil {
				texts = append(texts, string(encoded))
			}
			for _, s := range texts {
				if strings.Contains(s, secret) {
					t.Errorf("printed form contains the client secret: %.300s", s)
				}
			}
		})
	}
}
