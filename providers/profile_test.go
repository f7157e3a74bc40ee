package providers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/presetauth/presetauth/schema"
	"golang.org/x/oauth2"
)

func TestThreadsUserinfoRequest(t *testing.T) {
	server := newProviderServer(t, map[string]http.HandlerFunc{
		"/v1.0/me": replyJSON(http.StatusOK, fixture(t, "threads/me.json")),
	})
	p := newProvider(t, "threads", threadsSpec(t, server.URL, ""))

	raw, err := p.Userinfo(context.Background(), &oauth2.Token{AccessToken: threadsLongToken})
	if err != nil {
		t.Fatalf("Userinfo: %v", err)
	}
	if want := fixture(t, "threads/me.json"); string(raw) != want {
		t.Errorf("reply = %q, want the body as sent %q", raw, want)
	}

	got := server.only("/v1.0/me")
	if got.Method != http.MethodGet {
		t.Errorf("method = %s, want GET", got.Method)
	}
	if want := "id,username,name,threads_profile_picture_url,threads_biography,is_verified"; got.Query.Get("fields") != want {
		t.Errorf("fields = %q, want %q", got.Query.Get("fields"), want)
	}
	if want := "Bearer " + threadsLongToken; got.Header.Get("Authorization") != want {
		t.Errorf("Authorization header = %q, want %q", got.Header.Get("Authorization"), want)
	}
	if got.Query.Has("access_token") {
		t.Error("the token is in the query as well as the header")
	}
}

func TestUserinfoTokenInQuery(t *testing.T) {
	server := newProviderServer(t, map[string]http.HandlerFunc{
		"/user": replyJSON(http.StatusOK, `{"id":"1"}`),
	})
	spec := exampleSpec(server.URL)
	spec.Userinfo.TokenIn = "query"
	spec.Userinfo.Params = map[string]string{"v": "2"}
	p := newProvider(t, "example", spec)

	if _, err := p.Userinfo(context.Background(), &oauth2.Token{AccessToken: "token-in-query"}); err != nil {
		t.Fatalf("Userinfo: %v", err)
	}
	got := server.only("/user")
	if got.Query.Get("access_token") != "token-in-query" {
		t.Errorf("access_token = %q, want token-in-query", got.Query.Get("access_token"))
	}
	if got.Query.Get("v") != "2" {
		t.Errorf("v = %q, want 2", got.Query.Get("v"))
	}
	if h := got.Header.Get("Authorization"); h != "" {
		t.Errorf("Authorization header = %q, want none", h)
	}
}

func TestThreadsMapProfile(t *testing.T) {
	tests := []struct {
		fixture string
		want    Profile
	}{
		{
			fixture: "threads/me.json",
			want: Profile{
				ID:    "1234567890",
				Name:  "Jane Doe",
				Image: "https://scontent.example/v/jane.jpg",
				Extra: map[string]any{"username": "jane.doe", "biography": "Hello from Threads", "verified": true},
			},
		},
		{
			// No avatar means no threads_profile_picture_url key at all.
			fixture: "threads/me_no_picture.json",
			want: Profile{
				ID:    "1234567890",
				Name:  "Jane Doe",
				Extra: map[string]any{"username": "jane.doe", "biography": "Hello from Threads", "verified": true},
			},
		},
		{
			fixture: "threads/me_username_only.json",
			want: Profile{
				ID:    "1234567890",
				Name:  "jane.doe",
				Extra: map[string]any{"username": "jane.doe", "verified": false},
			},
		},
	}
	for _, test := range tests {
		t.Run(test.fixture, func(t *testing.T) {
			p := newProvider(t, "threads", threadsSpec(t, "http://127.0.0.1:1", ""))
			raw := []byte(fixture(t, test.fixture))

			got, err := p.MapProfile(raw)
			if err != nil {
				t.Fatalf("MapProfile: %v", err)
			}
			if got.ID != test.want.ID {
				t.Errorf("ID = %q, want %q", got.ID, test.want.ID)
			}
			if got.Name != test.want.Name {
				t.Errorf("Name = %q, want %q", got.Name, test.want.Name)
			}
			if got.Image != test.want.Image {
				t.Errorf("Image = %q, want %q", got.Image, test.want.Image)
			}
			if got.Email != "" || got.EmailVerified {
				t.Errorf("Email, EmailVerified = %q, %v; Threads has no email", got.Email, got.EmailVerified)
			}
			if !reflect.DeepEqual(got.Extra, test.want.Extra) {
				t.Errorf("Extra = %#v, want %#v", got.Extra, test.want.Extra)
			}
			if string(got.Raw) != string(raw) {
				t.Errorf("Raw = %q, want the reply", got.Raw)
			}
		})
	}
}

