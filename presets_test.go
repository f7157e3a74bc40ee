package presetauth_test

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/presetauth/presetauth"
	"github.com/presetauth/presetauth/providers"
	"github.com/presetauth/presetauth/schema"
)

func noEnv(string) (string, bool) { return "", false }

func env(vars map[string]string) presetauth.Option {
	return presetauth.WithLookup(func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	})
}

const threadsCredentials = `client_id: "990602627938098"
client_secret: ${THREADS_APP_SECRET}
redirect_url: https://app.example/auth/callback/threads
`

var threadsEnv = env(map[string]string{"THREADS_APP_SECRET": "app-secret"})

func TestThreadsPresetFacts(t *testing.T) {
	p, err := presetauth.Provider("threads", presetauth.WithOverrides([]byte(threadsCredentials)), threadsEnv)
	if err != nil {
		t.Fatal(err)
	}
	spec := p.Spec
	checks := []struct{ name, got, want string }{
		{"authorization URL", spec.Authorization.URL, "https://threads.net/oauth/authorize"},
		{"token URL", spec.Token.URL, "https://graph.threads.net/oauth/access_token"},
		{"auth method", spec.Token.AuthMethod, "client_secret_post"},
		{"userinfo URL", spec.Userinfo.URL, "https://graph.threads.net/v1.0/me"},
		{"fields", strings.Join(spec.Userinfo.Fields, ","), "id,username,name,threads_profile_picture_url,threads_biography,is_verified"},
		{"separator", spec.ScopeSeparator, ","},
		{"scopes", strings.Join(spec.Scopes, ","), "threads_basic"},
		{"checks", strings.Join(spec.Checks, ","), "state"},
		{"exchange URL", spec.Exchange.URL, "https://graph.threads.net/access_token"},
		{"exchange grant", spec.Exchange.Params["grant_type"], "th_exchange_token"},
		{"exchange method", spec.Exchange.Method, "GET"},
		{"refresh URL", spec.Refresh.URL, "https://graph.threads.net/refresh_access_token"},
		{"refresh grant", spec.Refresh.Params["grant_type"], "th_refresh_token"},
		{"profile id", strings.Join(spec.Profile.ID, ","), "id"},
		{"profile name", strings.Join(spec.Profile.Name, ","), "name,username"},
		{"profile image", strings.Join(spec.Profile.Image, ","), "threads_profile_picture_url"},
		{"profile email", strings.Join(spec.Profile.Email, ","), ""},
		{"client secret", spec.ClientSecret.Value(), "app-secret"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	for _, key := range []string{"username", "biography", "verified"} {
		if _, ok := spec.Profile.Extra[key]; !ok {
			t.Errorf("profile.extra has no %s", key)
		}
	}

	auth, err := url.Parse(p.AuthCodeURL(providersAuthRequest("S")))
	if err != nil {
		t.Fatal(err)
	}
	q := auth.Query()
	if q.Get("client_id") != "990602627938098" || q.Get("response_type") != "code" || q.Get("state") != "S" ||
		q.Get("redirect_uri") != "https://app.example/auth/callback/threads" || q.Get("scope") != "threads_basic" {
		t.Errorf("authorization URL = %s", auth)
	}
	if q.Has("code_challenge") {
		t.Errorf("authorization URL has a PKCE challenge, which Threads does not document: %s", auth)
	}
}

func TestOverrideScopeParamKeepsURL(t *testing.T) {
	p, err := presetauth.Provider("threads", threadsEnv, presetauth.WithOverrides([]byte(threadsCredentials+
		"authorization: {params: {scope: \"threads_basic,threads_delete\"}}\n")))
	if err != nil {
		t.Fatal(err)
	}
	if p.Spec.Authorization.URL != "https://threads.net/oauth/authorize" {
		t.Errorf("authorization URL = %q, want the preset's", p.Spec.Authorization.URL)
	}
	auth, _ := url.Parse(p.AuthCodeURL(providersAuthRequest("S")))
	if got := auth.Query().Get("scope"); got != "threads_basic,threads_delete" {
		t.Errorf("scope = %q", got)
	}
	if auth.Host != "threads.net" {
		t.Errorf("host = %q", auth.Host)
	}
}

func TestOverrideListReplaces(t *testing.T) {
	p, err := presetauth.Provider("threads", threadsEnv, presetauth.WithOverrides([]byte(threadsCredentials+
		"scopes: [threads_basic, threads_content_publish]\nuserinfo: {fields: [id, username]}\n")))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Spec.Scopes, []string{"threads_basic", "threads_content_publish"}) {
		t.Errorf("scopes = %q", p.Spec.Scopes)
	}
	if !reflect.DeepEqual(p.Spec.Userinfo.Fields, []string{"id", "username"}) {
		t.Errorf("fields = %q, want the override's list, not a merge by index", p.Spec.Userinfo.Fields)
	}
	if p.Spec.Userinfo.URL != "https://graph.threads.net/v1.0/me" {
		t.Errorf("userinfo URL = %q, want the preset's", p.Spec.Userinfo.URL)
	}
}

func TestOverrideNullTurnsStepOff(t *testing.T) {
	p, err := presetauth.Provider("threads", threadsEnv, presetauth.WithOverrides([]byte(threadsCredentials+"exchange: null\n")))
	if err != nil {
		t.Fatal(err)
	}
	if p.Spec.Exchange != nil {
		t.Errorf("exchange = %+v, want nil", p.Spec.Exchange)
	}
	if p.Spec.Refresh == nil {
		t.Error("refresh was turned off too")
	}
}

func TestDeploymentErrorsPositioned(t *testing.T) {
	data := `providers:
  threads:
    client_id: "1"
    client_secret: ${MISSING_SECRET}
    scopes: threads_basic
    token: {auth_method: private_key_jwt}
    userinfo: {feilds: [id]}
    redirect_url: http://app.example/cb
`
	_, err := presetauth.Load("auth.yaml", []byte(data), presetauth.WithLookup(noEnv))
	got := schema.Errors(err)
	want := []struct {
		line, col int
		path      string
		contains  string
	}{
		{5, 13, "providers.threads.scopes", "must be a list"},
		{7, 16, "providers.threads.userinfo.feilds", `unknown key "feilds"`},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(got), len(want), err)
	}
	for i, w := range want {
		e := got[i]
		if e.File != "auth.yaml" || e.Line != w.line || e.Column != w.col || e.Path != w.path || !strings.Contains(e.Msg, w.contains) {
			t.Errorf("error %d = %v, want auth.yaml:%d:%d: %s: ...%s...", i, e, w.line, w.col, w.path, w.contains)
		}
	}

	// With the structure fixed, the values are checked.
	data = strings.Replace(strings.Replace(data, "scopes: threads_basic", "scopes: [threads_basic]", 1), "feilds", "fields", 1)
	_, err = presetauth.Load("auth.yaml", []byte(data), presetauth.WithLookup(noEnv))
	got = schema.Errors(err)
	if len(got) != 1 || got[0].Line != 4 || !strings.Contains(got[0].Msg, "MISSING_SECRET is not set") {
		t.Fatalf("errors = %v, want the missing variable at line 4", err)
	}

	_, err = presetauth.Load("auth.yaml", []byte(data), env(map[string]string{"MISSING_SECRET": "s"}))
	got = schema.Errors(err)
	if len(got) != 2 {
		t.Fatalf("errors = %v, want 2", err)
	}
	if got[0].Line != 6 || got[0].Path != "providers.threads.token.auth_method" || !strings.Contains(got[0].Msg, "client_secret_post, client_secret_basic, none") {
		t.Errorf("first error = %v", got[0])
	}
	if got[1].Line != 8 || got[1].Path != "providers.threads.redirect_url" || !strings.Contains(got[1].Msg, "use https") {
		t.Errorf("second error = %v", got[1])
	}
	if strings.Contains(err.Error(), `"s"`) {
		t.Errorf("error shows the secret: %v", err)
	}
}

func TestUnknownPreset(t *testing.T) {
	_, err := presetauth.Provider("nope")
	if err == nil || !strings.Contains(err.Error(), `unknown preset "nope"`) || !strings.Contains(err.Error(), "threads") {
		t.Errorf("error = %v, want one naming the preset and listing the known ones", err)
	}
}

func TestMissingSecretError(t *testing.T) {
	_, err := presetauth.Provider("threads", presetauth.WithOverrides([]byte(`client_id: "1"`)), presetauth.WithLookup(noEnv))
	var e *schema.Error
	if !errors.As(err, &e) || e.Path != "client_secret" {
		t.Errorf("error = %v, want a missing client_secret", err)
	}
}

func providersAuthRequest(state string) providers.AuthRequest {
	return providers.AuthRequest{State: state}
}
