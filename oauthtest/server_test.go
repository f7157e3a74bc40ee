package oauthtest_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/presetauth/presetauth/oauthtest"
)

func TestBuiltinThreads(t *testing.T) {
	if !slices.Contains(oauthtest.Builtins(), "threads") {
		t.Errorf("Builtins() = %v, want it to contain threads", oauthtest.Builtins())
	}
	p, err := oauthtest.Builtin("threads")
	if err != nil {
		t.Fatalf("Builtin(threads): %v", err)
	}
	if p.Name() != "threads" {
		t.Errorf("Name() = %q, want threads", p.Name())
	}
	if got := p.URL(oauthtest.EndpointUserinfo); got != "https://graph.threads.net/v1.0/me" {
		t.Errorf("URL(userinfo) = %q", got)
	}

	for _, name := range []string{"no-such-provider", "../threads", ""} {
		if _, err := oauthtest.Builtin(name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Builtin(%q) error = %v, want fs.ErrNotExist", name, err)
		}
	}
}

func TestAuthorizeRedirect(t *testing.T) {
	s, _ := startThreads(t)

	for _, endpoint := range []string{
		s.EndpointURL(oauthtest.EndpointAuthorize),
		s.URLFor("https://threads.com/oauth/authorize"),
	} {
		resp := get(t, endpoint, authorizeParams())
		if resp.status != http.StatusFound {
			t.Fatalf("%s: status = %d, want 302; body %s", endpoint, resp.status, resp.body)
		}
		location := resp.header.Get("Location")
		if !strings.HasSuffix(location, "#_") {
			t.Errorf("Location %q does not end with #_", location)
		}
		if !strings.HasPrefix(location, testRedirectURI+"?") {
			t.Errorf("Location %q does not start with the redirect URI", location)
		}
		u, err := url.Parse(location)
		if err != nil {
			t.Fatalf("parse Location: %v", err)
		}
		if code := u.Query().Get("code"); !strings.HasPrefix(code, "AQB") || len(code) < 40 {
			t.Errorf("code = %q, want AQB and random characters", code)
		}
		if got := u.Query().Get("state"); got != testState {
			t.Errorf("state = %q, want %q", got, testState)
		}
	}
}

func TestAuthorizeRejects(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(url.Values)
		wantError string
	}{
		{"unknown client id", func(v url.Values) { v.Set("client_id", "999") }, "Invalid request"},
		{"missing client id", func(v url.Values) { v.Del("client_id") }, "Invalid request"},
		{"space separated scopes", func(v url.Values) {
			v.Set("scope", "threads_basic threads_content_publish")
		}, "Invalid Scopes"},
		{"without threads_basic", func(v url.Values) { v.Set("scope", "threads_content_publish") }, "Invalid Scopes"},
		{"unknown scope", func(v url.Values) { v.Set("scope", "threads_basic,email") }, "Invalid Scopes"},
		{"missing scope", func(v url.Values) { v.Del("scope") }, "Invalid Scopes"},
		{"implicit grant", func(v url.Values) { v.Set("response_type", "token") }, "Invalid request"},
		{"missing redirect uri", func(v url.Values) { v.Del("redirect_uri") }, "URL Blocked"},
		{"relative redirect uri", func(v url.Values) { v.Set("redirect_uri", "/auth/callback") }, "URL Blocked"},
		{"localhost redirect uri", func(v url.Values) {
			v.Set("redirect_uri", "https://localhost:8443/auth/callback")
		}, "URL Blocked"},
		{"http redirect uri", func(v url.Values) {
			v.Set("redirect_uri", "http://127.0.0.1:8080/auth/callback")
		}, "URL Blocked"},
		{"redirect uri with fragment", func(v url.Values) {
			v.Set("redirect_uri", testRedirectURI+"#x")
		}, "URL Blocked"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			s, _ := startThreads(t)
			params := authorizeParams()
			test.edit(params)

			resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), params)
			if resp.status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", resp.status)
			}
			if location := resp.header.Get("Location"); location != "" {
				t.Errorf("Location = %q, want no redirect", location)
			}
			page := decodeObject(t, resp.body)
			if msg, _ := page["error_message"].(string); !strings.HasPrefix(msg, test.wantError) {
				t.Errorf("error_message = %q, want prefix %q", msg, test.wantError)
			}
			if _, ok := page["error_code"].(json.Number); !ok {
				t.Errorf("error_code missing or not a number in %s", resp.body)
			}
		})
	}
}

