package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/presetauth/presetauth"
	"github.com/presetauth/presetauth/schema"
)

func runValidate(args []string, stdout, stderr io.Writer) error {
	flags := newFlags("validate", stdout, stderr)
	files, err := parseFlags(flags, args, stdout)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageError(flags, "missing FILE")
	}

	failed := false
	for _, file := range files {
		cfg, err := presetauth.LoadFile(file)
		if err != nil {
			failed = true
			writeProblems(file, err, stderr)
			continue
		}
		ids := make([]string, len(cfg.Providers))
		for i, p := range cfg.Providers {
			ids[i] = p.ID
		}
		noun := "providers"
		if len(ids) == 1 {
			noun = "provider"
		}
		fmt.Fprintf(stdout, "%s: ok, %d %s: %s\n", file, len(ids), noun, strings.Join(ids, ", "))
	}
	if failed {
		return errProblems
	}
	return nil
}

// printProblems prints the problems of a failed load, each on its own
// line, and returns errProblems. An error without positioned problems is
// returned as it is.
func printProblems(err error, stderr io.Writer) error {
	list := schema.Errors(err)
	if len(list) == 0 {
		return err
	}
	for _, e := range list {
		fmt.Fprintln(stderr, formatProblem(e))
	}
	return errProblems
}

// writeProblems prints every problem of loading file, positioned ones as
// FILE:LINE:COL: field.path: message and others as FILE: message.
func writeProblems(file string, err error, stderr io.Writer) {
	list := schema.Errors(err)
	if len(list) == 0 {
		msg := err.Error()
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			msg = pathErr.Err.Error()
		}
		fmt.Fprintf(stderr, "%s: %s\n", file, msg)
		return
	}
	for _, e := range list {
		fmt.Fprintln(stderr, formatProblem(e))
	}
}

// formatProblem writes a schema error without its package prefix, in the
// FILE:LINE:COL: field.path: message form that editors jump to.
func formatProblem(e *schema.Error) string {
	return strings.TrimPrefix(e.Error(), "schema: ")
}
