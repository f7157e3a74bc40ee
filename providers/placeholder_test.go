package providers

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/presetauth/presetauth/schema"
	"golang.org/x/oauth2"
)

func TestUserinfoClientIDPlaceholder(t *testing.T) {
	server := newProviderServer(t, map[string]http.HandlerFunc{"/user": replyJSON(http.StatusOK, `{"id":"7"}`)})
	spec := exampleSpec(server.URL)
	spec.Userinfo.Headers = map[string]string{"Client-Id": "{client_id}"}
	spec.Userinfo.Params = map[string]string{"app": "{client_id}", "secret": "{client_secret}"}
	p := newProvider(t, "example", spec)

	if _, err := p.Userinfo(context.Background(), &oauth2.Token{AccessToken: "AT"}); err != nil {
		t.Fatal(err)
	}
	got := server.only("/user")
	if h := got.Header.Get("Client-Id"); h != testClientID {
		t.Errorf("Client-Id header = %q, want the client id", h)
	}
	if q := got.Query.Get("app"); q != testClientID {
		t.Errorf("app param = %q, want the client id", q)
	}
	if q := got.Query.Get("secret"); q != "{client_secret}" {
		t.Errorf("secret param = %q; the client secret must never go to the userinfo endpoint", q)
	}
}

func TestTokenSourceRetryDelay(t *testing.T) {
	server := newProviderServer(t, map[string]http.HandlerFunc{
		"/refresh_access_token": replyJSON(http.StatusBadRequest, `{"error":{"message":"too young","type":"OAuthException","code":190}}`),
	})
	expiry := testNow.Add(2 * time.Hour)
	now := testNow
	var logs bytes.Buffer
	p := newProvider(t, "threads", threadsSpec(t, server.URL, ""),
		WithClock(func() time.Time { return now }), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	source := p.TokenSource(context.Background(), &oauth2.Token{AccessToken: "LONG", Expiry: expiry})

	for range 5 {
		if tok, err := source.Token(); err != nil || tok.AccessToken != "LONG" {
			t.Fatalf("Token() = %v, %v; want the current token", tok, err)
		}
	}
	if n := len(server.Requests("/refresh_access_token")); n != 1 {
		t.Errorf("%d refresh requests within the retry delay, want 1", n)
	}

	now = now.Add(refreshRetryDelay + time.Second)
	if _, err := source.Token(); err != nil {
		t.Fatal(err)
	}
	if n := len(server.Requests("/refresh_access_token")); n != 2 {
		t.Errorf("%d refresh requests after the retry delay, want 2", n)
	}
	if n := bytes.Count(logs.Bytes(), []byte("token refresh failed")); n != 2 {
		t.Errorf("%d warnings, want one per failed request", n)
	}
}

func TestTimeoutIsDeadlineExceeded(t *testing.T) {
	server := newProviderServer(t, map[string]http.HandlerFunc{"/token": func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}})
	p := newProvider(t, "example", exampleSpec(server.URL), WithTimeout(50*time.Millisecond))
	_, err := p.Exchange(context.Background(), "CODE", "", "")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want one matching context.DeadlineExceeded", err)
	}
}

func TestZeroOptionsKeepDefaults(t *testing.T) {
	p, err := New("example", exampleSpec("https://example.test"), WithTimeout(0), WithMaxReply(-1))
	if err != nil {
		t.Fatal(err)
	}
	if p.timeout != DefaultTimeout || p.maxReply != DefaultMaxReply {
		t.Errorf("timeout %v, max reply %d; want the defaults", p.timeout, p.maxReply)
	}
}

func TestUserinfoAppSecretProof(t *testing.T) {
	server := newProviderServer(t, map[string]http.HandlerFunc{"/user": replyJSON(http.StatusOK, `{"id":"7"}`)})
	spec := exampleSpec(server.URL)
	spec.Userinfo.Params = map[string]string{"appsecret_proof": "{appsecret_proof}"}
	p := newProvider(t, "example", spec)
	if _, err := p.Userinfo(context.Background(), &oauth2.Token{AccessToken: "AT"}); err != nil {
		t.Fatal(err)
	}
	// HMAC-SHA256 of "AT" keyed with testClientSecret, computed apart from
	// the code under test.
	mac := hmac.New(sha256.New, []byte(testClientSecret))
	mac.Write([]byte("AT"))
	want := hex.EncodeToString(mac.Sum(nil))
	if got := server.only("/user").Query.Get("appsecret_proof"); got != want {
		t.Errorf("appsecret_proof = %q, want %q", got, want)
	}
}

