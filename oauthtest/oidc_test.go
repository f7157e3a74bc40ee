package oauthtest_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/presetauth/presetauth/oauthtest"
	"gopkg.in/yaml.v3"
)

const oidcRedirectURI = "http://127.0.0.1:8080/auth/callback/oidc"

// startOIDC starts the built-in generic OpenID Provider with a fixed clock.
func startOIDC(t *testing.T) (*oauthtest.Server, *testClock) {
	t.Helper()
	p, err := oauthtest.Builtin("oidc")
	if err != nil {
		t.Fatalf("Builtin(oidc): %v", err)
	}
	s := oauthtest.NewServer(p, oauthtest.Client{ID: testClientID, Secret: testClientSecret})
	t.Cleanup(s.Close)
	clock := newTestClock()
	s.SetClock(clock.Now)
	return s, clock
}

func TestOIDCDiscoveryDocument(t *testing.T) {
	s, _ := startOIDC(t)
	if want := s.URL + "/op.example"; s.Issuer() != want {
		t.Fatalf("Issuer() = %q, want %q", s.Issuer(), want)
	}

	resp := get(t, s.Issuer()+"/.well-known/openid-configuration", nil)
	if resp.status != http.StatusOK {
		t.Fatalf("discovery status = %d; body %s", resp.status, resp.body)
	}
	var doc struct {
		Issuer        string   `json:"issuer"`
		Authorization string   `json:"authorization_endpoint"`
		Token         string   `json:"token_endpoint"`
		Userinfo      string   `json:"userinfo_endpoint"`
		JWKS          string   `json:"jwks_uri"`
		Challenge     []string `json:"code_challenge_methods_supported"`
		AuthMethods   []string `json:"token_endpoint_auth_methods_supported"`
		IssParameter  bool     `json:"authorization_response_iss_parameter_supported"`
	}
	if err := json.Unmarshal(resp.body, &doc); err != nil {
		t.Fatal(err)
	}
	for _, check := range []struct{ name, got, want string }{
		{"issuer", doc.Issuer, s.Issuer()},
		{"authorization_endpoint", doc.Authorization, s.EndpointURL(oauthtest.EndpointAuthorize)},
		{"token_endpoint", doc.Token, s.EndpointURL(oauthtest.EndpointToken)},
		{"userinfo_endpoint", doc.Userinfo, s.EndpointURL(oauthtest.EndpointUserinfo)},
		{"jwks_uri", doc.JWKS, s.URL + "/op.example/jwks"},
	} {
		if check.got != check.want {
			t.Errorf("%s = %q, want %q", check.name, check.got, check.want)
		}
	}
	if !slices.Contains(doc.Challenge, "S256") {
		t.Errorf("code_challenge_methods_supported = %v, want S256 listed", doc.Challenge)
	}
	if !slices.Equal(doc.AuthMethods, []string{"client_secret_basic", "client_secret_post"}) {
		t.Errorf("token_endpoint_auth_methods_supported = %v", doc.AuthMethods)
	}
	if !doc.IssParameter {
		t.Error("authorization_response_iss_parameter_supported is not true")
	}
	if n := len(s.Requests(oauthtest.EndpointDiscovery)); n != 1 {
		t.Errorf("%d discovery requests recorded, want 1", n)
	}
}

// oidcCode runs an authorization request with the openid scope, a nonce
// and a PKCE challenge, and returns the redirect's parameters.
func oidcCode(t *testing.T, s *oauthtest.Server, verifier string) url.Values {
	t.Helper()
	sum := sha256.Sum256([]byte(verifier))
	resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), url.Values{
		"client_id":             {testClientID},
		"redirect_uri":          {oidcRedirectURI},
		"scope":                 {"openid profile email"},
		"response_type":         {"code"},
		"state":                 {testState},
		"nonce":                 {"n-0S6_WzA2Mj"},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	})
	if resp.status != http.StatusFound {
		t.Fatalf("authorize status = %d, want 302; body %s", resp.status, resp.body)
	}
	location, err := url.Parse(resp.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return location.Query()
}

