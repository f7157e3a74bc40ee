package schema

import (
	"strings"
	"testing"
)

func TestYAMLRedactsCredentials(t *testing.T) {
	doc := mustParse(t, "auth.yaml", `client_secret: literal-client-secret
token:
  url: https://a.example/token
  headers: {Authorization: "Basic bGl0ZXJhbC1iYXNpYw==", X-Trace: trace-kept}
  params: {api_key: literal-api-key, token_type_hint: access_token}
userinfo:
  url: https://a.example/me
  headers: {X-Api-Key: literal-header-key, Cookie: "session=literal-cookie"}
  include: [{name: e, url: "https://a.example/e", params: {password: literal-password}}]
exchange:
  url: https://a.example/exchange
  params:
    client_secret: "{client_secret}"
    access_token: "{access_token}"
    auth_key: "${AUTH_KEY}"
refresh:
  url: https://a.example/refresh
  headers: {Authorization: "Bearer {access_token}", X-Auth: "${ID}:${SECRET}"}
  params: {secret: "$${NOT_A_REFERENCE}"}
`)
	out, err := doc.YAML()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, literal := range []string{"literal", "bGl0ZXJhbC1iYXNpYw", "NOT_A_REFERENCE"} {
		if strings.Contains(text, literal) {
			t.Errorf("output shows %q:\n%s", literal, text)
		}
	}
	if got := strings.Count(text, "[redacted]"); got != 7 {
		t.Errorf("%d values redacted, want 7:\n%s", got, text)
	}
	for _, kept := range []string{
		"X-Trace: trace-kept",
		"token_type_hint: access_token",
		`client_secret: "{client_secret}"`,
		`access_token: "{access_token}"`,
		`auth_key: "${AUTH_KEY}"`,
		`Authorization: "Bearer {access_token}"`,
		`X-Auth: "${ID}:${SECRET}"`,
	} {
		if !strings.Contains(text, kept) {
			t.Errorf("output lacks %q:\n%s", kept, text)
		}
	}
	if _, err := ParseSpec("printed.yaml", out); err != nil {
		t.Errorf("output does not parse again: %v", err)
	}
}

func TestCredentialName(t *testing.T) {
	credentials := []string{"Authorization", "X-Api-Key", "api_key", "client_secret", "access_token", "Cookie", "Proxy-Authorization", "password", "X-Auth-Token"}
	others := []string{"grant_type", "token_type_hint", "auth_type", "token_access_type", "code_challenge_method", "User-Agent", "scope", "audience"}
	for _, name := range credentials {
		if !isCredentialName(name) {
			t.Errorf("isCredentialName(%q) = false, want true", name)
		}
	}
	for _, name := range others {
		if isCredentialName(name) {
			t.Errorf("isCredentialName(%q) = true, want false", name)
		}
	}
}