// GitHub's address from /user/emails, fetched by a userinfo include, is
// tested end to end in the root package (github_test.go).
func TestMapProfile(t *testing.T) {
	tests := []struct {
		name    string
		mapping schema.ProfileMapping
		reply   string
		want    Profile
	}{
		{
			name: "wrapper object",
			mapping: schema.ProfileMapping{
				ID:    schema.Paths{"response.id"},
				Name:  schema.Paths{"response.name", "response.nickname"},
				Email: schema.Paths{"response.email"},
				Image: schema.Paths{"response.profile_image"},
			},
			reply: fixture(t, "replies/naver_profile.json"),
			want:  Profile{ID: "ID", Name: "nick", Email: "u@example.com", Image: "https://img.example/p.png"},
		},
		{
			name:    "numeric id",
			mapping: schema.ProfileMapping{ID: schema.Paths{"id"}, Name: schema.Paths{"name", "login"}},
			reply:   fixture(t, "replies/numeric_id.json"),
			want:    Profile{ID: "111122233", Name: "octocat"},
		},
		{
			name:    "numeric id above 2^53",
			mapping: schema.ProfileMapping{ID: schema.Paths{"id"}},
			reply:   `{"id":17841405793187219}`,
			want:    Profile{ID: "17841405793187219"},
		},
		{
			name:    "id from the second path",
			mapping: schema.ProfileMapping{ID: schema.Paths{"sub", "user.id"}},
			reply:   `{"sub":null,"user":{"id":"u-2"}}`,
			want:    Profile{ID: "u-2"},
		},
		{
			name:    "email_verified as a string",
			mapping: schema.ProfileMapping{ID: schema.Paths{"id"}, Email: schema.Paths{"email"}, EmailVerified: schema.Paths{"email_verified"}},
			reply:   `{"id":"3","email":"v@example.com","email_verified":"true"}`,
			want:    Profile{ID: "3", Email: "v@example.com", EmailVerified: true},
		},
		{
			name:    "email_verified false",
			mapping: schema.ProfileMapping{ID: schema.Paths{"id"}, Email: schema.Paths{"email"}, EmailVerified: schema.Paths{"email_verified"}},
			reply:   `{"id":"4","email":"w@example.com","email_verified":false}`,
			want:    Profile{ID: "4", Email: "w@example.com"},
		},
		{
			name:    "extra keeps exact numbers",
			mapping: schema.ProfileMapping{ID: schema.Paths{"id"}, Extra: map[string]schema.Paths{"page": {"page_id"}, "missing": {"nope"}}},
			reply:   `{"id":"5","page_id":17841405793187219}`,
			want:    Profile{ID: "5", Extra: map[string]any{"page": json.Number("17841405793187219")}},
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			m, err := NewMapping(test.mapping)
			if err != nil {
				t.Fatalf("NewMapping: %v", err)
			}
			got, err := m.Apply([]byte(test.reply))
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			got.Raw = nil
			if !reflect.DeepEqual(*got, test.want) {
				t.Errorf("profile = %+v\nwant      %+v", *got, test.want)
			}
		})
	}
}

func TestMapProfileMissingID(t *testing.T) {
	tests := []struct {
		name  string
		reply string
	}{
		{name: "id absent", reply: fixture(t, "threads/me_no_id.json")},
		{name: "id null", reply: `{"id":null,"username":"jane.doe"}`},
		{name: "id empty", reply: `{"id":"","username":"jane.doe"}`},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			p := newProvider(t, "threads", threadsSpec(t, "http://127.0.0.1:1", ""))

			profile, err := p.MapProfile([]byte(test.reply))
			if profile != nil {
				t.Errorf("profile = %+v, want nil", profile)
			}
			if !errors.Is(err, ErrMissingUserID) {
				t.Fatalf("error = %v, want ErrMissingUserID", err)
			}
			var rerr *ReplyError
			if !errors.As(err, &rerr) || rerr.Endpoint != "userinfo" {
				t.Errorf("error = %#v, want a *ReplyError of the userinfo endpoint", err)
			}
		})
	}
}