func TestAuthorizeHTTPLoopback(t *testing.T) {
	p, err := oauthtest.Builtin("threads")
	if err != nil {
		t.Fatal(err)
	}
	s := oauthtest.NewServer(p, oauthtest.Client{
		ID: testClientID, Secret: testClientSecret, AllowHTTPLoopback: true,
	})
	defer s.Close()

	tests := []struct {
		redirectURI string
		wantStatus  int
	}{
		{"http://127.0.0.1:8080/auth/callback", http.StatusFound},
		{"http://[::1]:8080/auth/callback", http.StatusFound},
		{"http://localhost:8080/auth/callback", http.StatusBadRequest},
		{"http://app.example/auth/callback", http.StatusBadRequest},
	}
	for _, test := range tests {
		t.Run(test.redirectURI, func(t *testing.T) {
			params := authorizeParams()
			params.Set("redirect_uri", test.redirectURI)
			resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), params)
			if resp.status != test.wantStatus {
				t.Errorf("status = %d, want %d; body %s", resp.status, test.wantStatus, resp.body)
			}
		})
	}
}

func TestAuthorizeRegisteredRedirectURIs(t *testing.T) {
	p, err := oauthtest.Builtin("threads")
	if err != nil {
		t.Fatal(err)
	}
	s := oauthtest.NewServer(p, oauthtest.Client{
		ID: testClientID, Secret: testClientSecret, RedirectURIs: []string{testRedirectURI},
	})
	defer s.Close()

	params := authorizeParams()
	if resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), params); resp.status != http.StatusFound {
		t.Errorf("registered URI: status = %d, want 302", resp.status)
	}
	params.Set("redirect_uri", testRedirectURI+"/")
	if resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), params); resp.status != http.StatusBadRequest {
		t.Errorf("unregistered URI: status = %d, want 400", resp.status)
	}
}

func TestTokenReply(t *testing.T) {
	s, _ := startThreads(t)
	code := authorizeCode(t, s)

	resp := postForm(t, s.EndpointURL(oauthtest.EndpointToken), tokenForm(code), nil)
	if resp.status != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", resp.status, resp.body)
	}
	if ct := resp.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	reply := decodeObject(t, resp.body)
	if len(reply) != 2 {
		t.Errorf("reply has %d members, want access_token and user_id only: %s", len(reply), resp.body)
	}
	if got := reply["user_id"]; got != json.Number("17841405793187218") {
		t.Errorf("user_id = %#v, want the JSON number 17841405793187218", got)
	}
	token, _ := reply["access_token"].(string)
	if !strings.HasPrefix(token, "THQVJ") || strings.Contains(string(resp.body), "fixture") {
		t.Errorf("access_token = %q, want a fresh THQVJ token", token)
	}
	if second := signIn(t, s); second == token {
		t.Errorf("two grants returned the same access token")
	}
}

func TestTokenClientAuthentication(t *testing.T) {
	tests := []struct {
		name string
		form func(url.Values)
		edit func(*http.Request)
	}{
		{"basic header", func(v url.Values) {
			v.Del("client_id")
			v.Del("client_secret")
		}, func(r *http.Request) { r.SetBasicAuth(testClientID, testClientSecret) }},
		{"basic header with client id in body", func(v url.Values) {
			v.Del("client_secret")
		}, func(r *http.Request) { r.SetBasicAuth(testClientID, testClientSecret) }},
		{"basic header and body secret", nil,
			func(r *http.Request) { r.SetBasicAuth(testClientID, testClientSecret) }},
		{"wrong secret", func(v url.Values) { v.Set("client_secret", "wrong") }, nil},
		{"wrong client id", func(v url.Values) { v.Set("client_id", "999") }, nil},
		{"no secret", func(v url.Values) { v.Del("client_secret") }, nil},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			s, _ := startThreads(t)
			form := tokenForm(authorizeCode(t, s))
			if test.form != nil {
				test.form(form)
			}

			resp := postForm(t, s.EndpointURL(oauthtest.EndpointToken), form, test.edit)
			if resp.status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", resp.status)
			}
			reply := decodeObject(t, resp.body)
			if reply["error_type"] != "OAuthException" {
				t.Errorf("error_type = %v, want OAuthException (flat shape): %s", reply["error_type"], resp.body)
			}
			if _, ok := reply["access_token"]; ok {
				t.Errorf("reply carries an access token: %s", resp.body)
			}
		})
	}
}

func TestTokenCodeRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(form url.Values, code string)
	}{
		{"code with fragment", func(v url.Values, code string) { v.Set("code", code+"#_") }},
		{"unknown code", func(v url.Values, _ string) { v.Set("code", "AQBunknown") }},
		{"redirect uri mismatch", func(v url.Values, _ string) {
			v.Set("redirect_uri", testRedirectURI+"/")
		}},
		{"missing redirect uri", func(v url.Values, _ string) { v.Del("redirect_uri") }},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			s, _ := startThreads(t)
			code := authorizeCode(t, s)
			form := tokenForm(code)
			test.edit(form, code)

			resp := postForm(t, s.EndpointURL(oauthtest.EndpointToken), form, nil)
			if resp.status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", resp.status)
			}
			if msg := decodeObject(t, resp.body)["error_message"]; msg != "Matching code was not found or was already used" {
				t.Errorf("error_message = %v", msg)
			}
		})
	}
}

func TestTokenRequestRejects(t *testing.T) {
	s, _ := startThreads(t)
	code := authorizeCode(t, s)

	form := tokenForm(code)
	form.Set("grant_type", "client_credentials")
	if resp := postForm(t, s.EndpointURL(oauthtest.EndpointToken), form, nil); resp.status != http.StatusBadRequest {
		t.Errorf("wrong grant_type: status = %d, want 400", resp.status)
	}

	if resp := get(t, s.EndpointURL(oauthtest.EndpointToken), tokenForm(code)); resp.status != http.StatusBadRequest {
		t.Errorf("GET: status = %d, want 400", resp.status)
	}

	if resp := postForm(t, s.EndpointURL(oauthtest.EndpointToken), tokenForm(code), nil); resp.status != http.StatusOK {
		t.Errorf("the code must survive rejected requests: status = %d, want 200", resp.status)
	}
}

func TestTokenCodeReuse(t *testing.T) {
	s, _ := startThreads(t)
	code := authorizeCode(t, s)

	first := postForm(t, s.EndpointURL(oauthtest.EndpointToken), tokenForm(code), nil)
	if first.status != http.StatusOK {
		t.Fatalf("first use: status = %d, want 200", first.status)
	}

	second := postForm(t, s.EndpointURL(oauthtest.EndpointToken), tokenForm(code), nil)
	if second.status != http.StatusBadRequest {
		t.Errorf("second use: status = %d, want 400", second.status)
	}
	want := `{"error_type":"OAuthException","code":400,"error_message":"Matching code was not found or was already used"}`
	if string(second.body) != want {
		t.Errorf("second use: body = %s, want %s", second.body, want)
	}
}

func TestTokenCodeExpiry(t *testing.T) {
	tests := []struct {
		wait       time.Duration
		wantStatus int
	}{
		{59 * time.Minute, http.StatusOK},
		{time.Hour, http.StatusBadRequest},
		{61 * time.Minute, http.StatusBadRequest},
	}
	for _, test := range tests {
		t.Run(test.wait.String(), func(t *testing.T) {
			s, clock := startThreads(t)
			code := authorizeCode(t, s)
			clock.Advance(test.wait)

			resp := postForm(t, s.EndpointURL(oauthtest.EndpointToken), tokenForm(code), nil)
			if resp.status != test.wantStatus {
				t.Errorf("status = %d, want %d; body %s", resp.status, test.wantStatus, resp.body)
			}
		})
	}
}

