package presetauth_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"testing"

	"github.com/presetauth/presetauth/oauthtest"
	"github.com/presetauth/presetauth/providers"
)

// TestFacebookAppSecretProof signs in through the emulated Facebook, which
// checks an appsecret_proof parameter when a Graph request carries one:
// without the proof (the preset's default), with the proof that a
// deployment turns on, and with a proof that does not match.
func TestFacebookAppSecretProof(t *testing.T) {
	tests := []struct {
		name      string
		override  string
		wantProof bool   // the userinfo request carries the token's proof
		wantError string // the Graph error's description; "" for a sign-in
	}{
		{name: "off by default"},
		{
			name:      "turned on",
			override:  `userinfo: {params: {appsecret_proof: "{appsecret_proof}"}}`,
			wantProof: true,
		},
		{
			name:      "wrong proof",
			override:  `userinfo: {params: {appsecret_proof: "0123abcd"}}`,
			wantError: "Invalid appsecret_proof provided in the API argument",
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			h := newPresetHarness(t, "facebook", test.override, nil)
			resp, body := h.get("/auth/signin/facebook")

			requests := h.emulator.Requests(oauthtest.EndpointUserinfo)
			if len(requests) != 1 {
				t.Fatalf("%d userinfo requests, want 1", len(requests))
			}
			sent := requests[0].Query.Get("appsecret_proof")

			if test.wantError != "" {
				var perr *providers.ProviderError
				if !errors.As(h.lastError(), &perr) {
					t.Fatalf("error = %v, want a *providers.ProviderError", h.lastError())
				}
				if perr.Endpoint != "userinfo" {
					t.Errorf("endpoint = %q, want userinfo", perr.Endpoint)
				}
				if perr.Code != "100" || perr.Type != "GraphMethodException" {
					t.Errorf("code %q, type %q; want 100, GraphMethodException", perr.Code, perr.Type)
				}
				if perr.Description != test.wantError {
					t.Errorf("description = %q, want %q", perr.Description, test.wantError)
				}
				if h.lastResult() != nil {
					t.Error("the sign-in went on despite the rejected proof")
				}
				return
			}

			if resp.StatusCode != http.StatusOK {
				t.Fatalf("sign-in ended with %d: %s\nerror: %v", resp.StatusCode, body, h.lastError())
			}
			res := h.lastResult()
			if res == nil {
				t.Fatal("OnSignIn was not called")
			}
			if res.Profile.ID != "10160000000000001" {
				t.Errorf("id = %q, want 10160000000000001", res.Profile.ID)
			}
			if !test.wantProof {
				if requests[0].Query.Has("appsecret_proof") {
					t.Errorf("appsecret_proof = %q, want none", sent)
				}
				return
			}

			// The proof is computed here apart from the code under test.
			_, secret := emulatorClient(t, h.emulator)
			mac := hmac.New(sha256.New, []byte(secret))
			mac.Write([]byte(res.Token.AccessToken))
			if want := hex.EncodeToString(mac.Sum(nil)); sent != want {
				t.Errorf("appsecret_proof = %q, want %q", sent, want)
			}
		})
	}
}
