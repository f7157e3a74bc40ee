package oauthtest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/presetauth/presetauth/oauthtest"
)

// appleAuthorize sends an authorization request to the Apple emulator with
// the test client and the given scope and response mode.
func appleAuthorize(t *testing.T, s *oauthtest.Server, scope, mode string) response {
	t.Helper()
	params := url.Values{
		"client_id":     {testClientID},
		"redirect_uri":  {testRedirectURI},
		"response_type": {"code"},
		"state":         {testState},
		"scope":         {scope},
	}
	if mode != "" {
		params.Set("response_mode", mode)
	}
	return get(t, s.EndpointURL(oauthtest.EndpointAuthorize), params)
}

func TestFormPostResponseModes(t *testing.T) {
	tests := []struct {
		name       string
		scope      string
		mode       string
		wantStatus int
	}{
		{"form_post with name and email", "openid name email", "form_post", http.StatusOK},
		{"form_post without scopes", "openid", "form_post", http.StatusOK},
		{"query without name or email", "openid", "query", http.StatusFound},
		{"no mode without name or email", "openid", "", http.StatusFound},
		{"query with email", "openid email", "query", http.StatusBadRequest},
		{"no mode with name", "name", "", http.StatusBadRequest},
		{"unknown mode", "openid", "fragment", http.StatusBadRequest},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			s := startBuiltin(t, "apple")
			resp := appleAuthorize(t, s, test.scope, test.mode)
			if resp.status != test.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.status, test.wantStatus, resp.body)
			}
			_, isForm := oauthtest.ParseFormPost(resp.body)
			if wantForm := test.wantStatus == http.StatusOK; isForm != wantForm {
				t.Errorf("form_post page = %v, want %v", isForm, wantForm)
			}
			if test.wantStatus == http.StatusFound && resp.header.Get("Location") == "" {
				t.Error("redirect without Location")
			}
		})
	}
}

func TestFormPostPageFields(t *testing.T) {
	s := startBuiltin(t, "apple")
	resp := appleAuthorize(t, s, "openid name email", "form_post")
	if resp.status != http.StatusOK {
		t.Fatalf("status = %d; body %s", resp.status, resp.body)
	}
	if got := resp.header.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := resp.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	if !strings.Contains(string(resp.body), `onload="document.forms[0].submit()"`) {
		t.Errorf("page does not submit itself: %s", resp.body)
	}

	form, ok := oauthtest.ParseFormPost(resp.body)
	if !ok {
		t.Fatalf("not a form_post page: %s", resp.body)
	}
	if form.Action != testRedirectURI {
		t.Errorf("action = %q, want %q", form.Action, testRedirectURI)
	}
	if form.Fields.Get("code") == "" {
		t.Error("no code field")
	}
	if got := form.Fields.Get("state"); got != testState {
		t.Errorf("state = %q, want %q", got, testState)
	}
	var user struct {
		Name  struct{ FirstName, LastName string }
		Email string
	}
	if err := json.Unmarshal([]byte(form.Fields.Get("user")), &user); err != nil {
		t.Fatalf("user field %q: %v", form.Fields.Get("user"), err)
	}
	if user.Name.FirstName != "John" || user.Name.LastName != "Appleseed" {
		t.Errorf("user name = %+v", user.Name)
	}

	// The posted code is as good as a redirected one.
	token := postForm(t, s.EndpointURL(oauthtest.EndpointToken), url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {form.Fields.Get("code")},
		"redirect_uri":  {testRedirectURI},
		"client_id":     {testClientID},
		"client_secret": {testClientSecret},
	}, nil)
	if token.status != http.StatusOK {
		t.Fatalf("token status = %d; body %s", token.status, token.body)
	}
	if _, ok := decodeObject(t, token.body)["id_token"].(string); !ok {
		t.Errorf("token reply has no id_token: %s", token.body)
	}
}

func TestFormPostWithoutUserField(t *testing.T) {
	s := startBuiltin(t, "apple")
	resp := appleAuthorize(t, s, "openid", "form_post")
	form, ok := oauthtest.ParseFormPost(resp.body)
	if !ok {
		t.Fatalf("not a form_post page: %s", resp.body)
	}
	if form.Fields.Has("user") {
		t.Errorf("user field %q sent without the name or email scope", form.Fields.Get("user"))
	}
}