func exchangeParams(token string) url.Values {
	return url.Values{
		"grant_type":    {"th_exchange_token"},
		"client_secret": {testClientSecret},
		"access_token":  {token},
	}
}

func refreshParams(token string) url.Values {
	return url.Values{"grant_type": {"th_refresh_token"}, "access_token": {token}}
}

func TestExchangeThenRefresh(t *testing.T) {
	s, clock := startThreads(t)
	short := signIn(t, s)

	exchanged := get(t, s.EndpointURL(oauthtest.EndpointExchange), exchangeParams(short))
	if exchanged.status != http.StatusOK {
		t.Fatalf("exchange: status = %d, want 200; body %s", exchanged.status, exchanged.body)
	}
	reply := decodeObject(t, exchanged.body)
	long, _ := reply["access_token"].(string)
	if long == "" || long == short {
		t.Errorf("exchange: access_token = %q, want a new token", long)
	}
	if reply["token_type"] != "bearer" || reply["expires_in"] != json.Number("5183944") {
		t.Errorf("exchange: reply = %s, want token_type bearer and expires_in 5183944", exchanged.body)
	}

	early := get(t, s.EndpointURL(oauthtest.EndpointRefresh), refreshParams(long))
	if early.status != http.StatusBadRequest {
		t.Errorf("refresh before 24 hours: status = %d, want 400", early.status)
	}

	clock.Advance(25 * time.Hour)
	refreshed := get(t, s.EndpointURL(oauthtest.EndpointRefresh), refreshParams(long))
	if refreshed.status != http.StatusOK {
		t.Fatalf("refresh: status = %d, want 200; body %s", refreshed.status, refreshed.body)
	}
	newest, _ := decodeObject(t, refreshed.body)["access_token"].(string)
	if newest == "" || newest == long {
		t.Errorf("refresh: access_token = %q, want a new token", newest)
	}

	for name, token := range map[string]string{"long": long, "refreshed": newest} {
		req, _ := http.NewRequest(http.MethodGet, s.EndpointURL(oauthtest.EndpointUserinfo), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if resp := do(t, req); resp.status != http.StatusOK {
			t.Errorf("userinfo with the %s token: status = %d, want 200", name, resp.status)
		}
	}

	clock.Advance(61 * 24 * time.Hour)
	expired := get(t, s.EndpointURL(oauthtest.EndpointRefresh), refreshParams(newest))
	if code, subcode := graphError(t, expired.body); code != "190" || subcode != "463" {
		t.Errorf("refresh of an expired token: code %s subcode %s, want 190 and 463", code, subcode)
	}
}

func TestExchangeRejects(t *testing.T) {
	tests := []struct {
		name        string
		request     func(t *testing.T, s *oauthtest.Server, short, long string) response
		wantCode    string
		wantSubcode string
	}{
		{"wrong secret", func(t *testing.T, s *oauthtest.Server, short, _ string) response {
			params := exchangeParams(short)
			params.Set("client_secret", "wrong")
			return get(t, s.EndpointURL(oauthtest.EndpointExchange), params)
		}, "100", ""},
		{"wrong grant type", func(t *testing.T, s *oauthtest.Server, short, _ string) response {
			params := exchangeParams(short)
			params.Set("grant_type", "th_refresh_token")
			return get(t, s.EndpointURL(oauthtest.EndpointExchange), params)
		}, "100", ""},
		{"long-lived token", func(t *testing.T, s *oauthtest.Server, _, long string) response {
			return get(t, s.EndpointURL(oauthtest.EndpointExchange), exchangeParams(long))
		}, "190", "467"},
		{"unknown token", func(t *testing.T, s *oauthtest.Server, _, _ string) response {
			return get(t, s.EndpointURL(oauthtest.EndpointExchange), exchangeParams("THQVJunknown"))
		}, "190", "467"},
		{"refresh of a short-lived token", func(t *testing.T, s *oauthtest.Server, short, _ string) response {
			return get(t, s.EndpointURL(oauthtest.EndpointRefresh), refreshParams(short))
		}, "190", "467"},
		{"POST instead of GET", func(t *testing.T, s *oauthtest.Server, short, _ string) response {
			return postForm(t, s.EndpointURL(oauthtest.EndpointExchange), exchangeParams(short), nil)
		}, "100", ""},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			s, _ := startThreads(t)
			short := signIn(t, s)
			long := decodeObject(t,
				get(t, s.EndpointURL(oauthtest.EndpointExchange), exchangeParams(signIn(t, s))).body)["access_token"].(string)

			resp := test.request(t, s, short, long)
			if resp.status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", resp.status)
			}
			code, subcode := graphError(t, resp.body)
			if code != test.wantCode {
				t.Errorf("code = %s, want %s", code, test.wantCode)
			}
			if subcode != test.wantSubcode {
				t.Errorf("error_subcode = %q, want %q", subcode, test.wantSubcode)
			}
		})
	}
}

