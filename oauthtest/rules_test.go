package oauthtest_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/presetauth/presetauth/oauthtest"
)

// startBuiltin starts the emulator of a built-in provider with the test
// client.
func startBuiltin(t *testing.T, name string) *oauthtest.Server {
	t.Helper()
	p, err := oauthtest.Builtin(name)
	if err != nil {
		t.Fatalf("Builtin(%s): %v", name, err)
	}
	s := oauthtest.NewServer(p, oauthtest.Client{ID: testClientID, Secret: testClientSecret})
	t.Cleanup(s.Close)
	return s
}

// builtinToken runs authorize with params and the code grant with the
// client authentication that edit sets (form body when nil), and returns
// the access token.
func builtinToken(t *testing.T, s *oauthtest.Server, params url.Values, edit func(*http.Request)) string {
	t.Helper()
	params.Set("client_id", testClientID)
	params.Set("redirect_uri", testRedirectURI)
	params.Set("response_type", "code")
	params.Set("state", testState)
	resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), params)
	if resp.status != http.StatusFound {
		t.Fatalf("authorize status = %d, want 302; body %s", resp.status, resp.body)
	}
	location, err := url.Parse(resp.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}

	form := tokenForm(location.Query().Get("code"))
	if edit != nil {
		form.Del("client_secret")
	}
	resp = postForm(t, s.EndpointURL(oauthtest.EndpointToken), form, edit)
	if resp.status != http.StatusOK {
		t.Fatalf("token status = %d, want 200; body %s", resp.status, resp.body)
	}
	return decodeObject(t, resp.body)["access_token"].(string)
}

func basicAuth(userAgent string) func(*http.Request) {
	return func(r *http.Request) {
		r.SetBasicAuth(url.QueryEscape(testClientID), url.QueryEscape(testClientSecret))
		if userAgent != "" {
			r.Header.Set("User-Agent", userAgent)
		}
	}
}

func TestRequestRuleHeaderEquals(t *testing.T) {
	s := startBuiltin(t, "twitch")
	token := builtinToken(t, s, url.Values{"scope": {"user:read:email"}}, nil)

	tests := []struct {
		name       string
		clientID   string
		wantStatus int
		wantBody   string
	}{
		{"client id", testClientID, http.StatusOK, `"login":"twitchdev"`},
		{"missing", "", http.StatusUnauthorized, "Client ID is missing"},
		{"other client", "another-client", http.StatusUnauthorized, "Client ID and OAuth token do not match"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, s.EndpointURL(oauthtest.EndpointUserinfo), nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			if test.clientID != "" {
				req.Header.Set("Client-Id", test.clientID)
			}
			resp := do(t, req)
			if resp.status != test.wantStatus {
				t.Errorf("status = %d, want %d; body %s", resp.status, test.wantStatus, resp.body)
			}
			if !strings.Contains(string(resp.body), test.wantBody) {
				t.Errorf("body = %s, want it to contain %s", resp.body, test.wantBody)
			}
		})
	}
}

func TestRequestRuleParamOneOf(t *testing.T) {
	s := startBuiltin(t, "reddit")
	tests := []struct {
		name       string
		duration   string
		wantStatus int
	}{
		{"temporary", "temporary", http.StatusFound},
		{"permanent", "permanent", http.StatusFound},
		{"missing", "", http.StatusBadRequest},
		{"unknown value", "forever", http.StatusBadRequest},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			params := url.Values{
				"client_id":     {testClientID},
				"redirect_uri":  {testRedirectURI},
				"response_type": {"code"},
				"scope":         {"identity"},
				"state":         {testState},
			}
			if test.duration != "" {
				params.Set("duration", test.duration)
			}
			resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), params)
			if resp.status != test.wantStatus {
				t.Errorf("status = %d, want %d; body %s", resp.status, test.wantStatus, resp.body)
			}
			if test.wantStatus != http.StatusFound && !strings.Contains(string(resp.body), "invalid duration") {
				t.Errorf("body = %s, want the invalid duration page", resp.body)
			}
		})
	}
}

func TestRequestRuleRejectPrefix(t *testing.T) {
	s := startBuiltin(t, "reddit")
	authorize := func() string {
		params := url.Values{
			"client_id":     {testClientID},
			"redirect_uri":  {testRedirectURI},
			"response_type": {"code"},
			"scope":         {"identity"},
			"duration":      {"temporary"},
		}
		resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), params)
		location, err := url.Parse(resp.header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		return location.Query().Get("code")
	}

	tests := []struct {
		name       string
		userAgent  string // "" keeps Go's default
		wantStatus int
	}{
		{"own user agent", "web:dev.presetauth.test:v1 (by /u/presetauth)", http.StatusOK},
		{"go default", "", http.StatusTooManyRequests},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			form := tokenForm(authorize())
			form.Del("client_secret")
			resp := postForm(t, s.EndpointURL(oauthtest.EndpointToken), form, basicAuth(test.userAgent))
			if resp.status != test.wantStatus {
				t.Errorf("status = %d, want %d; body %s", resp.status, test.wantStatus, resp.body)
			}
		})
	}
}

