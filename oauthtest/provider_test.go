package oauthtest_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/presetauth/presetauth/oauthtest"
)

// acmeSpec is a standard OAuth provider unlike Threads: HTTP Basic client
// authentication, required PKCE, a refresh_token grant at the token URL and
// the userinfo token in the query.
const acmeSpec = `
name: acme
authorize: https://acme.example/oauth/authorize
token: https://acme.example/oauth/token
userinfo: https://api.acme.example/me
token_auth_methods: [client_secret_basic]
scopes: [openid, profile, email]
required_scopes: [openid]
pkce: required
userinfo_auth: query
refresh:
  url: https://acme.example/oauth/token
  method: POST
  grant_type: refresh_token
  token_param: refresh_token
  client_auth: true
  accepts: [refresh_token]
  reply: token.json
replies:
  token: token.json
  userinfo: userinfo.json
  invalid_code: {status: 400, file: error_grant.json}
  invalid_token: {status: 401, file: error_token.json}
  bad_client: {status: 401, file: error_client.json}
  invalid_request: {status: 400, file: error_request.json}
  authorize_error: {status: 400, file: error_request.json}
  blocked_url: {status: 400, file: error_request.json}
`

func acmeFS(spec string) fstest.MapFS {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	return fstest.MapFS{
		"acme/emulator.yaml": file(spec),
		"acme/token.json": file(`{"access_token":"AT","token_type":"Bearer","expires_in":3600,` +
			`"refresh_token":"RT"}`),
		"acme/userinfo.json":      file(`{"data":{"id":"7","name":"Acme User"}}`),
		"acme/error_grant.json":   file(`{"error":"invalid_grant"}`),
		"acme/error_token.json":   file(`{"error":"invalid_token"}`),
		"acme/error_client.json":  file(`{"error":"invalid_client"}`),
		"acme/error_request.json": file(`{"error":"invalid_request"}`),
	}
}

func startAcme(t *testing.T) *oauthtest.Server {
	t.Helper()
	p, err := oauthtest.LoadProvider(acmeFS(acmeSpec), "acme")
	if err != nil {
		t.Fatalf("LoadProvider: %v", err)
	}
	s := oauthtest.NewServer(p, oauthtest.Client{ID: "acme-client", Secret: "acme/secret+1"})
	t.Cleanup(s.Close)
	return s
}

const acmeVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

