package presetauth_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/presetauth/presetauth/oauth"
	"github.com/presetauth/presetauth/oauthtest"
)

// submitFormPost submits the emulator's form_post page in resp the way a
// browser runs the page's onload script: it posts the hidden inputs to the
// form's action with the cookie jar, and returns the reply to that POST.
// Any other response comes back unchanged.
func (h *signInHarness) submitFormPost(resp *http.Response, body []byte) (*http.Response, []byte) {
	h.t.Helper()
	if h.emulator == nil || resp.Request == nil || !strings.HasPrefix(resp.Request.URL.String(), h.emulator.URL+"/") {
		return resp, body
	}
	form, ok := oauthtest.ParseFormPost(body)
	if !ok {
		return resp, body
	}
	posted, err := h.client.PostForm(form.Action, form.Fields)
	if err != nil {
		h.t.Fatalf("POST %s: %v", form.Action, err)
	}
	defer posted.Body.Close()
	body, _ = io.ReadAll(posted.Body)
	return posted, body
}

func TestAppleFormPostCallback(t *testing.T) {
	h := newPresetHarness(t, "apple", "", nil)

	// The client runs no script, so it stops at the emulator's form page.
	resp, err := h.client.Get(h.app.URL + "/auth/signin/apple")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in ended with %d: %s", resp.StatusCode, page)
	}
	form, ok := oauthtest.ParseFormPost(page)
	if !ok {
		t.Fatalf("no form_post page: %s", page)
	}
	if want := h.app.URL + "/auth/callback/apple"; form.Action != want {
		t.Errorf("form action = %q, want %q", form.Action, want)
	}
	if !form.Fields.Has("user") {
		t.Error("the form lacks the user field of a first sign-in")
	}

	query := h.emulator.Requests(oauthtest.EndpointAuthorize)[0].Query
	for name, want := range map[string]string{"response_mode": "form_post", "scope": "openid name email"} {
		if got := query.Get(name); got != want {
			t.Errorf("authorization request %s = %q, want %q", name, got, want)
		}
	}
	if query.Get("nonce") == "" {
		t.Error("authorization request without nonce")
	}
	if query.Has("code_challenge") {
		t.Error("authorization request with a PKCE challenge, which Apple does not document")
	}

	// The callback takes the response only as a POST body.
	get, err := h.client.Get(form.Action + "?" + form.Fields.Encode())
	if err != nil {
		t.Fatal(err)
	}
	get.Body.Close()
	if get.StatusCode != http.StatusMethodNotAllowed || get.Header.Get("Allow") != "POST" {
		t.Errorf("GET callback: status %d, Allow %q; want 405 and POST", get.StatusCode, get.Header.Get("Allow"))
	}

	posted, err := h.client.PostForm(form.Action, form.Fields)
	if err != nil {
		t.Fatal(err)
	}
	posted.Body.Close()
	if posted.StatusCode != http.StatusOK {
		t.Fatalf("form_post callback: status %d: %v", posted.StatusCode, h.lastError())
	}
	res := h.lastResult()
	if res == nil {
		t.Fatal("OnSignIn was not called")
	}
	if res.Profile.ID != "001234.5b3a3bdf9c0b4f049c1471cae1cd1d8d.0917" {
		t.Errorf("profile id = %q", res.Profile.ID)
	}
	// The handler ignores the user field, so the name Apple sent is lost.
	if res.Profile.Name != "" {
		t.Errorf("profile name = %q, want empty", res.Profile.Name)
	}

	token := h.emulator.Requests(oauthtest.EndpointToken)[0]
	if token.Form.Get("client_secret") != "emulated-app-secret" || token.Header.Get("Authorization") != "" {
		t.Errorf("token request: client_secret %q, Authorization %q; want client_secret_post",
			token.Form.Get("client_secret"), token.Header.Get("Authorization"))
	}
}

func TestAppleResponseModeOverrides(t *testing.T) {
	tests := []struct {
		name       string
		overrides  string
		wantStatus int
		wantEmail  string
	}{
		{"form_post", "", http.StatusOK, "q7xk2mdw4h@privaterelay.appleid.com"},
		{"query with email", "authorization: {params: {response_mode: query}}\n", http.StatusBadRequest, ""},
		{"query without name or email", "authorization: {params: {response_mode: query}}\nscopes: [openid]\n", http.StatusOK, "q7xk2mdw4h@privaterelay.appleid.com"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			h := newPresetHarness(t, "apple", test.overrides, nil)
			resp, body := h.get("/auth/signin/apple")
			if resp.StatusCode != test.wantStatus {
				t.Fatalf("status %d, want %d: %s (error: %v)", resp.StatusCode, test.wantStatus, body, h.lastError())
			}
			res := h.lastResult()
			if test.wantStatus != http.StatusOK {
				if res != nil {
					t.Error("OnSignIn was called")
				}
				return
			}
			if res == nil {
				t.Fatal("OnSignIn was not called")
			}
			// The emulator's ID token carries the email whatever the scope.
			if res.Profile.Email != test.wantEmail {
				t.Errorf("email = %q, want %q", res.Profile.Email, test.wantEmail)
			}
		})
	}
}

func TestAppleEmailVerifiedShapes(t *testing.T) {
	tests := []struct {
		name        string
		verified    string // JSON of email_verified and is_private_email
		want        bool
		wantPrivate any
	}{
		{"string true", `"true"`, true, "true"},
		{"boolean true", `true`, true, true},
		{"string false", `"false"`, false, "false"},
		{"boolean false", `false`, false, false},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			h := newPresetHarness(t, "apple", "", nil)
			h.emulator.SetUser(json.RawMessage(`{"sub":"000111.abc.2222","email":"a@example.com",` +
				`"email_verified":` + test.verified + `,"is_private_email":` + test.verified + `}`))
			resp, body := h.get("/auth/signin/apple")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s (error: %v)", resp.StatusCode, body, h.lastError())
			}
			p := h.lastResult().Profile
			if p.EmailVerified != test.want {
				t.Errorf("email_verified = %v, want %v", p.EmailVerified, test.want)
			}
			if got := p.Extra["private_email"]; got != test.wantPrivate {
				t.Errorf("extra.private_email = %#v, want %#v", got, test.wantPrivate)
			}
		})
	}
}

func TestAppleCancelledSignIn(t *testing.T) {
	h := newPresetHarness(t, "apple", "", nil)
	h.emulator.Deny()
	h.get("/auth/signin/apple")
	var authErr *oauth.AuthorizationError
	if !errors.As(h.lastError(), &authErr) {
		t.Fatalf("error = %v, want *oauth.AuthorizationError", h.lastError())
	}
	if authErr.Code != "user_cancelled_authorize" {
		t.Errorf("error code = %q, want user_cancelled_authorize", authErr.Code)
	}
	if h.lastResult() != nil {
		t.Error("OnSignIn was called")
	}
}