func TestMapProfileMalformed(t *testing.T) {
	for _, reply := range []string{``, `{"id":"1"`, `not json`, `["id"]`, `null`, `"1"`, `42`} {
		t.Run(reply, func(t *testing.T) {
			p := newProvider(t, "threads", threadsSpec(t, "http://127.0.0.1:1", ""))

			profile, err := p.MapProfile([]byte(reply))
			if profile != nil {
				t.Errorf("profile = %+v, want nil", profile)
			}
			if !errors.Is(err, ErrMalformedReply) {
				t.Errorf("error = %v, want ErrMalformedReply", err)
			}
		})
	}
}

func TestNewRejectsInvalidProfilePath(t *testing.T) {
	spec := exampleSpec("http://127.0.0.1:1")
	spec.Profile.Name = schema.Paths{"data..name"}

	if _, err := New("example", spec); err == nil {
		t.Fatal("New accepted the profile path data..name")
	} else if !strings.Contains(err.Error(), "profile mapping") {
		t.Errorf("error %q does not mention the profile mapping", err)
	}
}

func TestUserinfoErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc

		wantProvider *ProviderError // nil means a *ReplyError
		wantErr      error
	}{
		{
			name:    "graph error",
			handler: replyJSON(http.StatusBadRequest, fixture(t, "threads/error_graph_expired.json")),
			wantProvider: &ProviderError{
				Provider: "threads", Endpoint: "userinfo", Status: http.StatusBadRequest,
				Code: "190", Subcode: "463", Type: "OAuthException", TraceID: "AbCdEfGh123",
				Description: "Error validating access token: Session has expired.",
			},
		},
		{
			name:    "graph error with 200",
			handler: replyJSON(http.StatusOK, fixture(t, "threads/error_graph_thapi.json")),
			wantProvider: &ProviderError{
				Provider: "threads", Endpoint: "userinfo", Status: http.StatusOK,
				Code: "100", Type: "THApiException", TraceID: "XyZ987",
				Description: "Unsupported get request.",
			},
		},
		{
			name:    "HTML page with 500",
			handler: replyWith(http.StatusInternalServerError, "text/html", fixture(t, "replies/server_error.html")),
			wantErr: ErrUnexpectedStatus,
		},
		{
			name:    "JSON without error with 404",
			handler: replyJSON(http.StatusNotFound, `{"id":"1"}`),
			wantErr: ErrUnexpectedStatus,
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			server := newProviderServer(t, map[string]http.HandlerFunc{"/v1.0/me": test.handler})
			p := newProvider(t, "threads", threadsSpec(t, server.URL, ""))

			raw, err := p.Userinfo(context.Background(), &oauth2.Token{AccessToken: threadsLongToken})
			if raw != nil {
				t.Errorf("reply = %q, want nil", raw)
			}
			if test.wantProvider != nil {
				var perr *ProviderError
				if !errors.As(err, &perr) {
					t.Fatalf("error = %v (%T), want *ProviderError", err, err)
				}
				if *perr != *test.wantProvider {
					t.Errorf("error = %+v\nwant    %+v", *perr, *test.wantProvider)
				}
			} else {
				var rerr *ReplyError
				if !errors.As(err, &rerr) {
					t.Fatalf("error = %v (%T), want *ReplyError", err, err)
				}
				if !errors.Is(err, test.wantErr) {
					t.Errorf("error = %v, want %v", err, test.wantErr)
				}
			}
			checkNoSecrets(t, err)
		})
	}
}

// Finish maps the profile of a Naver-shaped provider through its wrapper.
func TestFinishWrappedProfile(t *testing.T) {
	server := newProviderServer(t, map[string]http.HandlerFunc{
		"/token": replyJSON(http.StatusOK, `{"access_token":"naver-token-1","token_type":"bearer","expires_in":"3600"}`),
		"/user":  replyJSON(http.StatusOK, fixture(t, "replies/naver_profile.json")),
	})
	spec := exampleSpec(server.URL)
	spec.Profile = schema.ProfileMapping{
		ID:    schema.Paths{"response.id"},
		Name:  schema.Paths{"response.nickname"},
		Email: schema.Paths{"response.email"},
		Image: schema.Paths{"response.profile_image"},
	}
	p := newProvider(t, "naver", spec)

	tok, profile, err := p.Finish(context.Background(), testCode, "", "")
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if tok.AccessToken != "naver-token-1" {
		t.Errorf("AccessToken = %q, want naver-token-1", tok.AccessToken)
	}
	want := Profile{ID: "ID", Name: "nick", Email: "u@example.com", Image: "https://img.example/p.png"}
	profile.Raw = nil
	if !reflect.DeepEqual(*profile, want) {
		t.Errorf("profile = %+v\nwant      %+v", *profile, want)
	}
	if got := server.only("/user").Header.Get("Authorization"); got != "Bearer naver-token-1" {
		t.Errorf("Authorization header = %q, want Bearer naver-token-1", got)
	}
}