func acmeChallenge() string {
	sum := sha256.Sum256([]byte(acmeVerifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func acmeAuthorize(t *testing.T, s *oauthtest.Server, edit func(url.Values)) response {
	t.Helper()
	params := url.Values{
		"client_id":             {"acme-client"},
		"redirect_uri":          {"https://app.example/callback?tab=2"},
		"scope":                 {"openid email"},
		"response_type":         {"code"},
		"code_challenge":        {acmeChallenge()},
		"code_challenge_method": {"S256"},
		"nonce":                 {"n-0S6"},
	}
	if edit != nil {
		edit(params)
	}
	return get(t, s.EndpointURL(oauthtest.EndpointAuthorize), params)
}

// acmeBasic sets HTTP Basic credentials, form-encoded first as RFC 6749
// section 2.3.1 requires.
func acmeBasic(r *http.Request) {
	r.SetBasicAuth(url.QueryEscape("acme-client"), url.QueryEscape("acme/secret+1"))
}

func TestLoadProviderPKCE(t *testing.T) {
	s := startAcme(t)

	rejected := []struct {
		name string
		edit func(url.Values)
	}{
		{"without challenge", func(v url.Values) {
			v.Del("code_challenge")
			v.Del("code_challenge_method")
		}},
		{"unknown method", func(v url.Values) { v.Set("code_challenge_method", "S512") }},
		{"short challenge", func(v url.Values) { v.Set("code_challenge", "abc") }},
	}
	for _, test := range rejected {
		t.Run(test.name, func(t *testing.T) {
			if resp := acmeAuthorize(t, s, test.edit); resp.status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", resp.status)
			}
		})
	}

	resp := acmeAuthorize(t, s, nil)
	if resp.status != http.StatusFound {
		t.Fatalf("authorize: status = %d, want 302; body %s", resp.status, resp.body)
	}
	location, err := url.Parse(resp.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if location.Query().Get("tab") != "2" || location.Fragment != "" {
		t.Errorf("Location = %s, want the redirect URI's query kept and no fragment", location)
	}
	form := url.Values{
		"grant_type":   {"authorization_code"},
		"code":         {location.Query().Get("code")},
		"redirect_uri": {"https://app.example/callback?tab=2"},
	}
	tokenURL := s.EndpointURL(oauthtest.EndpointToken)

	steps := []struct {
		name       string
		verifier   string
		wantStatus int
	}{
		{"missing verifier", "", http.StatusBadRequest},
		{"wrong verifier", strings.Repeat("a", 43), http.StatusBadRequest},
		{"right verifier", acmeVerifier, http.StatusOK},
	}
	for _, step := range steps {
		form.Set("code_verifier", step.verifier)
		resp := postForm(t, tokenURL, form, acmeBasic)
		if resp.status != step.wantStatus {
			t.Errorf("%s: status = %d, want %d; body %s", step.name, resp.status, step.wantStatus, resp.body)
		}
	}
}

func TestLoadProviderRefreshAtTokenURL(t *testing.T) {
	s := startAcme(t)
	location, err := url.Parse(acmeAuthorize(t, s, nil).header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	tokenURL := s.EndpointURL(oauthtest.EndpointToken)

	post := postForm(t, tokenURL, url.Values{
		"grant_type":    {"authorization_code"},
		"client_id":     {"acme-client"},
		"client_secret": {"acme/secret+1"},
		"code":          {location.Query().Get("code")},
		"redirect_uri":  {"https://app.example/callback?tab=2"},
		"code_verifier": {acmeVerifier},
	}, nil)
	if post.status != http.StatusUnauthorized {
		t.Errorf("client_secret_post at a Basic-only provider: status = %d, want 401", post.status)
	}

	granted := postForm(t, tokenURL, url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {location.Query().Get("code")},
		"redirect_uri":  {"https://app.example/callback?tab=2"},
		"code_verifier": {acmeVerifier},
	}, acmeBasic)
	if granted.status != http.StatusOK {
		t.Fatalf("token: status = %d, want 200; body %s", granted.status, granted.body)
	}
	reply := decodeObject(t, granted.body)
	accessToken, _ := reply["access_token"].(string)
	refreshToken, _ := reply["refresh_token"].(string)
	if accessToken == "AT" || refreshToken == "RT" || accessToken == refreshToken {
		t.Fatalf("token reply %s, want fresh and distinct tokens", granted.body)
	}
	if reply["token_type"] != "Bearer" {
		t.Errorf("token_type = %v, want the fixture's Bearer", reply["token_type"])
	}

	tests := []struct {
		name       string
		token      string
		auth       func(*http.Request)
		wantStatus int
	}{
		{"access token", accessToken, acmeBasic, http.StatusUnauthorized},
		{"no client authentication", refreshToken, nil, http.StatusUnauthorized},
		{"refresh token", refreshToken, acmeBasic, http.StatusOK},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {test.token}}
			resp := postForm(t, tokenURL, form, test.auth)
			if resp.status != test.wantStatus {
				t.Errorf("status = %d, want %d; body %s", resp.status, test.wantStatus, resp.body)
			}
		})
	}
	if got := len(s.Requests(oauthtest.EndpointRefresh)); got != 3 {
		t.Errorf("Requests(refresh) has %d entries, want 3", got)
	}

	userinfoURL := s.EndpointURL(oauthtest.EndpointUserinfo)
	if resp := get(t, userinfoURL, url.Values{"access_token": {accessToken}}); resp.status != http.StatusOK ||
		string(resp.body) != `{"data":{"id":"7","name":"Acme User"}}` {
		t.Errorf("userinfo with the token in the query: %d %s", resp.status, resp.body)
	}
	req, _ := http.NewRequest(http.MethodGet, userinfoURL, nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	if resp := do(t, req); resp.status != http.StatusUnauthorized {
		t.Errorf("userinfo with the token in a header: status = %d, want 401", resp.status)
	}
}

func TestLoadProviderRejects(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(fstest.MapFS)
		wantErr string
	}{
		{"missing folder", func(fsys fstest.MapFS) { delete(fsys, "acme/emulator.yaml") }, "read provider"},
		{"unknown key", func(fsys fstest.MapFS) {
			fsys["acme/emulator.yaml"].Data = append(fsys["acme/emulator.yaml"].Data, "colour: blue\n"...)
		}, "colour"},
		{"unknown reply key", func(fsys fstest.MapFS) {
			setSpec(fsys, "invalid_code: {status: 400, file: error_grant.json}",
				"invalid_code: {status: 400, path: error_grant.json}")
		}, `unknown reply key "path"`},
		{"missing reply", func(fsys fstest.MapFS) {
			setSpec(fsys, "  blocked_url: {status: 400, file: error_request.json}\n", "")
		}, "blocked_url is missing"},
		{"unknown reply name", func(fsys fstest.MapFS) {
			setSpec(fsys, "replies:\n", "replies:\n  teapot: error_grant.json\n")
		}, `unknown reply name "teapot"`},
		{"unknown pkce policy", func(fsys fstest.MapFS) { setSpec(fsys, "pkce: required", "pkce: maybe") }, "pkce"},
		{"unknown auth method", func(fsys fstest.MapFS) {
			setSpec(fsys, "[client_secret_basic]", "[private_key_jwt]")
		}, "private_key_jwt"},
		{"relative token URL", func(fsys fstest.MapFS) {
			setSpec(fsys, "token: https://acme.example/oauth/token", "token: /oauth/token")
		}, "token: invalid URL"},
		{"refresh without token_param", func(fsys fstest.MapFS) {
			setSpec(fsys, "  token_param: refresh_token\n", "")
		}, "token_param is missing"},
		{"missing reply file", func(fsys fstest.MapFS) { delete(fsys, "acme/error_grant.json") }, "error_grant.json"},
		{"invalid JSON reply", func(fsys fstest.MapFS) {
			fsys["acme/userinfo.json"].Data = []byte(`{"id":`)
		}, "not valid JSON"},
		{"token reply without access_token", func(fsys fstest.MapFS) {
			fsys["acme/token.json"].Data = []byte(`{"token_type":"Bearer"}`)
		}, "no access_token"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			fsys := acmeFS(acmeSpec)
			test.edit(fsys)
			_, err := oauthtest.LoadProvider(fsys, "acme")
			if err == nil {
				t.Fatalf("LoadProvider succeeded, want an error containing %q", test.wantErr)
			}
			if !strings.Contains(err.Error(), test.wantErr) || !strings.HasPrefix(err.Error(), "oauthtest: ") {
				t.Errorf("error = %q, want oauthtest: ... %q", err, test.wantErr)
			}
		})
	}
}

// setSpec replaces old by new in the acme emulator.yaml.
func setSpec(fsys fstest.MapFS, old, new string) {
	spec := string(fsys["acme/emulator.yaml"].Data)
	fsys["acme/emulator.yaml"].Data = []byte(strings.Replace(spec, old, new, 1))
}
