package oauthtest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/presetauth/presetauth/oauthtest"
	"gopkg.in/yaml.v3"
)

const (
	githubClientID    = "Iv1.8a61f9b3a7aba766"
	githubRedirectURI = "http://127.0.0.1:8080/auth/callback/github"
	githubEmailsURL   = "https://api.github.com/user/emails"
)

func startGitHub(t *testing.T) *oauthtest.Server {
	t.Helper()
	p, err := oauthtest.Builtin("github")
	if err != nil {
		t.Fatalf("Builtin(github): %v", err)
	}
	s := oauthtest.NewServer(p, oauthtest.Client{ID: githubClientID, Secret: testClientSecret})
	t.Cleanup(s.Close)
	return s
}

// githubCode runs a valid authorization request and returns the code.
func githubCode(t *testing.T, s *oauthtest.Server) string {
	t.Helper()
	resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), url.Values{
		"client_id":     {githubClientID},
		"redirect_uri":  {githubRedirectURI},
		"scope":         {"read:user,user:email"},
		"response_type": {"code"},
		"state":         {testState},
	})
	if resp.status != http.StatusFound {
		t.Fatalf("authorize status = %d, want 302; body %s", resp.status, resp.body)
	}
	location, err := url.Parse(resp.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return location.Query().Get("code")
}

func githubTokenForm(code string) url.Values {
	return url.Values{
		"client_id":     {githubClientID},
		"client_secret": {testClientSecret},
		"code":          {code},
		"grant_type":    {"authorization_code"},
		"redirect_uri":  {githubRedirectURI},
	}
}

func acceptJSON(r *http.Request) { r.Header.Set("Accept", "application/json") }

// githubToken signs in and returns the access token.
func githubToken(t *testing.T, s *oauthtest.Server) string {
	t.Helper()
	resp := postForm(t, s.EndpointURL(oauthtest.EndpointToken), githubTokenForm(githubCode(t, s)), acceptJSON)
	if resp.status != http.StatusOK {
		t.Fatalf("token status = %d, want 200; body %s", resp.status, resp.body)
	}
	return decodeObject(t, resp.body)["access_token"].(string)
}

// apiGet sends a GET with a bearer token and a User-Agent, unless either
// is empty.
func apiGet(t *testing.T, rawURL, token, agent string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	// net/http sends no User-Agent when the header is set but empty.
	req.Header.Set("User-Agent", agent)
	return do(t, req)
}

func TestResourceChecksToken(t *testing.T) {
	s := startGitHub(t)
	token := githubToken(t, s)
	emails := s.URLFor(githubEmailsURL)

	tests := []struct {
		name        string
		token       string
		wantStatus  int
		wantMessage string
	}{
		{"valid token", token, http.StatusOK, ""},
		{"no token", "", http.StatusUnauthorized, "Requires authentication"},
		{"unknown token", "gho_unknown", http.StatusUnauthorized, "Bad credentials"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			resp := apiGet(t, emails, test.token, "presetauth-test")
			if resp.status != test.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.status, test.wantStatus, resp.body)
			}
			if test.wantMessage == "" {
				var list []map[string]any
				if err := json.Unmarshal(resp.body, &list); err != nil {
					t.Fatalf("body %s is not a JSON list: %v", resp.body, err)
				}
				if len(list) != 2 {
					t.Errorf("emails = %d, want the fixture's 2", len(list))
				}
				return
			}
			if got := decodeObject(t, resp.body)["message"]; got != test.wantMessage {
				t.Errorf("message = %v, want %q", got, test.wantMessage)
			}
		})
	}

	requests := s.Requests("emails")
	if len(requests) != len(tests) {
		t.Errorf("recorded emails requests = %d, want %d", len(requests), len(tests))
	}
}

func TestResourceRejectsPost(t *testing.T) {
	s := startGitHub(t)
	resp := postForm(t, s.URLFor(githubEmailsURL), url.Values{}, func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+githubToken(t, s))
	})
	if resp.status != http.StatusNotFound {
		t.Errorf("status = %d, want GitHub's 404 for an unknown route", resp.status)
	}
}

