package oauthtest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/presetauth/presetauth/oauthtest"
)

// signInAs runs authorize with login_hint and the code grant, and returns
// the access token.
func signInAs(t *testing.T, s *oauthtest.Server, hint string) string {
	t.Helper()
	params := authorizeParams()
	if hint != "" {
		params.Set("login_hint", hint)
	}
	resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), params)
	if resp.status != http.StatusFound {
		t.Fatalf("authorize status = %d, want 302; body %s", resp.status, resp.body)
	}
	location, err := url.Parse(strings.TrimSuffix(resp.header.Get("Location"), "#_"))
	if err != nil {
		t.Fatal(err)
	}
	token := postForm(t, s.EndpointURL(oauthtest.EndpointToken), tokenForm(location.Query().Get("code")), nil)
	if token.status != http.StatusOK {
		t.Fatalf("token status = %d, want 200; body %s", token.status, token.body)
	}
	return decodeObject(t, token.body)["access_token"].(string)
}

func TestLoginHintSelectsUser(t *testing.T) {
	s, _ := startThreads(t)
	fixture := decodeObject(t, s.User())

	tests := []struct {
		hint     string
		wantID   string
		wantName string
	}{
		{"user-0001", "user-0001", "User user-0001"},
		{"17841400000000042", "17841400000000042", "User 17841400000000042"},
		{"", fixture["id"].(string), fixture["name"].(string)},
		{"<script>", fixture["id"].(string), fixture["name"].(string)}, // not a user name
	}
	for _, test := range tests {
		t.Run(test.hint, func(t *testing.T) {
			short := signInAs(t, s, test.hint)
			exchanged := get(t, s.EndpointURL(oauthtest.EndpointExchange), exchangeParams(short))
			long, _ := decodeObject(t, exchanged.body)["access_token"].(string)
			if long == "" {
				t.Fatalf("exchange failed: %s", exchanged.body)
			}

			for name, token := range map[string]string{"code grant": short, "exchange": long} {
				resp := userinfoRequest(t, s, token, "id,username,name")
				if resp.status != http.StatusOK {
					t.Fatalf("userinfo with the %s token: status %d", name, resp.status)
				}
				user := decodeObject(t, resp.body)
				if user["id"] != test.wantID {
					t.Errorf("userinfo with the %s token: id = %v, want %q", name, user["id"], test.wantID)
				}
				if user["name"] != test.wantName {
					t.Errorf("userinfo with the %s token: name = %v, want %q", name, user["name"], test.wantName)
				}
			}
		})
	}
}

func TestLoginHintNumericID(t *testing.T) {
	s, _ := startThreads(t)
	s.SetUser(json.RawMessage(`{"id":583231,"login":"octocat","name":"The Octocat"}`))
	resp := userinfoRequest(t, s, signInAs(t, s, "4242"), "")
	if got := string(resp.body); got != `{"id":4242,"login":"4242","name":"User 4242"}` {
		t.Errorf("userinfo = %s, want the numeric id 4242 with the login and name replaced", got)
	}
	resp = userinfoRequest(t, s, signInAs(t, s, "octo-2"), "")
	if got := string(resp.body); got != `{"id":"octo-2","login":"octo-2","name":"User octo-2"}` {
		t.Errorf("userinfo = %s, want the string id octo-2", got)
	}
}
