// Command presetauth lists and shows provider presets, validates deployment
// files, prints authorization URLs and runs a demo sign-in server.
//
// Usage:
//
//	presetauth presets
//	presetauth show NAME [--config FILE]
//	presetauth validate FILE
//	presetauth authurl PROVIDER --config FILE
//	presetauth serve [--addr 127.0.0.1:8080] [--config FILE] [--secret S]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// errUsage marks a command line error; main exits with status 2 for it.
var errUsage = errors.New("usage")

type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"presets", "list the built-in presets", runPresets},
		{"show", "print the effective spec of a preset or provider as YAML", runShow},
		{"validate", "check a deployment file and list every problem", runValidate},
		{"authurl", "print the authorization URL a provider would send", runAuthURL},
		{"serve", "run the demo sign-in server", runServe},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(args[1:], stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		case errors.Is(err, errProblems):
			return 1
		}
		fmt.Fprintf(stderr, "presetauth %s: %v\n", c.name, err)
		return 1
	}
	fmt.Fprintf(stderr, "presetauth: unknown command %q; run 'presetauth --help' for the list\n", args[0])
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "presetauth signs users in with OAuth 2.0 and OpenID Connect providers declared as YAML presets.")
	fmt.Fprintln(w, "\nUsage:\n\n\tpresetauth <command> [arguments]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "\t%-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'presetauth <command> --help' for the flags of a command.")
}

// newFlags returns a flag set that reports errors as usage errors.
func newFlags(name, args string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("presetauth "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: presetauth %s %s\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses flags that may come before or after the positional
// arguments, and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
