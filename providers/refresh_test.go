package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/presetauth/presetauth/schema"
	"golang.org/x/oauth2"
)

// longLivedToken is a Threads token from the exchange step, as Finish
// returns it, that expires at expiry.
func longLivedToken(expiry time.Time) *oauth2.Token {
	tok := &oauth2.Token{AccessToken: threadsLongToken, TokenType: "bearer", Expiry: expiry}
	return tok.WithExtra(withExtras(map[string]any{
		"access_token": threadsLongToken,
		"user_id":      json.Number("17841405793187219"),
	}))
}

func TestThreadsTokenSource(t *testing.T) {
	expiry := testNow.Add(60 * 24 * time.Hour)
	refreshOK := replyJSON(http.StatusOK, fixture(t, "threads/refresh.json"))
	refreshFails := replyJSON(http.StatusBadRequest, fixture(t, "threads/error_graph_expired.json"))

	tests := []struct {
		name    string
		now     time.Time // the clock when Token is called
		handler http.HandlerFunc

		wantToken    string // empty means an error
		wantRequests int
		wantLog      bool
	}{
		{
			name:      "outside the refresh window",
			now:       expiry.Add(-169 * time.Hour),
			handler:   refreshOK,
			wantToken: threadsLongToken,
		},
		{
			name:         "inside the refresh window",
			now:          expiry.Add(-100 * time.Hour),
			handler:      refreshOK,
			wantToken:    threadsRefreshedToken,
			wantRequests: 1,
		},
		{
			name:         "refresh fails while valid",
			now:          expiry.Add(-time.Hour),
			handler:      refreshFails,
			wantToken:    threadsLongToken,
			wantRequests: 1,
			wantLog:      true,
		},
		{
			name:         "refresh fails after expiry",
			now:          expiry.Add(time.Minute),
			handler:      refreshFails,
			wantRequests: 1,
		},
		{
			name:         "expired and refreshed",
			now:          expiry.Add(time.Minute),
			handler:      refreshOK,
			wantToken:    threadsRefreshedToken,
			wantRequests: 1,
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			server := newProviderServer(t, map[string]http.HandlerFunc{"/refresh_access_token": test.handler})
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, nil))
			now := test.now
			p := newProvider(t, "threads", threadsSpec(t, server.URL, ""),
				WithClock(func() time.Time { return now }), WithLogger(logger))

			tok, err := p.TokenSource(context.Background(), longLivedToken(expiry)).Token()

			requests := server.Requests("/refresh_access_token")
			if len(requests) != test.wantRequests {
				t.Fatalf("refresh endpoint got %d requests, want %d", len(requests), test.wantRequests)
			}
			for _, r := range requests {
				if r.Method != http.MethodGet {
					t.Errorf("method = %s, want GET", r.Method)
				}
				if got := r.Query.Get("grant_type"); got != "th_refresh_token" {
					t.Errorf("grant_type = %q, want th_refresh_token", got)
				}
				if got := r.Query.Get("access_token"); got != threadsLongToken {
					t.Errorf("access_token = %q, want the long-lived token", got)
				}
				if r.Query.Has("client_secret") {
					t.Error("the refresh request carries the client secret; Threads does not require it")
				}
			}

			if test.wantToken == "" {
				if tok != nil {
					t.Errorf("token = %v, want nil", tok.AccessToken)
				}
				var perr *ProviderError
				if !errors.As(err, &perr) {
					t.Fatalf("error = %v (%T), want *ProviderError", err, err)
				}
				if perr.Endpoint != "refresh" || perr.Code != "190" || perr.Subcode != "463" {
					t.Errorf("error = %+v, want refresh endpoint, code 190, subcode 463", *perr)
				}
				checkNoSecrets(t, err)
			} else {
				if err != nil {
					t.Fatalf("Token: %v", err)
				}
				if tok.AccessToken != test.wantToken {
					t.Errorf("AccessToken = %q, want %q", tok.AccessToken, test.wantToken)
				}
				if got, want := Extras(tok)["user_id"], json.Number("17841405793187219"); got != want {
					t.Errorf("user_id = %#v, want %#v", got, want)
				}
			}
			if test.wantToken == threadsRefreshedToken {
				if want := now.Add(5183944 * time.Second); !tok.Expiry.Equal(want) {
					t.Errorf("Expiry = %v, want %v", tok.Expiry, want)
				}
			}

			logged := logs.String()
			if test.wantLog != strings.Contains(logged, "token refresh failed") {
				t.Errorf("log = %q, want a refresh failure logged = %v", logged, test.wantLog)
			}
			for _, secret := range []string{testClientSecret, threadsLongToken, threadsRefreshedToken} {
				if strings.Contains(logged, secret) {
					t.Errorf("log contains the secret %q: %s", secret, logged)
				}
			}
		})
	}
}

