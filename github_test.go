package presetauth_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/presetauth/presetauth"
	"github.com/presetauth/presetauth/oauthtest"
	"gopkg.in/yaml.v3"
)

// TestGitHubEmailFromEmailsList signs in through the emulated GitHub, whose
// /user has "email": null, with three /user/emails lists, and checks that
// only a verified address is taken, the primary one first.
func TestGitHubEmailFromEmailsList(t *testing.T) {
	tests := []struct {
		name         string
		emails       string
		wantEmail    string
		wantVerified bool
	}{
		{
			name: "verified primary wins",
			emails: `[{"email":"a@example.com","primary":false,"verified":true},` +
				`{"email":"b@example.com","primary":true,"verified":true}]`,
			wantEmail:    "b@example.com",
			wantVerified: true,
		},
		{
			name: "unverified primary skipped",
			emails: `[{"email":"a@example.com","primary":true,"verified":false},` +
				`{"email":"b@example.com","primary":false,"verified":true}]`,
			wantEmail:    "b@example.com",
			wantVerified: true,
		},
		{
			name: "none verified",
			emails: `[{"email":"a@example.com","primary":true,"verified":false},` +
				`{"email":"b@example.com","primary":false,"verified":false}]`,
			wantEmail:    "",
			wantVerified: false,
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			h := newPresetHarness(t, "github", "", nil)
			if err := h.emulator.SetResource("emails", json.RawMessage(test.emails)); err != nil {
				t.Fatal(err)
			}

			resp, body := h.get("/auth/signin/github")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("sign-in ended with %d: %s\nerror: %v", resp.StatusCode, body, h.lastError())
			}
			res := h.lastResult()
			if res == nil {
				t.Fatal("OnSignIn was not called")
			}
			if res.Profile.ID != "111122233" {
				t.Errorf("id = %q, want the digits of the JSON number 111122233", res.Profile.ID)
			}
			if res.Profile.Email != test.wantEmail {
				t.Errorf("email = %q, want %q", res.Profile.Email, test.wantEmail)
			}
			if res.Profile.EmailVerified != test.wantVerified {
				t.Errorf("email_verified = %v, want %v", res.Profile.EmailVerified, test.wantVerified)
			}
		})
	}
}

// TestGitHubRequestHeaders checks what the preset sends: Accept:
// application/json at the token endpoint, without which GitHub replies
// with form data, and a User-Agent at both REST API endpoints, without
// which GitHub replies 403. It also checks the comma-joined granted scopes.
func TestGitHubRequestHeaders(t *testing.T) {
	h := newPresetHarness(t, "github", "", nil)
	resp, body := h.get("/auth/signin/github")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in ended with %d: %s\nerror: %v", resp.StatusCode, body, h.lastError())
	}

	tokenRequests := h.emulator.Requests(oauthtest.EndpointToken)
	if len(tokenRequests) != 1 {
		t.Fatalf("token requests = %d, want 1", len(tokenRequests))
	}
	if accept := tokenRequests[0].Header.Get("Accept"); !strings.Contains(accept, "application/json") {
		t.Errorf("token request Accept = %q, want application/json", accept)
	}

	for _, e := range []oauthtest.Endpoint{oauthtest.EndpointUserinfo, "emails"} {
		requests := h.emulator.Requests(e)
		if len(requests) != 1 {
			t.Errorf("%s requests = %d, want 1", e, len(requests))
			continue
		}
		if agent := requests[0].Header.Get("User-Agent"); agent != "presetauth" {
			t.Errorf("%s User-Agent = %q, want the preset's presetauth", e, agent)
		}
	}

	res := h.lastResult()
	if res == nil {
		t.Fatal("OnSignIn was not called")
	}
	if want := []string{"read:user", "user:email"}; !reflect.DeepEqual(res.Scopes, want) {
		t.Errorf("scopes = %q, want %q from the reply's \"read:user,user:email\"", res.Scopes, want)
	}
}

// TestGitHubEmailsOptional checks that a failed /user/emails request, as
// when the user did not grant user:email, leaves the sign-in without an
// email instead of failing it.
func TestGitHubEmailsOptional(t *testing.T) {
	h := newPresetHarness(t, "github", "", nil)
	h.emulator.FailNext("emails", oauthtest.Reply{
		Status: http.StatusNotFound,
		Body:   []byte(`{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}`),
	})

	resp, body := h.get("/auth/signin/github")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in ended with %d: %s\nerror: %v", resp.StatusCode, body, h.lastError())
	}
	res := h.lastResult()
	if res == nil {
		t.Fatal("OnSignIn was not called")
	}
	if res.Profile.Email != "" {
		t.Errorf("email = %q, want none", res.Profile.Email)
	}
	if res.Profile.EmailVerified {
		t.Error("email_verified = true, want false")
	}
	if res.Profile.ID != "111122233" {
		t.Errorf("id = %q, want 111122233", res.Profile.ID)
	}
}

// TestEmulatorIncludesMatchPresets checks, for every preset with an
// emulator, that the userinfo.include list of the emulator's override
// equals the preset's list with each URL moved onto the emulator. Lists
// replace each other whole in a merge, so a mismatch would test a list
// other than the preset's.
func TestEmulatorIncludesMatchPresets(t *testing.T) {
	c, err := presetauth.Catalogue()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range c.Names() {
		p, err := oauthtest.Builtin(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Run(name, func(t *testing.T) {
			spec, err := c.Spec(name)
			if err != nil {
				t.Fatal(err)
			}
			s := oauthtest.NewServer(p, oauthtest.Client{ID: "client", Secret: "secret"})
			defer s.Close()

			var override struct {
				Userinfo struct {
					Include []includeEntry `yaml:"include"`
				} `yaml:"userinfo"`
			}
			if err := yaml.Unmarshal(s.Override(), &override); err != nil {
				t.Fatal(err)
			}

			var want []includeEntry
			if spec.Userinfo != nil {
				for _, inc := range spec.Userinfo.Include {
					if len(inc.Params) > 0 || len(inc.Headers) > 0 {
						t.Errorf("include %s has params or headers, which the emulator's override drops", inc.Name)
					}
					want = append(want, includeEntry{Name: inc.Name, URL: s.URLFor(inc.URL), Optional: inc.Optional})
				}
			}
			got := override.Userinfo.Include
			if len(got) == 0 && len(want) > 0 {
				t.Fatalf("the emulator declares no include entries; the preset has %v", want)
			}
			if len(got) > 0 && !slices.Equal(got, want) {
				t.Errorf("emulator include entries = %v, want the preset's %v", got, want)
			}
		})
	}
}

// includeEntry is a userinfo.include entry as the emulator's override
// writes it.
type includeEntry struct {
	Name     string `yaml:"name"`
	URL      string `yaml:"url"`
	Optional bool   `yaml:"optional"`
}