func TestSetResource(t *testing.T) {
	s := startGitHub(t)
	list := json.RawMessage(`[{"email":"c@example.com","primary":true,"verified":false}]`)
	if err := s.SetResource("emails", list); err != nil {
		t.Fatalf("SetResource: %v", err)
	}
	if got := s.Resource("emails"); string(got) != string(list) {
		t.Errorf("Resource = %s, want %s", got, list)
	}

	resp := apiGet(t, s.URLFor(githubEmailsURL), githubToken(t, s), "presetauth-test")
	if string(resp.body) != string(list) {
		t.Errorf("served %s, want %s", resp.body, list)
	}
	if ct := resp.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want the fixture's application/json", ct)
	}

	if err := s.SetResource("repos", list); err == nil || !strings.HasPrefix(err.Error(), "oauthtest: ") {
		t.Errorf("SetResource(repos) error = %v, want an oauthtest error for an unknown resource", err)
	}
	if got := s.Resource("repos"); got != nil {
		t.Errorf("Resource(repos) = %s, want nil", got)
	}
}

func TestRequiredHeaders(t *testing.T) {
	s := startGitHub(t)
	token := githubToken(t, s)

	for _, e := range []oauthtest.Endpoint{oauthtest.EndpointUserinfo, "emails"} {
		t.Run(string(e), func(t *testing.T) {
			resp := apiGet(t, s.EndpointURL(e), token, "")
			if resp.status != http.StatusForbidden {
				t.Fatalf("status without User-Agent = %d, want 403", resp.status)
			}
			if !strings.Contains(string(resp.body), "User-Agent") {
				t.Errorf("body %q does not name the User-Agent header", resp.body)
			}
			if resp := apiGet(t, s.EndpointURL(e), token, "presetauth-test"); resp.status != http.StatusOK {
				t.Errorf("status with User-Agent = %d, want 200; body %s", resp.status, resp.body)
			}
		})
	}
}

func TestTokenDefaultFormat(t *testing.T) {
	tests := []struct {
		name      string
		accept    string
		badCode   bool
		wantJSON  bool
		wantField string // field that must be in the reply
	}{
		{"no Accept", "", false, false, "access_token"},
		{"Accept JSON", "application/json", false, true, "access_token"},
		{"Accept list with JSON", "text/html, application/json;q=0.9", false, true, "access_token"},
		{"Accept JSON refused", "application/json;q=0", false, false, "access_token"},
		{"Accept XML", "application/xml", false, false, "access_token"},
		{"error without Accept", "", true, false, "error"},
		{"error with Accept JSON", "application/json", true, true, "error"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			s := startGitHub(t)
			code := githubCode(t, s)
			if test.badCode {
				code = "not-a-code"
			}
			resp := postForm(t, s.EndpointURL(oauthtest.EndpointToken), githubTokenForm(code), func(r *http.Request) {
				if test.accept != "" {
					r.Header.Set("Accept", test.accept)
				}
			})
			if resp.status != http.StatusOK {
				t.Fatalf("status = %d, want GitHub's 200; body %s", resp.status, resp.body)
			}

			contentType := resp.header.Get("Content-Type")
			if test.wantJSON {
				if !strings.HasPrefix(contentType, "application/json") {
					t.Fatalf("Content-Type = %q, want application/json", contentType)
				}
				if _, ok := decodeObject(t, resp.body)[test.wantField]; !ok {
					t.Errorf("reply %s has no %s", resp.body, test.wantField)
				}
				return
			}
			if !strings.HasPrefix(contentType, "application/x-www-form-urlencoded") {
				t.Fatalf("Content-Type = %q, want form data", contentType)
			}
			values, err := url.ParseQuery(string(resp.body))
			if err != nil {
				t.Fatalf("reply %q is not form data: %v", resp.body, err)
			}
			if !values.Has(test.wantField) {
				t.Errorf("reply %q has no %s", resp.body, test.wantField)
			}
			if !test.badCode && values.Get("scope") != "read:user,user:email" {
				t.Errorf("scope = %q, want the fixture's read:user,user:email", values.Get("scope"))
			}
		})
	}
}

