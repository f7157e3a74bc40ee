package providers

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/presetauth/presetauth/schema"
)

// idTokenSubject is the sub claim of the ID tokens that oidcServer signs.
const idTokenSubject = "248289761001"

// oidcServer is a loopback OpenID provider whose token endpoint returns an
// ID token signed over the given claims text, which may repeat a member,
// and whose userinfo endpoint returns userinfo as is.
func oidcServer(t *testing.T, claims func(issuer string) string, userinfo string) (*providerServer, *schema.Spec) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwk := jose.JSONWebKey{Key: key, KeyID: "k1", Algorithm: string(jose.RS256), Use: "sig"}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jwk}, nil)
	if err != nil {
		t.Fatal(err)
	}
	keySet, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{jwk.Public()}})
	if err != nil {
		t.Fatal(err)
	}

	var server *providerServer
	server = newProviderServer(t, map[string]http.HandlerFunc{
		"/jwks": replyJSON(http.StatusOK, string(keySet)),
		"/token": func(w http.ResponseWriter, r *http.Request) {
			signed, err := signer.Sign([]byte(claims(server.URL)))
			if err != nil {
				t.Errorf("sign the ID token: %v", err)
				return
			}
			idToken, err := signed.CompactSerialize()
			if err != nil {
				t.Errorf("serialize the ID token: %v", err)
				return
			}
			replyJSON(http.StatusOK, `{"access_token":"oidc-access-1","token_type":"Bearer","expires_in":3600,"id_token":"`+idToken+`"}`)(w, r)
		},
		"/userinfo": replyJSON(http.StatusOK, userinfo),
	})

	spec := exampleSpec(server.URL)
	spec.Type = "oidc"
	spec.Issuer = server.URL
	spec.IDToken = schema.IDTokenSpec{JWKSURL: server.URL + "/jwks"}
	spec.Userinfo = &schema.UserinfoSpec{Endpoint: schema.Endpoint{URL: server.URL + "/userinfo"}}
	spec.Profile = schema.ProfileMapping{ID: schema.Paths{"sub"}, Name: schema.Paths{"name"}}
	return server, spec
}

// standardClaims returns ID token claims for idTokenSubject, valid at
// testNow, with the given members added.
func standardClaims(more string) func(issuer string) string {
	return func(issuer string) string {
		return fmt.Sprintf(`{"iss":%q,"aud":%q,"sub":%q,"iat":%d,"exp":%d%s}`,
			issuer, testClientID, idTokenSubject, testNow.Unix(), testNow.Add(time.Hour).Unix(), more)
	}
}

// A userinfo reply or an ID token that repeats a member is rejected. gjson
// reads the first sub and encoding/json the last, so the userinfo sub check
// and the merged profile could otherwise see different users.
func TestOIDCDuplicateMembers(t *testing.T) {
	tests := []struct {
		name     string
		claims   func(issuer string) string
		userinfo string

		wantIDTokenError bool
	}{
		{
			name:     "userinfo sub of the ID token first",
			claims:   standardClaims(""),
			userinfo: `{"sub":"` + idTokenSubject + `","sub":"other","name":"Mallory"}`,
		},
		{
			name:     "userinfo sub of the ID token last",
			claims:   standardClaims(""),
			userinfo: `{"sub":"other","sub":"` + idTokenSubject + `"}`,
		},
		{
			name:             "ID token sub repeated",
			claims:           standardClaims(`,"sub":"other"`),
			userinfo:         `{"sub":"other"}`,
			wantIDTokenError: true,
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			_, spec := oidcServer(t, test.claims, test.userinfo)
			p := newProvider(t, "example", spec, WithLogger(slog.New(slog.DiscardHandler)))

			tok, profile, err := p.Complete(context.Background(), Callback{Code: testCode})
			if tok != nil || profile != nil {
				t.Errorf("Complete signed in as %+v, want an error", profile)
			}
			if !errors.Is(err, ErrMalformedReply) {
				t.Fatalf("error = %v, want ErrMalformedReply", err)
			}
			var iderr *IDTokenError
			if got := errors.As(err, &iderr); got != test.wantIDTokenError {
				t.Errorf("error %v is an *IDTokenError: %v, want %v", err, got, test.wantIDTokenError)
			}
		})
	}

	t.Run("control without repeated members", func(t *testing.T) {
		_, spec := oidcServer(t, standardClaims(""), `{"sub":"`+idTokenSubject+`","name":"Jane"}`)
		p := newProvider(t, "example", spec, WithLogger(slog.New(slog.DiscardHandler)))

		_, profile, err := p.Complete(context.Background(), Callback{Code: testCode})
		if err != nil {
			t.Fatalf("Complete: %v", err)
		}
		if profile.ID != idTokenSubject || profile.Name != "Jane" {
			t.Errorf("profile = %+v, want id %s and name Jane", profile, idTokenSubject)
		}
	})
}