func TestMapProfileInvalidID(t *testing.T) {
	tests := []struct {
		name  string
		paths schema.Paths
		reply string
		want  string // the error text after the provider and endpoint
	}{
		{name: "object", paths: schema.Paths{"data.id"}, reply: `{"data":{"id":{"value":"1"}}}`, want: "user id at data.id is an object, not a string or number"},
		{name: "array", paths: schema.Paths{"id"}, reply: `{"id":["1"]}`, want: "user id at id is an array, not a string or number"},
		{name: "boolean", paths: schema.Paths{"id"}, reply: `{"id":true}`, want: "user id at id is a boolean, not a string or number"},
		{name: "exponent", paths: schema.Paths{"id"}, reply: `{"id":1.5e3}`, want: "user id at id is 1.5e3, not an integer"},
		{name: "fraction", paths: schema.Paths{"id"}, reply: `{"id":-12.0}`, want: "user id at id is -12.0, not an integer"},
		{name: "NUL", paths: schema.Paths{"id"}, reply: `{"id":"1\u0000"}`, want: "user id at id contains the control character U+0000"},
		{name: "newline", paths: schema.Paths{"id"}, reply: `{"id":"1\nlevel=ERROR"}`, want: "user id at id contains the control character U+000A"},
		{name: "line separator", paths: schema.Paths{"id"}, reply: `{"id":"1\u2028"}`, want: "user id at id contains the control character U+2028"},
		{name: "right-to-left override", paths: schema.Paths{"id"}, reply: `{"id":"admin\u202Egpj"}`, want: "user id at id contains the bidirectional formatting character U+202E"},
		{name: "isolate", paths: schema.Paths{"id"}, reply: `{"id":"a\u2067b"}`, want: "user id at id contains the bidirectional formatting character U+2067"},
		{name: "invalid UTF-8", paths: schema.Paths{"id"}, reply: "{\"id\":\"a\xffb\"}", want: "user id at id is not valid UTF-8"},
		{name: "template with a control character", paths: schema.Paths{"={team}:{user}"}, reply: `{"team":"T1","user":"U\r2"}`, want: "user id at ={team}:{user} contains the control character U+000D"},
		{name: "first path decides", paths: schema.Paths{"id", "login"}, reply: `{"id":{"x":1},"login":"octocat"}`, want: "user id at id is an object, not a string or number"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			spec := exampleSpec("http://127.0.0.1:1")
			spec.Profile.ID = test.paths
			p := newProvider(t, "example", spec)

			profile, err := p.MapProfile([]byte(test.reply))
			if profile != nil {
				t.Errorf("profile = %+v, want nil", profile)
			}
			if !errors.Is(err, ErrInvalidUserID) {
				t.Fatalf("error = %v, want ErrInvalidUserID", err)
			}
			if want := "providers: example userinfo endpoint: " + test.want; err.Error() != want {
				t.Errorf("error = %q\nwant    %q", err, want)
			}
		})
	}
}

func TestMapProfileValidID(t *testing.T) {
	tests := []struct {
		name  string
		reply string
		want  string
	}{
		{name: "negative integer", reply: `{"id":-42}`, want: "-42"},
		{name: "zero", reply: `{"id":0}`, want: "0"},
		{name: "string that looks like a float", reply: `{"id":"1.5e3"}`, want: "1.5e3"},
		{name: "Bitbucket UUID", reply: `{"id":"{5e1b3f4a-2c9d-4e0f-8a7b-6c5d4e3f2a1b}"}`, want: "{5e1b3f4a-2c9d-4e0f-8a7b-6c5d4e3f2a1b}"},
		{name: "right-to-left letters", reply: `{"id":"مستخدم"}`, want: "مستخدم"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			spec := exampleSpec("http://127.0.0.1:1")
			p := newProvider(t, "example", spec)

			profile, err := p.MapProfile([]byte(test.reply))
			if err != nil {
				t.Fatalf("MapProfile: %v", err)
			}
			if profile.ID != test.want {
				t.Errorf("ID = %q, want %q", profile.ID, test.want)
			}
		})
	}
}

