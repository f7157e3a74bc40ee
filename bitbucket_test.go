package presetauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/presetauth/presetauth"
	"github.com/presetauth/presetauth/oauthtest"
	"github.com/presetauth/presetauth/providers"
	"golang.org/x/oauth2"
	"gopkg.in/yaml.v3"
)

// TestBitbucketTokenSourceRefresh signs in through the emulated Bitbucket,
// lets the token expire, and checks that TokenSource refreshes it with the
// refresh_token grant at the token URL and HTTP Basic client
// authentication, and that the emulator accepts the new token.
func TestBitbucketTokenSourceRefresh(t *testing.T) {
	h := newPresetHarness(t, "bitbucket", "", nil)
	resp, body := h.get("/auth/signin/bitbucket")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in ended with %d: %s\nerror: %v", resp.StatusCode, body, h.lastError())
	}
	res := h.lastResult()
	if res == nil {
		t.Fatal("OnSignIn was not called")
	}
	if res.Token.RefreshToken == "" {
		t.Fatal("the sign-in's token has no refresh token")
	}

	p := emulatedProvider(t, h.emulator, "bitbucket")
	if p.Spec.Refresh == nil || p.Spec.Refresh.AuthMethod != "client_secret_basic" {
		t.Fatalf("refresh step = %+v, want the preset's step with client_secret_basic", p.Spec.Refresh)
	}
	ctx := context.Background()
	expired := &oauth2.Token{
		AccessToken:  res.Token.AccessToken,
		RefreshToken: res.Token.RefreshToken,
		Expiry:       time.Now().Add(-time.Minute),
	}
	source := p.TokenSource(ctx, expired)
	next, err := source.Token()
	if err != nil {
		t.Fatalf("Token: %v", err)
	}

	if next.AccessToken == "" || next.AccessToken == expired.AccessToken {
		t.Errorf("access token = %q, want a new one", next.AccessToken)
	}
	if next.RefreshToken == "" {
		t.Error("the refreshed token has no refresh token")
	}
	if left := time.Until(next.Expiry); left < 110*time.Minute || left > 2*time.Hour {
		t.Errorf("refreshed token expires in %v, want about two hours", left)
	}

	requests := h.emulator.Requests(oauthtest.EndpointRefresh)
	if len(requests) != 1 {
		t.Fatalf("%d refresh requests, want 1", len(requests))
	}
	refresh := requests[0]
	if refresh.URL.Path != h.emulator.Requests(oauthtest.EndpointToken)[0].URL.Path {
		t.Errorf("refresh path = %s, want the token endpoint's", refresh.URL.Path)
	}
	if got := refresh.Form.Get("grant_type"); got != "refresh_token" {
		t.Errorf("grant_type = %q, want refresh_token", got)
	}
	if got := refresh.Form.Get("refresh_token"); got != expired.RefreshToken {
		t.Errorf("refresh_token = %q, want the sign-in's refresh token", got)
	}
	if refresh.Form.Has("client_secret") {
		t.Error("the refresh request carries client_secret in its body")
	}
	clientID, clientSecret := emulatorClient(t, h.emulator)
	id, secret, ok := (&http.Request{Header: refresh.Header}).BasicAuth()
	if !ok || id != url.QueryEscape(clientID) || secret != url.QueryEscape(clientSecret) {
		t.Errorf("Basic credentials = %q, %q, %v; want the client's", id, secret, ok)
	}

	again, err := source.Token()
	if err != nil || again.AccessToken != next.AccessToken {
		t.Errorf("second Token() = %v, %v; want the refreshed token", again, err)
	}
	if n := len(h.emulator.Requests(oauthtest.EndpointRefresh)); n != 1 {
		t.Errorf("%d refresh requests after a second Token(), want still 1", n)
	}

	if _, err := p.Userinfo(ctx, next); err != nil {
		t.Errorf("userinfo with the refreshed token: %v", err)
	}
}

// TestBitbucketRefreshUnknownToken checks that a refresh with a refresh
// token the provider does not know fails with its invalid_grant error.
func TestBitbucketRefreshUnknownToken(t *testing.T) {
	h := newPresetHarness(t, "bitbucket", "", nil)
	p := emulatedProvider(t, h.emulator, "bitbucket")
	expired := &oauth2.Token{AccessToken: "old", RefreshToken: "unknown", Expiry: time.Now().Add(-time.Minute)}

	_, err := p.TokenSource(context.Background(), expired).Token()
	var perr *providers.ProviderError
	if !errors.As(err, &perr) {
		t.Fatalf("error = %v, want a *providers.ProviderError", err)
	}
	if perr.Endpoint != "refresh" {
		t.Errorf("endpoint = %q, want refresh", perr.Endpoint)
	}
	if perr.Code != "invalid_grant" {
		t.Errorf("code = %q, want invalid_grant", perr.Code)
	}
}

// emulatedProvider returns the runtime provider of preset pointed at the
// emulator, as the harness builds it.
func emulatedProvider(t *testing.T, emulator *oauthtest.Server, preset string) *providers.Provider {
	t.Helper()
	p, err := presetauth.Provider(preset, presetauth.WithOverrides(emulator.Override()),
		presetauth.WithLookup(func(string) (string, bool) { return "", false }))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// emulatorClient returns the client id and secret registered with the
// emulator, from its override.
func emulatorClient(t *testing.T, emulator *oauthtest.Server) (id, secret string) {
	t.Helper()
	var client struct {
		ID     string `yaml:"client_id"`
		Secret string `yaml:"client_secret"`
	}
	if err := yaml.Unmarshal(emulator.Override(), &client); err != nil {
		t.Fatal(err)
	}
	if client.ID == "" || client.Secret == "" {
		t.Fatal("the emulator's override has no client credentials")
	}
	return client.ID, client.Secret
}
