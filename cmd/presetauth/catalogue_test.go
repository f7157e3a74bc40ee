package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/presetauth/presetauth/schema"
)

func TestPresetsListsNeeds(t *testing.T) {
	status, stdout, stderr := runCommand(t, "presets")
	if status != exitOK {
		t.Fatalf("exit status = %d; stderr: %s", status, stderr)
	}
	for _, want := range []string{
		"threads\tThreads (oauth2)",
		"needs:    client_id, client_secret\n",
		`scopes joined by ","`,
		"client authentication: client_secret_post",
		"long-lived token exchange after sign-in (th_exchange_token)",
		"token refresh (th_refresh_token), 168h before expiry",
		"token lifetime 1h when the token reply has no expires_in",
		"no email in the profile",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestPresetsFromDir(t *testing.T) {
	dir := t.TempDir()
	preset := `name: Acme
authorization: {url: "https://${TENANT}.acme.example/authorize"}
token: {url: "https://${TENANT}.acme.example/token", auth_method: none}
userinfo: https://api.acme.example/me?fields=$${literal}
checks: [state, pkce]
profile: {id: sub, email: mail}
`
	if err := os.WriteFile(filepath.Join(dir, "acme.yaml"), []byte(preset), 0o600); err != nil {
		t.Fatal(err)
	}

	status, stdout, stderr := runCommand(t, "presets", "--dir", dir)
	if status != exitOK {
		t.Fatalf("exit status = %d; stderr: %s", status, stderr)
	}
	block := stdout[strings.Index(stdout, "acme\t"):]
	block = block[:strings.Index(block, "\n\n")+1]
	if !strings.Contains(block, "needs:    client_id, ${TENANT}\n") {
		t.Errorf("acme needs no client_secret (auth_method none) and ${TENANT} once:\n%s", block)
	}
	if !strings.Contains(block, "checks: pkce") {
		t.Errorf("acme block lacks its pkce check:\n%s", block)
	}
	if strings.Contains(block, "no email") {
		t.Errorf("acme maps an email, but the block says it has none:\n%s", block)
	}
	if !strings.Contains(stdout, "threads\t") {
		t.Errorf("built-in presets are missing:\n%s", stdout)
	}
}

func TestShowPresetIsReusable(t *testing.T) {
	status, stdout, stderr := runCommand(t, "show", "threads")
	if status != exitOK {
		t.Fatalf("exit status = %d; stderr: %s", status, stderr)
	}
	doc, err := schema.ParseSpec("shown.yaml", []byte(stdout))
	if err != nil {
		t.Fatalf("output does not parse as a spec: %v\n%s", err, stdout)
	}
	spec, err := doc.Resolve(schema.ResolveOptions{Preset: true})
	if err != nil {
		t.Fatalf("output does not resolve as a preset: %v", err)
	}
	if spec.Name != "Threads" || spec.ScopeSeparator != "," || spec.Exchange == nil {
		t.Errorf("shown spec lost values: name %q, separator %q, exchange %v", spec.Name, spec.ScopeSeparator, spec.Exchange)
	}
}

func TestShowWithConfig(t *testing.T) {
	config := writeFile(t, "auth.yaml", `providers:
  threads:
    client_id: "990602627938098"
    client_secret: literal-secret-value
    redirect_url: https://127.0.0.1:8443/auth/callback/threads
    scopes: [threads_basic, threads_content_publish]
    exchange: null
  staging:
    preset: threads
    client_id: "1"
    client_secret: ${STAGING_SECRET}
`)
	t.Setenv("STAGING_SECRET", "from-the-environment")

	status, stdout, stderr := runCommand(t, "show", "threads", "--config", config)
	if status != exitOK {
		t.Fatalf("exit status = %d; stderr: %s", status, stderr)
	}
	if strings.Contains(stdout, "literal-secret-value") {
		t.Errorf("output shows the client secret:\n%s", stdout)
	}
	if !strings.HasPrefix(stdout, "# Literal credentials are shown as [redacted]") {
		t.Errorf("output does not start with the redaction note:\n%s", stdout)
	}
	doc, err := schema.ParseSpec("shown.yaml", []byte(stdout))
	if err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	spec, err := doc.Resolve(schema.ResolveOptions{Preset: true})
	if err != nil {
		t.Fatalf("output does not resolve: %v", err)
	}
	if len(spec.Scopes) != 2 || spec.Exchange != nil || spec.Refresh == nil || spec.Token.AuthMethod != "client_secret_post" {
		t.Errorf("merge not shown: scopes %q, exchange %v, refresh %v, auth method %q", spec.Scopes, spec.Exchange, spec.Refresh, spec.Token.AuthMethod)
	}

	status, stdout, _ = runCommand(t, "show", "staging", "--config", config)
	if status != exitOK {
		t.Fatalf("show staging: exit status = %d", status)
	}
	if !strings.Contains(stdout, "client_secret: ${STAGING_SECRET}") || strings.Contains(stdout, "from-the-environment") {
		t.Errorf("a ${VAR} secret should be shown as the reference only:\n%s", stdout)
	}

	status, _, stderr = runCommand(t, "show", "nope", "--config", config)
	if status != exitFailure || !strings.Contains(stderr, `has no provider "nope"; its providers are threads, staging`) {
		t.Errorf("unknown provider: exit status %d, stderr %q", status, stderr)
	}
}

func TestShortDuration(t *testing.T) {
	tests := map[time.Duration]string{
		168 * time.Hour:            "168h",
		time.Hour + 30*time.Minute: "1h30m",
		90 * time.Second:           "1m30s",
		10 * time.Minute:           "10m",
		time.Hour + 30*time.Second: "1h0m30s",
		1500 * time.Millisecond:    "1.5s",
	}
	for d, want := range tests {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestShowKeepsPlaceholders(t *testing.T) {
	status, stdout, stderr := runCommand(t, "show", "threads")
	if status != exitOK {
		t.Fatalf("exit status = %d; stderr: %s", status, stderr)
	}
	if strings.Contains(stdout, "[redacted]") || strings.Contains(stdout, "# Literal credentials") {
		t.Errorf("a preset without credentials was redacted:\n%s", stdout)
	}
	if !strings.Contains(stdout, `client_secret: "{client_secret}"`) {
		t.Errorf("the exchange step's {client_secret} placeholder is missing:\n%s", stdout)
	}
}

func TestShowRedactsCredentialHeaders(t *testing.T) {
	config := writeFile(t, "auth.yaml", `providers:
  threads:
    client_id: "1"
    client_secret: ${THREADS_SECRET}
    token:
      headers: {Authorization: "Basic bGl0ZXJhbC1iYXNpYw=="}
      params: {api_key: literal-param-key}
    userinfo:
      headers: {X-Api-Key: literal-header-key, X-Request-Id: kept-value}
`)
	t.Setenv("THREADS_SECRET", "from-the-environment")

	status, stdout, stderr := runCommand(t, "show", "threads", "--config", config)
	if status != exitOK {
		t.Fatalf("exit status = %d; stderr: %s", status, stderr)
	}
	for _, literal := range []string{"bGl0ZXJhbC1iYXNpYw", "literal-param-key", "literal-header-key", "from-the-environment"} {
		if strings.Contains(stdout, literal) {
			t.Errorf("output shows %q:\n%s", literal, stdout)
		}
	}
	for _, kept := range []string{"X-Request-Id: kept-value", "client_secret: ${THREADS_SECRET}", `client_secret: "{client_secret}"`} {
		if !strings.Contains(stdout, kept) {
			t.Errorf("output lacks %q:\n%s", kept, stdout)
		}
	}
	if !strings.HasPrefix(stdout, "# Literal credentials are shown as [redacted]") || !strings.Contains(stdout, "password or cookie") {
		t.Errorf("output does not start with a note naming what is redacted:\n%s", stdout)
	}
}
