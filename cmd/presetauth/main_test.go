package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCommand runs the command line args and returns the exit status and
// what was written to stdout and stderr.
func runCommand(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	status := run(args, &stdout, &stderr)
	return status, stdout.String(), stderr.String()
}

// writeFile writes data to name in a fresh temporary folder and returns
// the path.
func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunExitStatus(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		status int
		stdout string // substring expected on stdout
		stderr string // substring expected on stderr
	}{
		{"no arguments", nil, exitUsage, "", "Usage:"},
		{"help flag", []string{"--help"}, exitOK, "Commands:", ""},
		{"help command", []string{"help"}, exitOK, "Commands:", ""},
		{"help for a command", []string{"help", "validate"}, exitOK, "usage: presetauth validate FILE...", ""},
		{"help for an unknown command", []string{"help", "nope"}, exitUsage, "", `unknown command "nope"`},
		{"help with two commands", []string{"help", "show", "serve"}, exitUsage, "", "usage: presetauth help"},
		{"unknown command", []string{"nope"}, exitUsage, "", `presetauth: unknown command "nope"`},
		{"command help flag", []string{"show", "--help"}, exitOK, "Client secrets are redacted", ""},
		{"command short help flag", []string{"serve", "-h"}, exitOK, "-tls", ""},
		{"unknown flag", []string{"presets", "--bogus"}, exitUsage, "", "flag provided but not defined: -bogus"},
		{"extra argument", []string{"presets", "extra"}, exitUsage, "", `unexpected argument "extra"`},
		{"show without a name", []string{"show"}, exitUsage, "", "want one NAME"},
		{"show an unknown preset", []string{"show", "nope"}, exitFailure, "", `presetauth show: unknown preset "nope"`},
		{"validate without a file", []string{"validate"}, exitUsage, "", "missing FILE"},
		{"authurl without config", []string{"authurl", "threads"}, exitUsage, "", "missing --config FILE"},
		{"serve with cert but no key", []string{"serve", "--cert", "c.pem"}, exitUsage, "", "--cert and --key go together"},
		{"serve save-cert without tls", []string{"serve", "--save-cert", "c.pem"}, exitUsage, "", "--save-cert saves the certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, stdout, stderr := runCommand(t, tt.args...)
			if status != tt.status {
				t.Errorf("exit status = %d, want %d\nstdout: %s\nstderr: %s", status, tt.status, stdout, stderr)
			}
			if tt.stdout != "" && !strings.Contains(stdout, tt.stdout) {
				t.Errorf("stdout does not contain %q:\n%s", tt.stdout, stdout)
			}
			if tt.stderr != "" && !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.stderr, stderr)
			}
			if tt.stdout == "" && stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
		})
	}
}

func TestParseFlagsAnyOrder(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		positional []string
		config     string
	}{
		{"flag first", []string{"--config", "a.yaml", "threads"}, []string{"threads"}, "a.yaml"},
		{"flag last", []string{"threads", "--config=a.yaml"}, []string{"threads"}, "a.yaml"},
		{"after dashes", []string{"--config", "a.yaml", "--", "-odd", "--config"}, []string{"-odd", "--config"}, "a.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			fs := newFlags("show", &stdout, &stderr)
			config := fs.String("config", "", "")
			positional, err := parseFlags(fs, tt.args, &stdout)
			if err != nil {
				t.Fatalf("parseFlags: %v (%s)", err, stderr.String())
			}
			if strings.Join(positional, " ") != strings.Join(tt.positional, " ") {
				t.Errorf("positional = %q, want %q", positional, tt.positional)
			}
			if *config != tt.config {
				t.Errorf("config = %q, want %q", *config, tt.config)
			}
		})
	}
}