func TestOIDCIDToken(t *testing.T) {
	s, clock := startOIDC(t)
	verifier := strings.Repeat("v", 43)

	redirect := oidcCode(t, s, verifier)
	if got := redirect.Get("iss"); got != s.Issuer() {
		t.Errorf("redirect iss = %q, want %q", got, s.Issuer())
	}
	form := url.Values{
		"code":          {redirect.Get("code")},
		"grant_type":    {"authorization_code"},
		"redirect_uri":  {oidcRedirectURI},
		"code_verifier": {verifier},
	}
	resp := postForm(t, s.EndpointURL(oauthtest.EndpointToken), form, func(r *http.Request) {
		r.SetBasicAuth(testClientID, testClientSecret)
	})
	if resp.status != http.StatusOK {
		t.Fatalf("token status = %d; body %s", resp.status, resp.body)
	}
	reply := decodeObject(t, resp.body)
	raw, _ := reply["id_token"].(string)
	access, _ := reply["access_token"].(string)
	if strings.HasSuffix(raw, ".signature") {
		t.Fatal("id_token is the fixture's example value, not a fresh token")
	}

	// go-oidc checks the signature against the emulator's key set, the
	// issuer, the audience and the expiry.
	ctx := context.Background()
	keys := oidc.NewRemoteKeySet(ctx, s.URL+"/op.example/jwks")
	idToken, err := oidc.NewVerifier(s.Issuer(), keys, &oidc.Config{ClientID: testClientID, Now: clock.Now}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if idToken.Subject != "248289761001" {
		t.Errorf("sub = %q, want the userinfo reply's 248289761001", idToken.Subject)
	}
	if idToken.Nonce != "n-0S6_WzA2Mj" {
		t.Errorf("nonce = %q, want the authorization request's", idToken.Nonce)
	}
	if err := idToken.VerifyAccessToken(access); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	if !idToken.IssuedAt.Equal(clock.Now()) || !idToken.Expiry.Equal(clock.Now().Add(time.Hour)) {
		t.Errorf("iat = %v, exp = %v, want the emulator clock and an hour later", idToken.IssuedAt, idToken.Expiry)
	}
	var claims map[string]any
	if err := idToken.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if claims["email"] != "janedoe@example.com" {
		t.Errorf("email claim = %v, want the userinfo reply's", claims["email"])
	}

	// A verifier for another client rejects the token's audience.
	other := oidc.NewVerifier(s.Issuer(), keys, &oidc.Config{ClientID: "another-client", Now: clock.Now})
	if _, err := other.Verify(ctx, raw); err == nil {
		t.Error("a verifier for another client accepted the ID token")
	}
	// An hour later the token has expired.
	clock.Advance(time.Hour + time.Second)
	if _, err := oidc.NewVerifier(s.Issuer(), keys, &oidc.Config{ClientID: testClientID, Now: clock.Now}).Verify(ctx, raw); err == nil {
		t.Error("an expired ID token was accepted")
	}
}

func TestOIDCDenyCarriesIssuer(t *testing.T) {
	s, _ := startOIDC(t)
	s.Deny()
	redirect := oidcCode(t, s, strings.Repeat("v", 43))
	if redirect.Get("error") != "access_denied" {
		t.Errorf("error = %q, want access_denied", redirect.Get("error"))
	}
	if got := redirect.Get("iss"); got != s.Issuer() {
		t.Errorf("iss = %q, want %q on the error response too", got, s.Issuer())
	}
}

func TestOIDCOverrideHasIssuer(t *testing.T) {
	s, _ := startOIDC(t)
	var override map[string]any
	if err := yaml.Unmarshal(s.Override(), &override); err != nil {
		t.Fatal(err)
	}
	if override["issuer"] != s.Issuer() {
		t.Errorf("override issuer = %v, want %q", override["issuer"], s.Issuer())
	}

	threads, _ := startThreads(t)
	if strings.Contains(string(threads.Override()), "issuer") {
		t.Errorf("override of an OAuth 2.0 provider names an issuer:\n%s", threads.Override())
	}
	if threads.Issuer() != "" {
		t.Errorf("Issuer() = %q for a provider without oidc", threads.Issuer())
	}
}

// oidcFS is a minimal OpenID Provider folder with a claims file.
func oidcFS(spec, claims string) fstest.MapFS {
	return fstest.MapFS{
		"op/emulator.yaml": {Data: []byte(spec)},
		"op/token.json":    {Data: []byte(`{"access_token":"a","token_type":"Bearer"}`)},
		"op/userinfo.json": {Data: []byte(`{"sub":"42","name":"Ada"}`)},
		"op/claims.json":   {Data: []byte(claims)},
		"op/error.json":    {Data: []byte(`{"error":"invalid_request"}`)},
	}
}

const oidcSpecYAML = `name: op
authorize: https://op.example/authorize
token: https://op.example/token
token_auth_methods: [client_secret_post]
oidc:
  issuer: https://op.example
  claims: claims.json
replies:
  token: token.json
  userinfo: userinfo.json
  invalid_code: error.json
  invalid_token: error.json
  bad_client: error.json
  invalid_request: error.json
  authorize_error: error.json
  blocked_url: error.json
`

func TestLoadProviderOIDC(t *testing.T) {
	tests := []struct {
		name    string
		spec    string
		claims  string
		wantErr string // "" means the folder loads
	}{
		{"claims file without userinfo endpoint", oidcSpecYAML, `{"sub":"42","email":"ada@example.com"}`, ""},
		{"subjects differ", oidcSpecYAML, `{"sub":"43"}`, "differs from the userinfo reply's sub"},
		{"claims not an object", oidcSpecYAML, `["sub"]`, "not a JSON object"},
		{"unsupported algorithm", strings.Replace(oidcSpecYAML, "  claims:", "  algorithm: HS256\n  claims:", 1), `{"sub":"42"}`, "unsupported value \"HS256\""},
		{"relative issuer", strings.Replace(oidcSpecYAML, "issuer: https://op.example", "issuer: /op", 1), `{"sub":"42"}`, "oidc.issuer"},
		{"userinfo missing without oidc", strings.Replace(oidcSpecYAML, "oidc:\n  issuer: https://op.example\n  claims: claims.json\n", "", 1), `{}`, "userinfo: URL is missing"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			_, err := oauthtest.LoadProvider(oidcFS(test.spec, test.claims), "op")
			if test.wantErr == "" {
				if err != nil {
					t.Fatalf("LoadProvider: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), test.wantErr) {
				t.Errorf("error = %v, want one containing %q", err, test.wantErr)
			}
		})
	}
}

func TestOIDCClaimsFile(t *testing.T) {
	p, err := oauthtest.LoadProvider(oidcFS(oidcSpecYAML, `{"sub":"42","email":"ada@example.com","iss":"https://fixture.example","exp":1}`), "op")
	if err != nil {
		t.Fatal(err)
	}
	s := oauthtest.NewServer(p, oauthtest.Client{ID: testClientID, Secret: testClientSecret})
	t.Cleanup(s.Close)
	if s.EndpointURL(oauthtest.EndpointUserinfo) != "" {
		t.Errorf("userinfo URL = %q for a provider without one", s.EndpointURL(oauthtest.EndpointUserinfo))
	}

	resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), url.Values{
		"client_id": {testClientID}, "redirect_uri": {oidcRedirectURI}, "scope": {"openid"},
		"response_type": {"code"}, "state": {testState},
	})
	location, _ := url.Parse(resp.header.Get("Location"))
	if location.Query().Has("iss") {
		t.Error("redirect carries iss although iss_parameter is off")
	}
	form := tokenForm(location.Query().Get("code"))
	form.Set("redirect_uri", oidcRedirectURI)
	token := postForm(t, s.EndpointURL(oauthtest.EndpointToken), form, nil)
	raw, _ := decodeObject(t, token.body)["id_token"].(string)

	ctx := context.Background()
	keys := oidc.NewRemoteKeySet(ctx, s.URL+"/op.example/.well-known/jwks.json")
	idToken, err := oidc.NewVerifier(s.Issuer(), keys, &oidc.Config{ClientID: testClientID}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("Verify: %v (the claims file's iss and exp must be replaced)", err)
	}
	var claims map[string]any
	if err := idToken.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if claims["email"] != "ada@example.com" || claims["name"] != nil {
		t.Errorf("claims = %v, want the claims file's, not the userinfo reply's", claims)
	}
	if _, ok := claims["nonce"]; ok {
		t.Error("nonce claim present although the request had none")
	}
}