func TestExchangeExpiredShortToken(t *testing.T) {
	s, clock := startThreads(t)
	short := signIn(t, s)
	clock.Advance(time.Hour + time.Second)

	resp := get(t, s.EndpointURL(oauthtest.EndpointExchange), exchangeParams(short))
	if resp.status != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", resp.status)
	}
	if code, subcode := graphError(t, resp.body); code != "190" || subcode != "463" {
		t.Errorf("code %s subcode %s, want 190 and 463", code, subcode)
	}
}

func userinfoRequest(t *testing.T, s *oauthtest.Server, token, fields string) response {
	t.Helper()
	target := s.EndpointURL(oauthtest.EndpointUserinfo)
	if fields != "" {
		target += "?fields=" + url.QueryEscape(fields)
	}
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, req)
}

func TestUserinfoFields(t *testing.T) {
	s, _ := startThreads(t)
	token := signIn(t, s)

	tests := []struct {
		fields string
		want   string
	}{
		{"", `{"id":"17841405793187218","username":"emulated.user","name":"Emulated User",` +
			`"threads_profile_picture_url":"https://cdn.threads.example/profile/17841405793187218.jpg",` +
			`"threads_biography":"Signs in through the oauthtest emulator.","is_verified":false}`},
		{"username", `{"id":"17841405793187218","username":"emulated.user"}`},
		{"is_verified,name", `{"id":"17841405793187218","name":"Emulated User","is_verified":false}`},
		{"id", `{"id":"17841405793187218"}`},
	}
	for _, test := range tests {
		t.Run("fields="+test.fields, func(t *testing.T) {
			resp := userinfoRequest(t, s, token, test.fields)
			if resp.status != http.StatusOK {
				t.Fatalf("status = %d, want 200; body %s", resp.status, resp.body)
			}
			if string(resp.body) != test.want {
				t.Errorf("body = %s, want %s", resp.body, test.want)
			}
		})
	}

	resp := userinfoRequest(t, s, token, "id,email")
	if resp.status != http.StatusBadRequest {
		t.Errorf("unknown field: status = %d, want 400", resp.status)
	}
	if code, _ := graphError(t, resp.body); code != "100" {
		t.Errorf("unknown field: code = %s, want 100", code)
	}
}

func TestUserinfoTokenRejects(t *testing.T) {
	s, clock := startThreads(t)
	token := signIn(t, s)

	tests := []struct {
		name        string
		request     func() response
		wantSubcode string
	}{
		{"no token", func() response { return userinfoRequest(t, s, "", "") }, "467"},
		{"unknown token", func() response { return userinfoRequest(t, s, "THQVJunknown", "") }, "467"},
		{"token in query", func() response {
			return get(t, s.EndpointURL(oauthtest.EndpointUserinfo), url.Values{"access_token": {token}})
		}, "467"},
		{"expired token", func() response {
			clock.Advance(2 * time.Hour)
			return userinfoRequest(t, s, token, "")
		}, "463"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			resp := test.request()
			if resp.status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", resp.status)
			}
			code, subcode := graphError(t, resp.body)
			if code != "190" {
				t.Errorf("code = %s, want 190", code)
			}
			if subcode != test.wantSubcode {
				t.Errorf("error_subcode = %s, want %s", subcode, test.wantSubcode)
			}
		})
	}
}

