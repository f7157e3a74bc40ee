package providers

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/presetauth/presetauth/schema"
)

// threadsRoutes serves the documented replies to the token, exchange and
// userinfo requests of a Threads sign-in.
func threadsRoutes(t *testing.T) map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"/oauth/access_token": replyJSON(http.StatusOK, fixture(t, "threads/token.json")),
		"/access_token":       replyJSON(http.StatusOK, fixture(t, "threads/exchange.json")),
		"/v1.0/me":            replyJSON(http.StatusOK, fixture(t, "threads/me.json")),
	}
}

func TestThreadsFinish(t *testing.T) {
	server := newProviderServer(t, threadsRoutes(t))
	p := newProvider(t, "threads", threadsSpec(t, server.URL, ""))

	tok, profile, err := p.Finish(context.Background(), testCode, "", "")
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}

	t.Run("exchange request", func(t *testing.T) {
		got := server.only("/access_token")
		if got.Method != http.MethodGet {
			t.Errorf("method = %s, want GET", got.Method)
		}
		if got.Body != "" {
			t.Errorf("body = %q, want none", got.Body)
		}
		want := map[string]string{
			"grant_type":    "th_exchange_token",
			"client_secret": testClientSecret,
			"access_token":  threadsShortToken,
		}
		for name, value := range want {
			if v := got.Query.Get(name); v != value {
				t.Errorf("query %s = %q, want %q", name, v, value)
			}
		}
		if len(got.Query) != len(want) {
			t.Errorf("query has %d parameters, want %d: %v", len(got.Query), len(want), got.Query)
		}
	})

	t.Run("long-lived token", func(t *testing.T) {
		if tok.AccessToken != threadsLongToken {
			t.Errorf("AccessToken = %q, want %q", tok.AccessToken, threadsLongToken)
		}
		if tok.ExpiresIn != 5183944 {
			t.Errorf("ExpiresIn = %d, want 5183944", tok.ExpiresIn)
		}
		if want := testNow.Add(5183944 * time.Second); !tok.Expiry.Equal(want) {
			t.Errorf("Expiry = %v, want %v", tok.Expiry, want)
		}
		if got, want := Extras(tok)["user_id"], json.Number("17841405793187218"); got != want {
			t.Errorf("user_id = %#v, want %#v", got, want)
		}
	})

	t.Run("userinfo with long-lived token", func(t *testing.T) {
		got := server.only("/v1.0/me")
		if want := "Bearer " + threadsLongToken; got.Header.Get("Authorization") != want {
			t.Errorf("Authorization header is not the long-lived token")
		}
	})

	t.Run("profile", func(t *testing.T) {
		if profile.ID != "1234567890" {
			t.Errorf("ID = %q, want 1234567890", profile.ID)
		}
		if profile.Name != "Jane Doe" {
			t.Errorf("Name = %q, want Jane Doe", profile.Name)
		}
	})
}

// A spec without an exchange step, as a deployment's `exchange: null`
// makes it, keeps the one-hour token.
func TestThreadsFinishWithoutExchange(t *testing.T) {
	server := newProviderServer(t, map[string]http.HandlerFunc{
		"/oauth/access_token": replyJSON(http.StatusOK, fixture(t, "threads/token.json")),
		"/v1.0/me":            replyJSON(http.StatusOK, fixture(t, "threads/me.json")),
	})
	spec := threadsSpec(t, server.URL, "")
	spec.Exchange = nil
	p := newProvider(t, "threads", spec)

	tok, _, err := p.Finish(context.Background(), testCode, "", "")
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if tok.AccessToken != threadsShortToken {
		t.Errorf("AccessToken = %q, want the short-lived token", tok.AccessToken)
	}
	if want := testNow.Add(time.Hour); !tok.Expiry.Equal(want) {
		t.Errorf("Expiry = %v, want %v", tok.Expiry, want)
	}
	if n := len(server.Requests("/access_token")); n != 0 {
		t.Errorf("exchange endpoint got %d requests, want 0", n)
	}
}