func TestOverrideIncludesResources(t *testing.T) {
	type include struct {
		Name     string `yaml:"name"`
		URL      string `yaml:"url"`
		Optional bool   `yaml:"optional"`
	}
	var doc struct {
		Userinfo struct {
			URL     string    `yaml:"url"`
			Include []include `yaml:"include"`
		} `yaml:"userinfo"`
	}

	s := startGitHub(t)
	if err := yaml.Unmarshal(s.Override(), &doc); err != nil {
		t.Fatal(err)
	}
	if want := s.URL + "/api.github.com/user"; doc.Userinfo.URL != want {
		t.Errorf("userinfo url = %q, want %q", doc.Userinfo.URL, want)
	}
	want := []include{{Name: "emails", URL: s.URL + "/api.github.com/user/emails", Optional: true}}
	if !slices.Equal(doc.Userinfo.Include, want) {
		t.Errorf("userinfo include = %+v, want %+v", doc.Userinfo.Include, want)
	}

	threads, _ := startThreads(t)
	if strings.Contains(string(threads.Override()), "include") {
		t.Errorf("threads override has an include list:\n%s", threads.Override())
	}
}

func TestLoadProviderRejectsResources(t *testing.T) {
	tests := []struct {
		name    string
		extra   string
		wantErr string
	}{
		{"standard endpoint name", "resources:\n  token: {url: https://api.acme.example/x, reply: userinfo.json}\n",
			`resources: invalid name "token"`},
		{"missing url", "resources:\n  teams: {reply: userinfo.json}\n", "resources.teams.url"},
		{"missing reply", "resources:\n  teams: {url: https://api.acme.example/teams}\n", "resources.teams: reply is missing"},
		{"unknown auth", "resources:\n  teams: {url: https://api.acme.example/teams, reply: userinfo.json, auth: cookie}\n",
			`resources.teams.auth: unknown value "cookie"`},
		{"include without name", "resources:\n  teams: {url: https://api.acme.example/teams, reply: userinfo.json, include: {optional: true}}\n",
			"resources.teams.include: name is missing"},
		{"missing reply file", "resources:\n  teams: {url: https://api.acme.example/teams, reply: teams.json}\n",
			"resource teams"},
		{"unknown header endpoint", "required_headers:\n  teams: [User-Agent]\n", `required_headers: unknown endpoint "teams"`},
		{"invalid header name", "required_headers:\n  userinfo: [\"User Agent\"]\n", "invalid header name"},
		{"unknown token format", "token_default_format: xml\n", `token_default_format: unknown value "xml"`},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			fsys := acmeFS(acmeSpec + test.extra)
			_, err := oauthtest.LoadProvider(fsys, "acme")
			if err == nil {
				t.Fatalf("LoadProvider succeeded, want an error containing %q", test.wantErr)
			}
			if !strings.Contains(err.Error(), test.wantErr) || !strings.HasPrefix(err.Error(), "oauthtest: ") {
				t.Errorf("error = %q, want oauthtest: ... %q", err, test.wantErr)
			}
		})
	}
}

func TestResourceScopedReply(t *testing.T) {
	resource := "resources:\n  teams: {url: https://api.acme.example/teams, reply: userinfo.json}\n"
	scoped := "  teams.invalid_token: {status: 403, file: error_token.json}\n"

	fsys := acmeFS(acmeSpec + scoped + resource)
	p, err := oauthtest.LoadProvider(fsys, "acme")
	if err != nil {
		t.Fatalf("LoadProvider with a reply scoped to a resource: %v", err)
	}
	s := oauthtest.NewServer(p, oauthtest.Client{ID: "acme-client", Secret: "acme/secret+1"})
	defer s.Close()
	if resp := get(t, s.URLFor("https://api.acme.example/teams"), url.Values{"access_token": {"unknown"}}); resp.status != http.StatusForbidden {
		t.Errorf("status = %d, want the scoped reply's 403", resp.status)
	}

	_, err = oauthtest.LoadProvider(acmeFS(acmeSpec+scoped), "acme")
	if err == nil || !strings.Contains(err.Error(), `unknown endpoint "teams"`) {
		t.Errorf("error = %v, want one for a reply scoped to an unknown endpoint", err)
	}
}