func TestSetUserWithoutPicture(t *testing.T) {
	s, _ := startThreads(t)
	token := signIn(t, s)
	s.SetUser(json.RawMessage(`{"id":"17841405793187219","username":"no.avatar"}`))

	resp := userinfoRequest(t, s, token, "id,username,name,threads_profile_picture_url")
	if resp.status != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.status)
	}
	if want := `{"id":"17841405793187219","username":"no.avatar"}`; string(resp.body) != want {
		t.Errorf("body = %s, want %s", resp.body, want)
	}
	if got := string(s.User()); got != `{"id":"17841405793187219","username":"no.avatar"}` {
		t.Errorf("User() = %s", got)
	}
}

func TestDeny(t *testing.T) {
	s, _ := startThreads(t)
	s.Deny()

	resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), authorizeParams())
	if resp.status != http.StatusFound {
		t.Fatalf("status = %d, want 302", resp.status)
	}
	want := testRedirectURI + "?error=access_denied&error_description=The+user+denied+your+request" +
		"&error_reason=user_denied&state=" + testState
	if got := resp.header.Get("Location"); got != want {
		t.Errorf("Location = %q, want %q", got, want)
	}

	if code := authorizeCode(t, s); code == "" {
		t.Errorf("the authorization after a denial has no code")
	}
}

func TestBlockURL(t *testing.T) {
	s, _ := startThreads(t)
	s.BlockURL()

	resp := get(t, s.EndpointURL(oauthtest.EndpointAuthorize), authorizeParams())
	if resp.status == http.StatusFound || resp.header.Get("Location") != "" {
		t.Errorf("blocked URL redirected: status %d, Location %q", resp.status, resp.header.Get("Location"))
	}
	page := decodeObject(t, resp.body)
	if page["error_code"] != json.Number("1349168") {
		t.Errorf("error_code = %v, want 1349168", page["error_code"])
	}
	if msg, _ := page["error_message"].(string); !strings.HasPrefix(msg, "URL Blocked:") {
		t.Errorf("error_message = %q, want URL Blocked", msg)
	}

	if code := authorizeCode(t, s); code == "" {
		t.Errorf("the authorization after a blocked one has no code")
	}
}

func TestFailNextAndRequests(t *testing.T) {
	s, _ := startThreads(t)
	code := authorizeCode(t, s)
	s.FailNext(oauthtest.EndpointToken, oauthtest.Reply{
		Status:      http.StatusServiceUnavailable,
		Body:        []byte("try later"),
		ContentType: "text/plain",
		Header:      http.Header{"Retry-After": {"3"}},
	})

	failed := postForm(t, s.EndpointURL(oauthtest.EndpointToken), tokenForm(code), nil)
	if failed.status != http.StatusServiceUnavailable || string(failed.body) != "try later" {
		t.Errorf("failed reply = %d %q, want 503 try later", failed.status, failed.body)
	}
	if got := failed.header.Get("Retry-After"); got != "3" {
		t.Errorf("Retry-After = %q, want 3", got)
	}
	if ok := postForm(t, s.EndpointURL(oauthtest.EndpointToken), tokenForm(code), nil); ok.status != http.StatusOK {
		t.Errorf("the request after the failure: status = %d, want 200", ok.status)
	}

	records := s.Requests(oauthtest.EndpointToken)
	if len(records) != 2 {
		t.Fatalf("Requests(token) has %d entries, want 2", len(records))
	}
	for _, record := range records {
		if record.Method != http.MethodPost {
			t.Errorf("Method = %s, want POST", record.Method)
		}
		if record.Form.Get("client_secret") != testClientSecret || record.Form.Get("code") != code {
			t.Errorf("Form = %v, want the token request form", record.Form)
		}
		if record.URL.Path != "/graph.threads.net/oauth/access_token" {
			t.Errorf("URL.Path = %q", record.URL.Path)
		}
	}
	if got := s.Requests(oauthtest.EndpointAuthorize); len(got) != 1 || got[0].Query.Get("state") != testState {
		t.Errorf("Requests(authorize) = %+v, want one request with the state", got)
	}
}