// After a refresh the source returns the new token without another
// request, until the new token nears its own expiry.
func TestThreadsTokenSourceKeepsRefreshed(t *testing.T) {
	server := newProviderServer(t, map[string]http.HandlerFunc{
		"/refresh_access_token": replyJSON(http.StatusOK, fixture(t, "threads/refresh.json")),
	})
	expiry := testNow.Add(24 * time.Hour)
	now := testNow
	p := newProvider(t, "threads", threadsSpec(t, server.URL, ""), WithClock(func() time.Time { return now }))
	source := p.TokenSource(context.Background(), longLivedToken(expiry))

	for i := range 3 {
		tok, err := source.Token()
		if err != nil {
			t.Fatalf("Token call %d: %v", i, err)
		}
		if tok.AccessToken != threadsRefreshedToken {
			t.Errorf("call %d: AccessToken = %q, want the refreshed token", i, tok.AccessToken)
		}
		now = now.Add(time.Hour)
	}
	if n := len(server.Requests("/refresh_access_token")); n != 1 {
		t.Errorf("refresh endpoint got %d requests, want 1", n)
	}
}

// Without a refresh step, the refresh_token grant goes to the token
// endpoint with the spec's client authentication (RFC 6749 section 6).
func TestRefreshTokenGrant(t *testing.T) {
	tests := []struct {
		name        string
		reply       string
		wantRefresh string
	}{
		{
			name:        "reply keeps the refresh token",
			reply:       `{"access_token":"access-2","token_type":"Bearer","expires_in":3600}`,
			wantRefresh: "refresh-1",
		},
		{
			name:        "reply rotates the refresh token",
			reply:       `{"access_token":"access-2","token_type":"Bearer","expires_in":3600,"refresh_token":"refresh-2"}`,
			wantRefresh: "refresh-2",
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			server := newProviderServer(t, map[string]http.HandlerFunc{"/token": replyJSON(http.StatusOK, test.reply)})
			now := testNow
			p := newProvider(t, "example", exampleSpec(server.URL), WithClock(func() time.Time { return now }))
			old := (&oauth2.Token{AccessToken: "access-1", RefreshToken: "refresh-1", Expiry: testNow.Add(time.Minute)}).
				WithExtra(withExtras(map[string]any{"account": "acct-7"}))
			source := p.TokenSource(context.Background(), old)

			tok, err := source.Token()
			if err != nil {
				t.Fatalf("Token before expiry: %v", err)
			}
			if tok.AccessToken != "access-1" {
				t.Errorf("AccessToken before expiry = %q, want access-1", tok.AccessToken)
			}

			now = testNow.Add(2 * time.Minute)
			tok, err = source.Token()
			if err != nil {
				t.Fatalf("Token after expiry: %v", err)
			}
			if tok.AccessToken != "access-2" {
				t.Errorf("AccessToken = %q, want access-2", tok.AccessToken)
			}
			if tok.RefreshToken != test.wantRefresh {
				t.Errorf("RefreshToken = %q, want %q", tok.RefreshToken, test.wantRefresh)
			}
			if want := now.Add(time.Hour); !tok.Expiry.Equal(want) {
				t.Errorf("Expiry = %v, want %v", tok.Expiry, want)
			}
			if got := Extras(tok)["account"]; got != "acct-7" {
				t.Errorf("extra account = %#v, want acct-7 from the earlier reply", got)
			}

			got := server.only("/token")
			if got.Method != http.MethodPost {
				t.Errorf("method = %s, want POST", got.Method)
			}
			want := map[string]string{
				"grant_type":    "refresh_token",
				"refresh_token": "refresh-1",
				"client_id":     testClientID,
				"client_secret": testClientSecret,
			}
			for name, value := range want {
				if v := got.Form.Get(name); v != value {
					t.Errorf("form %s = %q, want %q", name, v, value)
				}
			}
			if got.Form.Has("code") || got.Form.Has("redirect_uri") {
				t.Errorf("refresh body carries authorization code fields: %q", got.Body)
			}
		})
	}
}

func TestRefreshTokenGrantError(t *testing.T) {
	server := newProviderServer(t, map[string]http.HandlerFunc{
		"/token": replyJSON(http.StatusBadRequest, `{"error":"invalid_grant","error_description":"refresh token revoked"}`),
	})
	p := newProvider(t, "example", exampleSpec(server.URL))

	_, err := p.Refresh(context.Background(), &oauth2.Token{AccessToken: "access-1", RefreshToken: "refresh-secret-1"})
	var perr *ProviderError
	if !errors.As(err, &perr) {
		t.Fatalf("error = %v (%T), want *ProviderError", err, err)
	}
	if perr.Endpoint != "refresh" || perr.Code != "invalid_grant" {
		t.Errorf("error = %+v, want refresh endpoint and code invalid_grant", *perr)
	}
	checkNoSecrets(t, err, "refresh-secret-1", "access-1")
}

