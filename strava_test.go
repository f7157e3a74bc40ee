package presetauth_test

import (
	"net/http"
	"testing"

	"github.com/presetauth/presetauth/oauthtest"
)

// TestStravaNameFallback signs in through the emulated Strava with token
// replies whose athlete lacks a part of the name, and checks that the name
// falls back to the first name, then to the username.
func TestStravaNameFallback(t *testing.T) {
	tests := []struct {
		name     string
		athlete  string
		wantName string
	}{
		{"both parts", `"firstname":"Meow","lastname":"TheCat"`, "Meow TheCat"},
		{"null last name", `"firstname":"Meow","lastname":null`, "Meow"},
		{"empty last name", `"firstname":"Meow","lastname":""`, "Meow"},
		{"no first name", `"lastname":"TheCat"`, "MeowTheCat"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			h := newPresetHarness(t, "strava", "", nil)
			h.emulator.FailNext(oauthtest.EndpointToken, oauthtest.Reply{
				Status: http.StatusOK,
				Body: []byte(`{"token_type":"Bearer","expires_in":21600,"access_token":"SVaccess",` +
					`"athlete":{"id":111122233,"username":"MeowTheCat",` + test.athlete + `}}`),
			})

			resp, body := h.get("/auth/signin/strava")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("sign-in ended with %d: %s\nerror: %v", resp.StatusCode, body, h.lastError())
			}
			res := h.lastResult()
			if res == nil {
				t.Fatal("OnSignIn was not called")
			}
			if res.Profile.ID != "111122233" {
				t.Errorf("id = %q, want 111122233", res.Profile.ID)
			}
			if res.Profile.Name != test.wantName {
				t.Errorf("name = %q, want %q", res.Profile.Name, test.wantName)
			}
		})
	}
}