func TestURLFor(t *testing.T) {
	s, _ := startThreads(t)
	tests := []struct{ real, want string }{
		{"https://graph.threads.net/v1.0/me", s.URL + "/graph.threads.net/v1.0/me"},
		{"https://graph.threads.net/v1.0/me?fields=id", s.URL + "/graph.threads.net/v1.0/me?fields=id"},
		{"https://threads.net/oauth/authorize", s.URL + "/threads.net/oauth/authorize"},
		{"/relative", ""},
	}
	for _, test := range tests {
		if got := s.URLFor(test.real); got != test.want {
			t.Errorf("URLFor(%q) = %q, want %q", test.real, got, test.want)
		}
	}
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") && !strings.HasPrefix(s.URL, "http://[::1]:") {
		t.Errorf("URL = %q, want a loopback address", s.URL)
	}
}

func TestOverride(t *testing.T) {
	s, _ := startThreads(t)
	raw := s.Override()

	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("Override is not YAML: %v\n%s", err, raw)
	}
	if doc["client_id"] != testClientID {
		t.Errorf("client_id = %#v, want the string %q", doc["client_id"], testClientID)
	}
	if doc["client_secret"] != testClientSecret {
		t.Errorf("client_secret = %#v", doc["client_secret"])
	}
	want := map[string]string{
		"authorization": s.URL + "/threads.net/oauth/authorize",
		"token":         s.URL + "/graph.threads.net/oauth/access_token",
		"userinfo":      s.URL + "/graph.threads.net/v1.0/me",
		"exchange":      s.URL + "/graph.threads.net/access_token",
		"refresh":       s.URL + "/graph.threads.net/refresh_access_token",
	}
	for key, wantURL := range want {
		endpoint, _ := doc[key].(map[string]any)
		if endpoint["url"] != wantURL {
			t.Errorf("%s.url = %v, want %s", key, endpoint["url"], wantURL)
		}
	}
	if len(doc) != 7 {
		t.Errorf("Override has %d keys, want 7:\n%s", len(doc), raw)
	}
}

func TestConcurrentSignIns(t *testing.T) {
	s, _ := startThreads(t)
	const workers, perWorker = 16, 75

	var wg sync.WaitGroup
	tokens := make(chan string, workers*perWorker)
	errs := make(chan error, workers*perWorker)
	for range workers {
		wg.Go(func() {
			for range perWorker {
				token, err := signInConcurrently(s)
				if err != nil {
					errs <- err
					return
				}
				tokens <- token
			}
		})
	}
	wg.Wait()
	close(tokens)
	close(errs)
	for err := range errs {
		t.Fatalf("sign-in: %v", err)
	}

	seen := map[string]bool{}
	for token := range tokens {
		if seen[token] {
			t.Fatalf("token issued twice")
		}
		seen[token] = true
	}
	if len(seen) != workers*perWorker {
		t.Errorf("got %d tokens, want %d", len(seen), workers*perWorker)
	}
	if resp := userinfoRequest(t, s, signIn(t, s), "id"); resp.status != http.StatusOK {
		t.Errorf("userinfo after the load: status = %d", resp.status)
	}
}

// signInConcurrently runs a sign-in without *testing.T, so that it may run
// on goroutines other than the test's.
func signInConcurrently(s *oauthtest.Server) (string, error) {
	authorizeURL := s.EndpointURL(oauthtest.EndpointAuthorize) + "?" + authorizeParams().Encode()
	resp, err := noRedirects.Get(authorizeURL)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	location, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return "", err
	}

	resp, err = noRedirects.PostForm(s.EndpointURL(oauthtest.EndpointToken),
		tokenForm(location.Query().Get("code")))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var reply struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK || reply.AccessToken == "" {
		return "", fmt.Errorf("token status %d without an access token", resp.StatusCode)
	}
	return reply.AccessToken, nil
}