func TestRefreshWithoutRefreshToken(t *testing.T) {
	server := newProviderServer(t, nil)
	p := newProvider(t, "example", exampleSpec(server.URL))

	tok, err := p.Refresh(context.Background(), &oauth2.Token{AccessToken: "access-1"})
	if tok != nil {
		t.Errorf("token = %v, want nil", tok)
	}
	if !errors.Is(err, ErrNoRefresh) {
		t.Errorf("error = %v, want ErrNoRefresh", err)
	}
	if len(server.Requests("/token")) != 0 {
		t.Error("a request was sent without a refresh token")
	}
}

// A token without an expiry is returned as is and never refreshed.
func TestTokenSourceNoExpiry(t *testing.T) {
	server := newProviderServer(t, nil)
	p := newProvider(t, "threads", threadsSpec(t, server.URL, ""))

	tok, err := p.TokenSource(context.Background(), &oauth2.Token{AccessToken: "no-expiry"}).Token()
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if tok.AccessToken != "no-expiry" {
		t.Errorf("AccessToken = %q, want no-expiry", tok.AccessToken)
	}
}

// A nil token is a caller's mistake, which returns an error rather than a
// panic.
func TestRefreshNilToken(t *testing.T) {
	server := newProviderServer(t, nil)
	calls := []struct {
		name string
		call func(p *Provider) error
	}{
		{name: "TokenSource", call: func(p *Provider) error {
			_, err := p.TokenSource(context.Background(), nil).Token()
			return err
		}},
		{name: "Refresh", call: func(p *Provider) error {
			_, err := p.Refresh(context.Background(), nil)
			return err
		}},
		{name: "RunStep", call: func(p *Provider) error {
			_, err := p.RunStep(context.Background(), "refresh", p.Spec.Refresh, nil)
			return err
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			p := newProvider(t, "threads", threadsSpec(t, server.URL, ""))
			err := c.call(p)
			if err == nil {
				t.Fatal("no error for a nil token")
			}
			if !strings.HasPrefix(err.Error(), "providers: threads") {
				t.Errorf("error %q lacks the package and provider prefix", err)
			}
		})
	}
	if n := len(server.Requests("/refresh_access_token")); n != 0 {
		t.Errorf("refresh endpoint got %d requests, want 0", n)
	}
}

// Without refresh_before, the source refreshes DefaultRefreshBefore (10
// seconds, as x/oauth2) ahead of expiry, so that a token is not sent in
// its last seconds.
func TestTokenSourceRefreshesEarly(t *testing.T) {
	tests := []struct {
		name         string
		step         *schema.TokenStep // nil uses the refresh_token grant
		untilExpiry  time.Duration
		wantRequests int
	}{
		{name: "grant 11s before expiry", untilExpiry: 11 * time.Second},
		{name: "grant 9s before expiry", untilExpiry: 9 * time.Second, wantRequests: 1},
		{name: "grant 1s before expiry", untilExpiry: time.Second, wantRequests: 1},
		{name: "step 11s before expiry", step: &schema.TokenStep{}, untilExpiry: 11 * time.Second},
		{name: "step 9s before expiry", step: &schema.TokenStep{}, untilExpiry: 9 * time.Second, wantRequests: 1},
		{
			name:         "step with refresh_before",
			step:         &schema.TokenStep{RefreshBefore: schema.Duration(time.Minute)},
			untilExpiry:  59 * time.Second,
			wantRequests: 1,
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			server := newProviderServer(t, map[string]http.HandlerFunc{
				"/token":   replyJSON(http.StatusOK, `{"access_token":"access-2","expires_in":3600}`),
				"/refresh": replyJSON(http.StatusOK, `{"access_token":"access-2","expires_in":3600}`),
			})
			spec := exampleSpec(server.URL)
			if test.step != nil {
				spec.Refresh = test.step
				spec.Refresh.URL = server.URL + "/refresh"
				spec.Refresh.Params = map[string]string{"grant_type": "refresh_token", "refresh_token": "{refresh_token}"}
			}
			p := newProvider(t, "example", spec)
			old := &oauth2.Token{AccessToken: "access-1", RefreshToken: "refresh-1", Expiry: testNow.Add(test.untilExpiry)}

			tok, err := p.TokenSource(context.Background(), old).Token()
			if err != nil {
				t.Fatalf("Token: %v", err)
			}
			n := len(server.Requests("/token")) + len(server.Requests("/refresh"))
			if n != test.wantRequests {
				t.Errorf("%d refresh requests, want %d", n, test.wantRequests)
			}
			want := "access-1"
			if test.wantRequests > 0 {
				want = "access-2"
			}
			if tok.AccessToken != want {
				t.Errorf("AccessToken = %q, want %q", tok.AccessToken, want)
			}
		})
	}
}
