// Command presetauth lists and shows provider presets, validates deployment
// files, prints authorization URLs and runs a demo sign-in server.
//
// Usage:
//
//	presetauth presets [--dir DIR]
//	presetauth show NAME [--config FILE]
//	presetauth validate FILE...
//	presetauth authurl PROVIDER --config FILE [--redirect-url URL]
//	presetauth serve [--addr ADDR] [--config FILE] [--tls | --cert FILE --key FILE]
//	presetauth help [COMMAND]
//
// Exit status: 0 on success, 1 when the command fails or finds problems,
// 2 for a command line error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit statuses, as Go commands use them.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// errUsage marks a command line error whose message and usage are already
// printed; run exits with status 2 for it.
var errUsage = errors.New("usage")

// errProblems means the command found and printed problems; exit status 1.
var errProblems = errors.New("problems found")

type command struct {
	name    string
	args    string // the arguments after the name, for the usage line
	summary string
	details string // a paragraph or two for 'presetauth help NAME'
	run     func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{
			name:    "presets",
			args:    "[--dir DIR]",
			summary: "list the presets and what each needs",
			details: `Presets lists the built-in presets, and those of --dir, with their type,
the values a deployment must supply (client_id, client_secret, ${VARS}
the preset refers to) and the provider's quirks that the preset handles.`,
			run: runPresets,
		},
		{
			name:    "show",
			args:    "NAME [--config FILE]",
			summary: "print the effective spec of a preset or provider as YAML",
			details: `Show prints the preset NAME as YAML. With --config it prints the
provider NAME of that deployment file instead: the preset with the
deployment's overrides merged. Client secrets are redacted; the output
can be pasted back as a preset file or a deployment entry.`,
			run: runShow,
		},
		{
			name:    "validate",
			args:    "FILE...",
			summary: "check deployment files and list every problem",
			details: `Validate loads each deployment file as serve would and prints every
problem on its own line as FILE:LINE:COL: field.path: message. ${VARS}
are looked up in the file's variables and then in the environment.
The exit status is 1 when any file has a problem.`,
			run: runValidate,
		},
		{
			name:    "authurl",
			args:    "PROVIDER --config FILE [--redirect-url URL]",
			summary: "print the authorization URL a provider would send",
			details: `Authurl prints the authorization URL that a sign-in with PROVIDER of
the deployment file would redirect to, with a fixed state, for
debugging a provider's scopes and parameters. Nothing is sent to the
authorization endpoint; for an OpenID Connect provider whose spec leaves
the endpoint out, the issuer's discovery document is fetched first.`,
			run: runAuthURL,
		},
		{
			name:    "serve",
			args:    "[--addr ADDR] [--config FILE] [--public-url URL] [--consent] [--tls [--save-cert FILE] | --cert FILE --key FILE]",
			summary: "run the demo sign-in server",
			details: `Serve runs a demo site with a sign-in page, a profile page and
GET /api/profile. Without --config it signs in with the built-in
Threads preset against an emulated Threads in the same process, which
approves every sign-in (--consent shows its Allow / Cancel page), so it
listens on loopback addresses only. The state cookie secret comes from
$PRESETAUTH_SECRET (a --secret flag shows in the process list).

--tls serves HTTPS with a self-signed certificate for 127.0.0.1 and ::1
made at start; its SHA-256 fingerprint is logged and nothing is written
to disk unless --save-cert is given. --cert and --key serve HTTPS with
your own certificate. Threads and other Meta providers accept only https
redirect URIs, so test against them with --tls.`,
			run: runServe,
		},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command line args and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout)
		return exitOK
	case "help":
		return runHelp(args[1:], stdout, stderr)
	}

	c, ok := findCommand(args[0])
	if !ok {
		fmt.Fprintf(stderr, "presetauth: unknown command %q\nRun 'presetauth help' for usage.\n", args[0])
		return exitUsage
	}
	err := c.run(args[1:], stdout, stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		return exitUsage
	case errors.Is(err, errProblems):
		return exitFailure
	}
	// Errors of the root package carry its "presetauth: " prefix, which
	// the line already starts with.
	fmt.Fprintf(stderr, "presetauth %s: %s\n", c.name, strings.TrimPrefix(err.Error(), "presetauth: "))
	return exitFailure
}

func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func runHelp(args []string, stdout, stderr io.Writer) int {
	switch len(args) {
	case 0:
		usage(stdout)
		return exitOK
	case 1:
		c, ok := findCommand(args[0])
		if !ok {
			fmt.Fprintf(stderr, "presetauth help: unknown command %q\nRun 'presetauth help' for the list.\n", args[0])
			return exitUsage
		}
		// The command prints its own usage and flags for --help.
		_ = c.run([]string{"--help"}, stdout, stderr)
		return exitOK
	}
	fmt.Fprintln(stderr, "usage: presetauth help [COMMAND]")
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `presetauth signs users in with OAuth 2.0 and OpenID Connect providers
declared as YAML presets.

Usage:

	presetauth <command> [arguments]

Commands:

`)
	for _, c := range commands() {
		fmt.Fprintf(w, "\t%-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun 'presetauth help <command>' for the arguments and flags of a command.\n")
}

// newFlags returns the flag set of command name. Parse errors are printed
// to stderr with the usage; --help prints the usage to stdout.
func newFlags(name string, stdout, stderr io.Writer) *flag.FlagSet {
	c, _ := findCommand(name)
	fs := flag.NewFlagSet("presetauth "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: presetauth %s %s\n", c.name, c.args)
		if w == stdout {
			fmt.Fprintf(w, "\n%s\n", c.details)
		}
		if hasFlags(fs) {
			fmt.Fprintln(w, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	found := false
	fs.VisitAll(func(*flag.Flag) { found = true })
	return found
}

// parseFlags parses flags that may come before or after the positional
// arguments, and returns the positional ones. A "--" ends the flags.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) ([]string, error) {
	if wantsHelp(args) {
		fs.SetOutput(stdout)
		fs.Usage()
		return nil, flag.ErrHelp
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			// The flag package has printed the error and the usage.
			return nil, errUsage
		}
		consumed := len(args) - fs.NArg()
		rest := fs.Args()
		if consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// wantsHelp reports whether args ask for help before any "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// usageError prints msg and the usage of the command to stderr and returns
// errUsage.
func usageError(fs *flag.FlagSet, format string, args ...any) error {
	fmt.Fprintf(fs.Output(), "%s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.Usage()
	return errUsage
}