func TestUserinfoMethodPost(t *testing.T) {
	s := startBuiltin(t, "dropbox")
	token := builtinToken(t, s, url.Values{"scope": {"account_info.read"}}, basicAuth(""))

	tests := []struct {
		name        string
		method      string
		contentType string // "" sends no Content-Type
		body        string
		wantStatus  int
		wantBody    string
	}{
		{"post without body", http.MethodPost, "", "", http.StatusOK, `"account_id"`},
		{"post with json null", http.MethodPost, "application/json", "null", http.StatusOK, `"account_id"`},
		{"get", http.MethodGet, "", "", http.StatusBadRequest, ""},
		{"post with form type", http.MethodPost, "application/x-www-form-urlencoded", "", http.StatusBadRequest, `Bad HTTP "Content-Type" header`},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			req, err := http.NewRequest(test.method, s.EndpointURL(oauthtest.EndpointUserinfo), strings.NewReader(test.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			if test.contentType != "" {
				req.Header.Set("Content-Type", test.contentType)
			}
			resp := do(t, req)
			if resp.status != test.wantStatus {
				t.Errorf("status = %d, want %d; body %s", resp.status, test.wantStatus, resp.body)
			}
			if !strings.Contains(string(resp.body), test.wantBody) {
				t.Errorf("body = %s, want it to contain %s", resp.body, test.wantBody)
			}
		})
	}
}

func TestRequestRuleAppSecretProof(t *testing.T) {
	s := startBuiltin(t, "facebook")
	token := builtinToken(t, s, url.Values{"scope": {"public_profile"}}, nil)

	// The proof is computed here apart from the emulator's code.
	mac := hmac.New(sha256.New, []byte(testClientSecret))
	mac.Write([]byte(token))
	proof := hex.EncodeToString(mac.Sum(nil))

	tests := []struct {
		name       string
		proof      string // "" sends none
		wantStatus int
		wantBody   string
	}{
		{"valid proof", proof, http.StatusOK, `"id":"10160000000000001"`},
		{"no proof", "", http.StatusOK, `"id":"10160000000000001"`},
		{"proof of another secret", hex.EncodeToString(hmac.New(sha256.New, []byte("other")).Sum(nil)), http.StatusBadRequest, "Invalid appsecret_proof"},
		{"secret itself", testClientSecret, http.StatusBadRequest, "Invalid appsecret_proof"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			params := url.Values{"fields": {"id,name"}}
			if test.proof != "" {
				params.Set("appsecret_proof", test.proof)
			}
			req, err := http.NewRequest(http.MethodGet, s.EndpointURL(oauthtest.EndpointUserinfo)+"?"+params.Encode(), nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			resp := do(t, req)
			if resp.status != test.wantStatus {
				t.Errorf("status = %d, want %d; body %s", resp.status, test.wantStatus, resp.body)
			}
			if !strings.Contains(string(resp.body), test.wantBody) {
				t.Errorf("body = %s, want it to contain %s", resp.body, test.wantBody)
			}
		})
	}
}

func TestScopeOptional(t *testing.T) {
	tests := []struct {
		provider   string
		wantStatus int
	}{
		{"zoom", http.StatusFound},
		{"threads", http.StatusBadRequest},
	}
	for _, test := range tests {
		t.Run(test.provider, func(t *testing.T) {
			s := startBuiltin(t, test.provider)
			params := url.Values{
				"client_id":     {testClientID},
				"redirect_uri":  {testRedirectURI},
				"response_type": {"code"},
				"state":         {testState},
			}
			resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), params)
			if resp.status != test.wantStatus {
				t.Errorf("authorize without scope: status = %d, want %d; body %s",
					resp.status, test.wantStatus, resp.body)
			}
		})
	}
}

func TestLoadProviderRequestRules(t *testing.T) {
	tests := []struct {
		name    string
		extra   string
		wantErr string
	}{
		{"header and param", "request_rules:\n  token:\n    - {header: X-A, param: a}\n", "set exactly one of header and param"},
		{"neither", "request_rules:\n  token:\n    - {equals: a}\n", "set exactly one of header and param"},
		{"unknown endpoint", "request_rules:\n  nowhere:\n    - {header: X-A}\n", `unknown endpoint "nowhere"`},
		{"invalid header name", "request_rules:\n  token:\n    - {header: \"X A\"}\n", "invalid header name"},
		{"userinfo method", "userinfo_method: PUT\n", `userinfo_method: unknown value "PUT"`},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			_, err := oauthtest.LoadProvider(acmeFS(acmeSpec+test.extra), "acme")
			if err == nil || !strings.Contains(err.Error(), test.wantErr) {
				t.Errorf("LoadProvider error = %v, want it to contain %q", err, test.wantErr)
			}
		})
	}
}
