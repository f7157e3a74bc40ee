package presetauth_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/presetauth/presetauth/oauthtest"
	"github.com/presetauth/presetauth/providers"
)

// TestPresetErrorReplies signs in through the emulator of each preset that
// declares error paths, with one reply replaced by an error body in the
// shape the provider documents, and checks what the preset's error mapping
// reads from it.
func TestPresetErrorReplies(t *testing.T) {
	tests := []struct {
		name            string
		preset          string
		endpoint        oauthtest.Endpoint
		status          int
		body            string
		wantCode        string
		wantDescription string
		wantType        string
		wantTraceID     string
	}{
		{
			name:            "twitch token",
			preset:          "twitch",
			endpoint:        oauthtest.EndpointToken,
			status:          http.StatusBadRequest,
			body:            `{"status":400,"message":"Invalid authorization code"}`,
			wantCode:        "400",
			wantDescription: "Invalid authorization code",
		},
		{
			name:            "twitch token with reason phrase",
			preset:          "twitch",
			endpoint:        oauthtest.EndpointToken,
			status:          http.StatusBadRequest,
			body:            `{"error":"Bad Request","status":400,"message":"Invalid refresh token"}`,
			wantCode:        "400",
			wantDescription: "Invalid refresh token",
		},
		{
			name:            "twitch helix",
			preset:          "twitch",
			endpoint:        oauthtest.EndpointUserinfo,
			status:          http.StatusUnauthorized,
			body:            `{"error":"Unauthorized","status":401,"message":"Invalid OAuth token"}`,
			wantCode:        "401",
			wantDescription: "Invalid OAuth token",
		},
		{
			name:            "notion token",
			preset:          "notion",
			endpoint:        oauthtest.EndpointToken,
			status:          http.StatusBadRequest,
			body:            `{"object":"error","status":400,"code":"invalid_grant","message":"Invalid code: this code has been revoked.","request_id":"5f1e6a0b-2c3d-4e5f-8a9b-0c1d2e3f4a5b"}`,
			wantCode:        "invalid_grant",
			wantDescription: "Invalid code: this code has been revoked.",
			wantTraceID:     "5f1e6a0b-2c3d-4e5f-8a9b-0c1d2e3f4a5b",
		},
		{
			name:            "zoom token",
			preset:          "zoom",
			endpoint:        oauthtest.EndpointToken,
			status:          http.StatusBadRequest,
			body:            `{"reason":"Invalid authorization code","error":"invalid_grant"}`,
			wantCode:        "invalid_grant",
			wantDescription: "Invalid authorization code",
		},
		{
			name:            "zoom api",
			preset:          "zoom",
			endpoint:        oauthtest.EndpointUserinfo,
			status:          http.StatusUnauthorized,
			body:            `{"code":124,"message":"Invalid access token."}`,
			wantCode:        "124",
			wantDescription: "Invalid access token.",
		},
		{
			name:            "x token",
			preset:          "x",
			endpoint:        oauthtest.EndpointToken,
			status:          http.StatusBadRequest,
			body:            `{"error":"invalid_request","error_description":"Value passed for the authorization code was invalid."}`,
			wantCode:        "invalid_request",
			wantDescription: "Value passed for the authorization code was invalid.",
		},
		{
			name:            "x problem details",
			preset:          "x",
			endpoint:        oauthtest.EndpointUserinfo,
			status:          http.StatusUnauthorized,
			body:            `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`,
			wantCode:        "401",
			wantDescription: "Unauthorized",
			wantType:        "about:blank",
		},
		{
			name:            "dropbox api",
			preset:          "dropbox",
			endpoint:        oauthtest.EndpointUserinfo,
			status:          http.StatusUnauthorized,
			body:            `{"error_summary":"expired_access_token/","error":{".tag":"expired_access_token"}}`,
			wantCode:        "expired_access_token",
			wantDescription: "expired_access_token/",
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			h := newPresetHarness(t, test.preset, "", nil)
			h.emulator.FailNext(test.endpoint, oauthtest.Reply{Status: test.status, Body: []byte(test.body)})

			resp, _ := h.get("/auth/signin/" + test.preset)
			if resp.StatusCode == http.StatusOK {
				t.Fatal("the sign-in succeeded despite the error reply")
			}
			var perr *providers.ProviderError
			if !errors.As(h.lastError(), &perr) {
				t.Fatalf("error = %v, want a *providers.ProviderError", h.lastError())
			}
			if perr.Endpoint != string(test.endpoint) {
				t.Errorf("endpoint = %q, want %q", perr.Endpoint, test.endpoint)
			}
			if perr.Status != test.status {
				t.Errorf("status = %d, want %d", perr.Status, test.status)
			}
			if perr.Code != test.wantCode {
				t.Errorf("code = %q, want %q", perr.Code, test.wantCode)
			}
			if perr.Description != test.wantDescription {
				t.Errorf("description = %q, want %q", perr.Description, test.wantDescription)
			}
			if perr.Type != test.wantType {
				t.Errorf("type = %q, want %q", perr.Type, test.wantType)
			}
			if perr.TraceID != test.wantTraceID {
				t.Errorf("trace id = %q, want %q", perr.TraceID, test.wantTraceID)
			}
		})
	}
}
