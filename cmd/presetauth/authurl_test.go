package main

import (
	"net/url"
	"strings"
	"testing"
)

const authURLConfig = `providers:
  threads:
    client_id: "990602627938098"
    client_secret: x
    scopes: [threads_basic, threads_content_publish]
  fixed:
    preset: threads
    client_id: "2"
    client_secret: y
    redirect_url: https://app.example/auth/callback/fixed
`

func TestAuthURL(t *testing.T) {
	config := writeFile(t, "auth.yaml", authURLConfig)
	tests := []struct {
		name     string
		args     []string
		clientID string
		redirect string
	}{
		{"redirect from the flag", []string{"threads", "--config", config, "--redirect-url", "https://127.0.0.1:8443/auth/callback/threads"},
			"990602627938098", "https://127.0.0.1:8443/auth/callback/threads"},
		{"redirect from the spec", []string{"--config", config, "fixed"},
			"2", "https://app.example/auth/callback/fixed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, stdout, stderr := runCommand(t, append([]string{"authurl"}, tt.args...)...)
			if status != exitOK {
				t.Fatalf("exit status = %d; stderr: %s", status, stderr)
			}
			u, err := url.Parse(strings.TrimSpace(stdout))
			if err != nil {
				t.Fatalf("output %q is not a URL: %v", stdout, err)
			}
			if got := u.Scheme + "://" + u.Host + u.Path; got != "https://threads.net/oauth/authorize" {
				t.Errorf("endpoint = %q", got)
			}
			query := u.Query()
			want := map[string]string{
				"client_id":     tt.clientID,
				"redirect_uri":  tt.redirect,
				"response_type": "code",
				"state":         debugState,
			}
			if tt.clientID == "990602627938098" {
				want["scope"] = "threads_basic,threads_content_publish"
			}
			for key, value := range want {
				if got := query.Get(key); got != value {
					t.Errorf("%s = %q, want %q", key, got, value)
				}
			}
		})
	}
}

func TestAuthURLFailures(t *testing.T) {
	config := writeFile(t, "auth.yaml", authURLConfig)
	broken := writeFile(t, "broken.yaml", "providers:\n  threads:\n    client_id: \"1\"\n    client_secret: x\n    scope: [a]\n")
	tests := []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"unknown provider", []string{"nope", "--config", config}, exitFailure, `has no provider "nope"; its providers are threads, fixed`},
		{"no redirect URL", []string{"threads", "--config", config}, exitFailure, "sets no redirect_url; pass --redirect-url"},
		{"broken config", []string{"threads", "--config", broken}, exitFailure, `broken.yaml:5:5: providers.threads.scope: unknown key "scope"`},
		{"two providers", []string{"threads", "fixed", "--config", config}, exitUsage, "want one PROVIDER, got 2 arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, stdout, stderr := runCommand(t, append([]string{"authurl"}, tt.args...)...)
			if status != tt.status {
				t.Errorf("exit status = %d, want %d", status, tt.status)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.stderr)
			}
		})
	}
}