func TestFormPostDenial(t *testing.T) {
	s := startBuiltin(t, "apple")
	s.Deny()
	resp := appleAuthorize(t, s, "openid name email", "form_post")
	form, ok := oauthtest.ParseFormPost(resp.body)
	if !ok {
		t.Fatalf("not a form_post page: %s", resp.body)
	}
	if got := form.Fields.Get("error"); got != "user_cancelled_authorize" {
		t.Errorf("error = %q, want user_cancelled_authorize", got)
	}
	if form.Fields.Has("code") || form.Fields.Has("user") {
		t.Errorf("denial carries %v", form.Fields)
	}
	if got := form.Fields.Get("state"); got != testState {
		t.Errorf("state = %q, want %q", got, testState)
	}
}

func TestFormPostEscaping(t *testing.T) {
	s := startBuiltin(t, "apple")
	state := `a"b&c<d>'e` + "\u00e9"
	redirect := "https://127.0.0.1:8443/auth/callback/apple?tenant=a&b=%22"
	resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), url.Values{
		"client_id":     {testClientID},
		"redirect_uri":  {redirect},
		"response_type": {"code"},
		"response_mode": {"form_post"},
		"scope":         {"openid"},
		"state":         {state},
	})
	form, ok := oauthtest.ParseFormPost(resp.body)
	if !ok {
		t.Fatalf("not a form_post page: %s", resp.body)
	}
	if got := form.Fields.Get("state"); got != state {
		t.Errorf("state = %q, want %q", got, state)
	}
	if strings.Contains(string(resp.body), state) {
		t.Error("page contains the state unescaped")
	}
	action, err := url.Parse(form.Action)
	if err != nil {
		t.Fatal(err)
	}
	if action.Query().Get("tenant") != "a" || action.Query().Get("b") != `"` {
		t.Errorf("action = %q, want the redirect URI's query kept", form.Action)
	}
}

func TestFormPostIgnoredWithoutResponseModes(t *testing.T) {
	s, _ := startThreads(t)
	params := authorizeParams()
	params.Set("response_mode", "form_post")
	resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), params)
	if resp.status != http.StatusFound {
		t.Fatalf("status = %d, want the usual redirect; body %s", resp.status, resp.body)
	}
}

func TestParseFormPostRejectsOtherPages(t *testing.T) {
	for _, body := range []string{
		"",
		`{"access_token":"x"}`,
		"<!DOCTYPE html><html><body><form method=\"get\" action=\"/x\"></form></body></html>",
	} {
		if form, ok := oauthtest.ParseFormPost([]byte(body)); ok {
			t.Errorf("ParseFormPost(%q) = %+v, want false", body, form)
		}
	}
}

func TestResponseModesValidation(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		want  string
	}{
		{"unknown mode", "response_modes: [query, fragment]\n", `unknown mode "fragment"`},
		{"scopes without form_post", "response_modes: [query]\nform_post_scopes: [email]\n", "form_post_scopes: response_modes must list form_post"},
		{"user without scopes", "response_modes: [form_post]\nform_post_user: '{}'\n", "form_post_user: form_post_scopes must name"},
		{"user not JSON", "response_modes: [form_post]\nform_post_scopes: [email]\nform_post_user: 'name'\n", "form_post_user: not a JSON object"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"p/emulator.yaml": {Data: []byte(minimalEmulator + test.extra)},
				"p/reply.json":    {Data: []byte(`{"access_token":"x","id":"1"}`)},
			}
			_, err := oauthtest.LoadProvider(fsys, "p")
			if err == nil || !strings.Contains(err.Error(), test.want) {
				t.Errorf("LoadProvider error = %v, want it to contain %q", err, test.want)
			}
		})
	}
}

// minimalEmulator is a valid emulator.yaml whose replies all use reply.json.
const minimalEmulator = `name: minimal
authorize: https://op.example/authorize
token: https://op.example/token
userinfo: https://op.example/userinfo
token_auth_methods: [client_secret_post]
replies:
  token: reply.json
  userinfo: reply.json
  invalid_code: reply.json
  invalid_token: reply.json
  bad_client: reply.json
  invalid_request: reply.json
  authorize_error: reply.json
  blocked_url: reply.json
`