// A failed exchange fails the sign-in, so the one-hour token is never kept
// as if it lasted 60 days.
func TestThreadsFinishExchangeFails(t *testing.T) {
	routes := threadsRoutes(t)
	routes["/access_token"] = replyJSON(http.StatusBadRequest, fixture(t, "threads/error_graph_expired.json"))
	server := newProviderServer(t, routes)
	p := newProvider(t, "threads", threadsSpec(t, server.URL, ""))

	tok, profile, err := p.Finish(context.Background(), testCode, "", "")
	if tok != nil || profile != nil {
		t.Errorf("Finish returned token %v and profile %v, want nil", tok, profile)
	}
	var perr *ProviderError
	if !errors.As(err, &perr) {
		t.Fatalf("error = %v (%T), want *ProviderError", err, err)
	}
	if perr.Endpoint != "exchange" {
		t.Errorf("Endpoint = %q, want exchange", perr.Endpoint)
	}
	if perr.Code != "190" {
		t.Errorf("Code = %q, want 190", perr.Code)
	}
	if perr.Subcode != "463" {
		t.Errorf("Subcode = %q, want 463", perr.Subcode)
	}
	if perr.Type != "OAuthException" {
		t.Errorf("Type = %q, want OAuthException", perr.Type)
	}
	if perr.TraceID != "AbCdEfGh123" {
		t.Errorf("TraceID = %q, want AbCdEfGh123", perr.TraceID)
	}
	if perr.Status != http.StatusBadRequest {
		t.Errorf("Status = %d, want 400", perr.Status)
	}
	if n := len(server.Requests("/v1.0/me")); n != 0 {
		t.Errorf("userinfo got %d requests after a failed exchange, want 0", n)
	}
	checkNoSecrets(t, err)
}

// The exchange sends the client secret and the token in its GET query, so
// a transport error must not print the request URL.
func TestThreadsExchangeTransportError(t *testing.T) {
	server := newProviderServer(t, threadsRoutes(t))
	closed := newProviderServer(t, nil)
	closedURL := closed.URL
	closed.Close()

	spec := threadsSpec(t, server.URL, "")
	spec.Exchange.URL = closedURL + "/access_token"
	p := newProvider(t, "threads", spec)

	_, _, err := p.Finish(context.Background(), testCode, "", "")
	var rerr *RequestError
	if !errors.As(err, &rerr) {
		t.Fatalf("error = %v (%T), want *RequestError", err, err)
	}
	if rerr.Endpoint != "exchange" {
		t.Errorf("Endpoint = %q, want exchange", rerr.Endpoint)
	}
	text := err.Error()
	for _, part := range []string{"client_secret=", "access_token=", "th_exchange_token", "/access_token?"} {
		if strings.Contains(text, part) {
			t.Errorf("error text contains the request URL (%q): %s", part, text)
		}
	}
	checkNoSecrets(t, err, url.QueryEscape(testClientSecret))
}

func TestAuthCodeURL(t *testing.T) {
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])

	tests := []struct {
		name    string
		spec    func(t *testing.T, base string) *schema.Spec
		request AuthRequest

		want   map[string]string
		absent []string
	}{
		{
			name: "threads scopes joined by commas",
			spec: func(t *testing.T, base string) *schema.Spec {
				return threadsSpec(t, base, "scopes: [threads_basic, threads_content_publish]\n")
			},
			request: AuthRequest{State: "state-1"},
			want: map[string]string{
				"scope":         "threads_basic,threads_content_publish",
				"client_id":     testClientID,
				"redirect_uri":  testRedirectURL,
				"response_type": "code",
				"state":         "state-1",
			},
			absent: []string{"code_challenge", "code_challenge_method", "nonce"},
		},
		{
			name: "params from the spec",
			spec: func(t *testing.T, base string) *schema.Spec {
				s := exampleSpec(base)
				s.Authorization.Params = map[string]string{"prompt": "consent", "access_type": "offline"}
				return s
			},
			request: AuthRequest{State: "state-2"},
			want: map[string]string{
				"prompt":      "consent",
				"access_type": "offline",
				"scope":       "read",
				"state":       "state-2",
			},
		},
		{
			name: "PKCE and nonce",
			spec: func(t *testing.T, base string) *schema.Spec {
				s := exampleSpec(base)
				s.Scopes = []string{"openid", "email"}
				return s
			},
			request: AuthRequest{State: "state-3", Verifier: verifier, Nonce: "nonce-3"},
			want: map[string]string{
				"scope":                 "openid email",
				"code_challenge":        challenge,
				"code_challenge_method": "S256",
				"nonce":                 "nonce-3",
			},
			absent: []string{"code_verifier"},
		},
		{
			name: "params.scope overrides scopes",
			spec: func(t *testing.T, base string) *schema.Spec {
				s := threadsSpec(t, base, "scopes: [threads_basic, threads_delete]\n")
				s.Authorization.Params = map[string]string{"scope": "threads_basic,threads_manage_replies"}
				return s
			},
			request: AuthRequest{State: "state-4"},
			want:    map[string]string{"scope": "threads_basic,threads_manage_replies"},
		},
		{
			name: "redirect URL of the request",
			spec: func(t *testing.T, base string) *schema.Spec {
				return exampleSpec(base)
			},
			request: AuthRequest{State: "state-5", RedirectURL: "https://127.0.0.1:9443/cb"},
			want:    map[string]string{"redirect_uri": "https://127.0.0.1:9443/cb"},
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			const base = "http://127.0.0.1:1"
			p := newProvider(t, "example", test.spec(t, base))

			raw := p.AuthCodeURL(test.request)
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatalf("AuthCodeURL returned an invalid URL %q: %v", raw, err)
			}
			if got := u.Scheme + "://" + u.Host + u.Path; !strings.HasSuffix(got, "/authorize") || !strings.HasPrefix(got, base) {
				t.Errorf("URL without query = %q, want %s/.../authorize", got, base)
			}
			query := u.Query()
			for name, value := range test.want {
				if got := query[name]; len(got) != 1 || got[0] != value {
					t.Errorf("%s = %q, want [%q]", name, got, value)
				}
			}
			for _, name := range test.absent {
				if query.Has(name) {
					t.Errorf("%s = %q, want none", name, query.Get(name))
				}
			}
		})
	}
}

