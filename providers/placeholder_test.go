package providers

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"
	"time"

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
