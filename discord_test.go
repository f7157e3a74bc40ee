package presetauth_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestDiscordAvatarImage signs in through the emulated Discord with users
// whose avatar hash is set, null or empty, and checks that the image URL is
// built from the id and the hash only when there is a hash.
func TestDiscordAvatarImage(t *testing.T) {
	tests := []struct {
		name      string
		user      string
		wantName  string
		wantImage string
	}{
		{
			name:      "avatar hash",
			user:      `{"id":"80351110224678912","username":"nelly","global_name":"Nelly","avatar":"8342729096ea3675442027381ff50dfe"}`,
			wantName:  "Nelly",
			wantImage: "https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png",
		},
		{
			name:     "null avatar",
			user:     `{"id":"80351110224678912","username":"nelly","global_name":null,"avatar":null}`,
			wantName: "nelly",
		},
		{
			name:     "empty avatar",
			user:     `{"id":"80351110224678912","username":"nelly","avatar":""}`,
			wantName: "nelly",
		},
		{
			name:     "no avatar member",
			user:     `{"id":"80351110224678912","username":"nelly"}`,
			wantName: "nelly",
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			h := newPresetHarness(t, "discord", "", nil)
			h.emulator.SetUser(json.RawMessage(test.user))

			resp, body := h.get("/auth/signin/discord")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("sign-in ended with %d: %s\nerror: %v", resp.StatusCode, body, h.lastError())
			}
			res := h.lastResult()
			if res == nil {
				t.Fatal("OnSignIn was not called")
			}
			if res.Profile.ID != "80351110224678912" {
				t.Errorf("id = %q, want 80351110224678912", res.Profile.ID)
			}
			if res.Profile.Name != test.wantName {
				t.Errorf("name = %q, want %q", res.Profile.Name, test.wantName)
			}
			if res.Profile.Image != test.wantImage {
				t.Errorf("image = %q, want %q", res.Profile.Image, test.wantImage)
			}
		})
	}
}