// Name and email lose control characters, and an image that is not an
// http or https URL is dropped. Extra stays as sent.
func TestMapProfileCleansValues(t *testing.T) {
	tests := []struct {
		name  string
		reply string
		want  Profile
	}{
		{
			name:  "control characters in name and email",
			reply: `{"id":"1","name":"Jane\u0000 Doe\r\n","email":"jane@example.com\u2028","image":"https://cdn.example/a.png"}`,
			want:  Profile{ID: "1", Name: "Jane Doe", Email: "jane@example.com", Image: "https://cdn.example/a.png"},
		},
		{
			name:  "bidirectional marks kept in a name",
			reply: `{"id":"2","name":"\u200Fسارة"}`,
			want:  Profile{ID: "2", Name: "\u200Fسارة"},
		},
		{
			name:  "invalid UTF-8 in a name",
			reply: "{\"id\":\"3\",\"name\":\"A\xffB\"}",
			want:  Profile{ID: "3", Name: "A\uFFFDB"},
		},
		{name: "javascript image", reply: `{"id":"4","image":"javascript:alert(1)"}`, want: Profile{ID: "4"}},
		{name: "data image", reply: `{"id":"5","image":"data:image/svg+xml;base64,PHN2Zz4="}`, want: Profile{ID: "5"}},
		{name: "file image", reply: `{"id":"6","image":"file:///etc/passwd"}`, want: Profile{ID: "6"}},
		{name: "relative image", reply: `{"id":"7","image":"avatar/athlete/large.png"}`, want: Profile{ID: "7"}},
		{name: "scheme-relative image", reply: `{"id":"8","image":"//cdn.example/a.png"}`, want: Profile{ID: "8"}},
		{name: "image without a host", reply: `{"id":"9","image":"https:///a.png"}`, want: Profile{ID: "9"}},
		{name: "image with a control character", reply: `{"id":"10","image":"https://cdn.example/a\n.png"}`, want: Profile{ID: "10"}},
		{name: "http image", reply: `{"id":"11","image":"http://cdn.example/a.png"}`, want: Profile{ID: "11", Image: "http://cdn.example/a.png"}},
		{name: "upper-case scheme", reply: `{"id":"12","image":"HTTPS://cdn.example/A.png"}`, want: Profile{ID: "12", Image: "https://cdn.example/A.png"}},
		{
			name:  "extra as sent",
			reply: `{"id":"13","bio":"a\u0000b"}`,
			want:  Profile{ID: "13", Extra: map[string]any{"bio": "a\x00b"}},
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			m, err := NewMapping(schema.ProfileMapping{
				ID:    schema.Paths{"id"},
				Name:  schema.Paths{"name"},
				Email: schema.Paths{"email"},
				Image: schema.Paths{"image"},
				Extra: map[string]schema.Paths{"bio": {"bio"}},
			})
			if err != nil {
				t.Fatalf("NewMapping: %v", err)
			}
			got, err := m.Apply([]byte(test.reply))
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if got.Extra != nil && len(got.Extra) == 0 {
				got.Extra = nil
			}
			got.Raw = nil
			if !reflect.DeepEqual(*got, test.want) {
				t.Errorf("profile = %#v\nwant      %#v", *got, test.want)
			}
		})
	}
}