func TestUserinfoPost(t *testing.T) {
	server := newProviderServer(t, map[string]http.HandlerFunc{"/user": replyJSON(http.StatusOK, `{"id":"7"}`)})
	spec := exampleSpec(server.URL)
	spec.Userinfo.Method = http.MethodPost
	p := newProvider(t, "example", spec)
	if _, err := p.Userinfo(context.Background(), &oauth2.Token{AccessToken: "AT"}); err != nil {
		t.Fatal(err)
	}
	got := server.only("/user")
	if got.Method != http.MethodPost || got.Header.Get("Content-Type") != "" || len(got.Form) != 0 {
		t.Errorf("request = %s with Content-Type %q and form %v; want a POST with no body", got.Method, got.Header.Get("Content-Type"), got.Form)
	}
}

func TestStepBasicAuth(t *testing.T) {
	server := newProviderServer(t, map[string]http.HandlerFunc{"/refresh": replyJSON(http.StatusOK, `{"access_token":"NEW","expires_in":3600}`)})
	spec := exampleSpec(server.URL)
	spec.Refresh = &schema.TokenStep{
		Endpoint:   schema.Endpoint{URL: server.URL + "/refresh", Params: map[string]string{"grant_type": "refresh_token", "refresh_token": "{refresh_token}"}},
		AuthMethod: "client_secret_basic",
	}
	p := newProvider(t, "example", spec)
	tok, err := p.Refresh(context.Background(), &oauth2.Token{AccessToken: "OLD", RefreshToken: "RT"})
	if err != nil {
		t.Fatal(err)
	}
	got := server.only("/refresh")
	id, secret, ok := (&http.Request{Header: got.Header}).BasicAuth()
	if !ok || id != testClientID || secret != testClientSecret {
		t.Errorf("Basic auth = %q, %q, %v; want the client credentials", id, secret, ok)
	}
	if got.Form.Get("client_secret") != "" {
		t.Error("the secret was also sent in the body")
	}
	if tok.AccessToken != "NEW" || tok.RefreshToken != "RT" {
		t.Errorf("token = %+v", tok)
	}
}

func TestProfileTemplate(t *testing.T) {
	m, err := NewMapping(schema.ProfileMapping{
		ID:    schema.Paths{"id"},
		Name:  schema.Paths{"={firstname} {lastname}", "firstname"},
		Image: schema.Paths{"=https://cdn.example/avatars/{id}/{avatar}.png"},
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.Apply([]byte(`{"id":111122233,"firstname":"Ada","lastname":"Lovelace","avatar":"a1b2"}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Ada Lovelace" || p.Image != "https://cdn.example/avatars/111122233/a1b2.png" {
		t.Errorf("name %q, image %q", p.Name, p.Image)
	}
	p, err = m.Apply([]byte(`{"id":1,"firstname":"Ada"}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Ada" || p.Image != "" {
		t.Errorf("with parts missing: name %q, image %q; want the fallback and no image", p.Name, p.Image)
	}
	if _, err := NewMapping(schema.ProfileMapping{ID: schema.Paths{"=no parts"}}); err == nil {
		t.Error("a template without parts was accepted")
	}
}

func TestErrorMarkers(t *testing.T) {
	server := newProviderServer(t, map[string]http.HandlerFunc{"/token": replyJSON(http.StatusBadRequest, `{"status":400,"message":"missing client id"}`)})
	spec := exampleSpec(server.URL)
	spec.Errors = schema.ErrorMapping{Markers: schema.Paths{"message"}, Code: schema.Paths{"status"}}
	p := newProvider(t, "example", spec)
	_, err := p.Exchange(context.Background(), "CODE", "", "")
	var perr *ProviderError
	if !errors.As(err, &perr) || perr.Code != "400" || perr.Description != "missing client id" {
		t.Errorf("error = %v, want a ProviderError with the message", err)
	}
}
