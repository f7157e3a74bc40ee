package main

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestValidateValidFile(t *testing.T) {
	t.Setenv("THREADS_APP_SECRET", "s3cret")
	file := writeFile(t, "auth.yaml", `providers:
  threads:
    client_id: "990602627938098"
    client_secret: ${THREADS_APP_SECRET}
    redirect_url: https://127.0.0.1:8443/auth/callback/threads
`)
	status, stdout, stderr := runCommand(t, "validate", file)
	if status != exitOK {
		t.Fatalf("exit status = %d; stderr: %s", status, stderr)
	}
	if want := file + ": ok, 1 provider: threads\n"; stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
}

// problemLine is the FILE:LINE:COL: field.path: message form.
var problemLine = regexp.MustCompile(`^(.+):(\d+):(\d+): (providers\.[a-z0-9_.\[\]-]+): (.+)$`)

func TestValidateReportsEveryProblem(t *testing.T) {
	file := writeFile(t, "auth.yaml", `providers:
  threads:
    client_id: "1"
    client_secret: x
    scope: [threads_basic]
  staging:
    preset: threads
    client_id: "2"
    client_secret: ${VALIDATE_TEST_UNSET}
  other:
    preset: threads
    client_id: "3"
    client_secret: y
    token: {auth_method: client_secret_jwt}
    redirect_url: http://app.example/cb
`)
	status, stdout, stderr := runCommand(t, "validate", file)
	if status != exitFailure {
		t.Errorf("exit status = %d, want 1", status)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}

	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	want := []struct {
		line, column int
		path, text   string
	}{
		{5, 5, "providers.threads.scope", `unknown key "scope"`},
		{9, 20, "providers.staging.client_secret", "variable VALIDATE_TEST_UNSET is not set"},
		{14, 26, "providers.other.token.auth_method", "client_secret_post, client_secret_basic, none"},
		{15, 19, "providers.other.redirect_url", "use https"},
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), stderr)
	}
	for i, w := range want {
		m := problemLine.FindStringSubmatch(lines[i])
		if m == nil {
			t.Errorf("line %d = %q, not FILE:LINE:COL: field.path: message", i+1, lines[i])
			continue
		}
		got := m[1] + ":" + m[2] + ":" + m[3] + ": " + m[4]
		if wantPrefix := file + ":" + strconv.Itoa(w.line) + ":" + strconv.Itoa(w.column) + ": " + w.path; got != wantPrefix {
			t.Errorf("line %d starts %q, want %q", i+1, got, wantPrefix)
		}
		if !strings.Contains(m[5], w.text) {
			t.Errorf("line %d message %q does not contain %q", i+1, m[5], w.text)
		}
	}
	if strings.Contains(stderr, "presetauth validate:") {
		t.Errorf("problems should be printed without the command prefix:\n%s", stderr)
	}
}

func TestValidateSeveralFiles(t *testing.T) {
	good := writeFile(t, "good.yaml", "providers:\n  threads:\n    client_id: \"1\"\n    client_secret: x\n")
	missing := good + ".missing"

	status, stdout, stderr := runCommand(t, "validate", good, missing)
	if status != exitFailure {
		t.Errorf("exit status = %d, want 1", status)
	}
	if !strings.HasPrefix(stdout, good+": ok") {
		t.Errorf("stdout = %q, want the good file reported ok", stdout)
	}
	if want := missing + ": no such file or directory\n"; stderr != want {
		t.Errorf("stderr = %q, want %q", stderr, want)
	}
}

func TestValidateNoProviders(t *testing.T) {
	file := writeFile(t, "auth.yaml", "providers: {}\n")
	status, stdout, stderr := runCommand(t, "validate", file)
	if status != exitFailure {
		t.Errorf("exit status = %d, want 1", status)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
	if want := file + ":1:12: providers: no providers"; !strings.HasPrefix(stderr, want) {
		t.Errorf("stderr = %q, want it to start with %q", stderr, want)
	}
}

func TestValidateRejectsDevice(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero on this system")
	}
	var stdout, stderr strings.Builder
	code := run([]string{"validate", "/dev/zero"}, &stdout, &stderr)
	if code != exitFailure || !strings.Contains(stderr.String(), "not a regular file") {
		t.Errorf("exit %d, stderr %q; want 1 and \"not a regular file\"", code, stderr.String())
	}
}
