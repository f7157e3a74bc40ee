package presetauth_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/presetauth/presetauth"
	"gopkg.in/yaml.v3"
)

// catalogueCase is testdata/catalogue/<preset>.yaml: what a deployment
// adds to the preset, and the normalized profile that a sign-in through the
// preset's emulator must produce from the provider's documented replies.
type catalogueCase struct {
	Variables map[string]string `yaml:"variables"`
	Overrides string            `yaml:"overrides"`
	Profile   map[string]any    `yaml:"profile"`
}

// TestCatalogueSignIn signs in with every built-in preset through its
// emulator and compares every field of the normalized profile.
func TestCatalogueSignIn(t *testing.T) {
	c, err := presetauth.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range c.Names() {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "catalogue", name+".yaml"))
			if err != nil {
				t.Fatalf("every preset needs a sign-in case: %v", err)
			}
			var test catalogueCase
			if err := yaml.Unmarshal(data, &test); err != nil {
				t.Fatal(err)
			}

			h := newPresetHarness(t, name, test.Overrides, test.Variables)
			resp, body := h.get("/auth/signin/" + name)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("sign-in ended with %d: %s\nerror: %v", resp.StatusCode, body, h.lastError())
			}
			res := h.lastResult()
			if res == nil {
				t.Fatal("OnSignIn was not called")
			}

			got := normalizeJSON(t, res.Profile)
			want := normalizeJSON(t, test.Profile)
			for _, field := range []string{"id", "name", "email", "email_verified", "image", "extra"} {
				if !reflect.DeepEqual(got[field], want[field]) {
					t.Errorf("profile %s = %#v, want %#v", field, got[field], want[field])
				}
			}
			for field := range got {
				if _, ok := want[field]; !ok {
					t.Errorf("profile has %s = %#v, which the case does not expect", field, got[field])
				}
			}
		})
	}
}

// normalizeJSON turns v into the generic form of its JSON encoding.
func normalizeJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