// The authorization URL parameters that the flow sets cannot come from the
// spec.
func TestNewRejectsReservedParams(t *testing.T) {
	for _, name := range []string{"state", "client_id", "redirect_uri", "response_type", "code_challenge", "code_challenge_method", "nonce"} {
		t.Run(name, func(t *testing.T) {
			spec := exampleSpec("http://127.0.0.1:1")
			spec.Authorization.Params = map[string]string{name: "fixed"}

			p, err := New("example", spec)
			if err == nil {
				t.Fatalf("New accepted authorization.params.%s", name)
			}
			if p != nil {
				t.Errorf("New returned a provider with the error")
			}
			if !strings.Contains(err.Error(), "authorization.params."+name) {
				t.Errorf("error %q does not name authorization.params.%s", err, name)
			}
			if !strings.HasPrefix(err.Error(), "providers: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

// A preset read from YAML with state in the authorization URL's query is
// rejected too, because the query becomes params. Package schema may
// reject it first, with the file and line, and New rejects it otherwise.
func TestNewRejectsStateFromYAML(t *testing.T) {
	server := newProviderServer(t, nil)
	spec := threadsSpec(t, server.URL, "")
	doc, err := schema.ParseSpec("auth.yaml", []byte("name: Threads\nauthorization: \"https://127.0.0.1:8443/oauth/authorize?state=fixed\"\n"))
	if err != nil {
		t.Fatalf("ParseSpec: %v", err)
	}
	override, err := doc.Resolve(schema.ResolveOptions{Preset: true})
	if err != nil {
		if !strings.Contains(err.Error(), "authorization.params.state") {
			t.Errorf("Resolve error = %v, want one naming authorization.params.state", err)
		}
		return
	}
	spec.Authorization = override.Authorization

	_, err = New("threads", spec)
	if err == nil {
		t.Fatal("New accepted state in the authorization URL")
	}
	if !strings.Contains(err.Error(), "authorization.params.state") {
		t.Errorf("New error = %v, want one naming authorization.params.state", err)
	}
}

// A preset that writes the authorization endpoint as a URL string with a
// scope in its query keeps that URL when a deployment overrides only
// authorization.params.scope.
func TestAuthCodeURLScopeOverride(t *testing.T) {
	const presetYAML = `name: Example
authorization: "https://127.0.0.1:8443/authorize?scope=user-read-email&show_dialog=true"
token: {url: "https://127.0.0.1:8443/api/token", auth_method: client_secret_basic}
userinfo: https://127.0.0.1:8443/v1/me
profile: {id: id}
`
	const overrideYAML = `client_id: app
client_secret: ${SECRET}
authorization: {params: {scope: "user-read-email playlist-read-private"}}
`
	preset, err := schema.ParseSpec("preset.yaml", []byte(presetYAML))
	if err != nil {
		t.Fatalf("parse preset: %v", err)
	}
	override, err := schema.ParseSpec("auth.yaml", []byte(overrideYAML))
	if err != nil {
		t.Fatalf("parse override: %v", err)
	}
	lookup := func(string) (string, bool) { return testClientSecret, true }
	spec, err := schema.Merge(preset, override).Resolve(schema.ResolveOptions{Lookup: lookup})
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	p := newProvider(t, "example", spec)

	u, err := url.Parse(p.AuthCodeURL(AuthRequest{State: "s"}))
	if err != nil {
		t.Fatalf("AuthCodeURL returned an invalid URL: %v", err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != "https://127.0.0.1:8443/authorize" {
		t.Errorf("URL without query = %q, want https://127.0.0.1:8443/authorize", got)
	}
	query := u.Query()
	if got := query["scope"]; len(got) != 1 || got[0] != "user-read-email playlist-read-private" {
		t.Errorf("scope = %q, want [\"user-read-email playlist-read-private\"]", got)
	}
	if got := query.Get("show_dialog"); got != "true" {
		t.Errorf("show_dialog = %q, want true from the preset", got)
	}
}