// A profile reply that names a member twice in one object is rejected,
// because the mapping (gjson) and encoding/json would read different
// values from it.
func TestMapProfileDuplicateMembers(t *testing.T) {
	tests := []struct {
		name  string
		reply string
		want  string
	}{
		{name: "top level", reply: `{"id":"first","id":"second"}`, want: `member "id" appears twice in one object`},
		{name: "escaped name", reply: `{"id":"first","\u0069d":"second"}`, want: `member "id" appears twice in one object`},
		{name: "nested", reply: `{"data":{"id":"first","id":"second"}}`, want: `member "id" appears twice in one object`},
		{name: "inside an array", reply: `{"id":"1","emails":[{"email":"a@example.com","email":"b@example.com"}]}`, want: `member "email" appears twice in one object`},
		{name: "unmapped member", reply: `{"id":"1","bio":"a","bio":"b"}`, want: `member "bio" appears twice in one object`},
		{name: "past the small set", reply: manyMembers(70) + `,"m3":0}`, want: `member "m3" appears twice in one object`},
		{name: "past the small set, late", reply: manyMembers(70) + `,"m69":0}`, want: `member "m69" appears twice in one object`},
		{name: "too deep", reply: `{"id":"1","x":` + strings.Repeat("[", maxProfileDepth) + strings.Repeat("]", maxProfileDepth) + `}`, want: "nested deeper than 64 levels"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			p := newProvider(t, "example", exampleSpec("http://127.0.0.1:1"))

			profile, err := p.MapProfile([]byte(test.reply))
			if profile != nil {
				t.Errorf("profile = %+v, want nil", profile)
			}
			if !errors.Is(err, ErrMalformedReply) {
				t.Fatalf("error = %v, want ErrMalformedReply", err)
			}
			if want := "providers: example userinfo endpoint: malformed reply: " + test.want; err.Error() != want {
				t.Errorf("error = %q\nwant    %q", err, want)
			}
		})
	}

	t.Run("same name in two objects", func(t *testing.T) {
		p := newProvider(t, "example", exampleSpec("http://127.0.0.1:1"))
		reply := manyMembers(70) + `,"a":{"id":"x"},"b":{"id":"y"}}`
		if _, err := p.MapProfile([]byte(reply)); err != nil {
			t.Errorf("MapProfile: %v", err)
		}
	})
}

// manyMembers returns an unclosed JSON object with the id and n members
// m0, m1, ...
func manyMembers(n int) string {
	var b strings.Builder
	b.WriteString(`{"id":"1"`)
	for i := range n {
		fmt.Fprintf(&b, `,"m%d":%d`, i, i)
	}
	return b.String()
}

// Token replies, which are not rejected for a repeated member, are read
// first-wins at every depth, as gjson reads them, and so is each part of
// a merged profile.
func TestFirstMemberWins(t *testing.T) {
	t.Run("token reply", func(t *testing.T) {
		server := newProviderServer(t, map[string]http.HandlerFunc{
			"/token": replyJSON(http.StatusOK, `{"access_token":"first-token","access_token":"second-token","owner":{"user":{"id":"first","id":"second"}}}`),
		})
		spec := exampleSpec(server.URL)
		spec.Profile = schema.ProfileMapping{Sources: []string{"token"}, ID: schema.Paths{"owner.user.id"}}
		p := newProvider(t, "example", spec)

		tok, profile, err := p.Finish(context.Background(), testCode, "", "")
		if err != nil {
			t.Fatalf("Finish: %v", err)
		}
		if tok.AccessToken != "first-token" {
			t.Errorf("AccessToken = %q, want first-token", tok.AccessToken)
		}
		if got := Extras(tok)["access_token"]; got != "first-token" {
			t.Errorf("Extras access_token = %v, want first-token", got)
		}
		if profile.ID != "first" {
			t.Errorf("profile id = %q, want first", profile.ID)
		}
	})

	t.Run("merged parts", func(t *testing.T) {
		merged, err := mergeObjects([][]byte{
			[]byte(`{"id":"first","id":"second","name":"A"}`),
			[]byte(`{"name":"B","name":"C"}`),
		})
		if err != nil {
			t.Fatalf("mergeObjects: %v", err)
		}
		if want := `{"id":"first","name":"B"}`; string(merged) != want {
			t.Errorf("merged = %s, want %s", merged, want)
		}
	})
}

func TestWebURLFastPathAgrees(t *testing.T) {
	inputs := []string{
		"https://cdn.example/p.png", "http://img.example:8080/a?b=c#d", "https://", "https:///x",
		"https://a@b.example/", "https://[::1]/x", "javascript:alert(1)", "HTTPS://cdn.example/p",
		"https://cdn.example/a b", "https://cdn.example/%zz", "https://cdn.example/\\x", "ftp://x.example/",
		"https://cdn.example:99999/", "https://xn--bcher-kva.example/", "http://h/é",
	}
	for _, in := range inputs {
		want := ""
		if u, err := url.Parse(in); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			want = u.Scheme + in[len(u.Scheme):]
		}
		if got := webURL(in); got != want {
			t.Errorf("webURL(%q) = %q, want %q as url.Parse decides", in, got, want)
		}
	}
}
