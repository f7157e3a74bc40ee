package main

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/presetauth/presetauth"
	"github.com/presetauth/presetauth/providers"
	"github.com/presetauth/presetauth/schema"
	"golang.org/x/oauth2"
)

// errProblems means the command found and printed problems; exit status 1.
var errProblems = errors.New("problems found")

func runPresets(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("presets", "", stderr)
	dir := fs.String("dir", "", "folder of extra preset files to list too")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	var opts []presetauth.Option
	if *dir != "" {
		opts = append(opts, presetauth.WithPresetDir(*dir))
	}
	c, err := presetauth.Catalogue(opts...)
	if err != nil {
		return err
	}

	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tDISPLAY NAME")
	for _, name := range c.Names() {
		spec, err := c.Spec(name)
		if err != nil {
			return err
		}
		kind := spec.Type
		if kind == "" {
			kind = "oauth2"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, kind, spec.Name)
	}
	return tw.Flush()
}

func runShow(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("show", "NAME [--config FILE]", stderr)
	config := fs.String("config", "", "deployment file whose provider NAME to show, overrides merged")
	positional, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		fs.Usage()
		return errUsage
	}
	name := positional[0]

	var doc *schema.Document
	if *config == "" {
		c, err := presetauth.Catalogue()
		if err != nil {
			return err
		}
		d, ok := c.Document(name)
		if !ok {
			return fmt.Errorf("unknown preset %q; run 'presetauth presets' to list them", name)
		}
		doc = d
	} else {
		cfg, err := presetauth.LoadFile(*config)
		if err != nil {
			return printProblems(err, stderr)
		}
		for _, r := range cfg.Resolved {
			if r.ID == name {
				doc = r.Merged
			}
		}
		if doc == nil {
			return fmt.Errorf("%s has no provider %q", *config, name)
		}
	}

	out, err := doc.YAML()
	if err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}

func runValidate(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("validate", "FILE", stderr)
	positional, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		fs.Usage()
		return errUsage
	}
	cfg, err := presetauth.LoadFile(positional[0])
	if err != nil {
		return printProblems(err, stderr)
	}
	fmt.Fprintf(stdout, "%s: %d providers, no problems\n", positional[0], len(cfg.Providers))
	return nil
}

// printProblems prints each positioned config error on its own line, as
// FILE:LINE:COL: field.path: message, and returns errProblems.
func printProblems(err error, stderr io.Writer) error {
	list := schema.Errors(err)
	if len(list) == 0 {
		return err
	}
	for _, e := range list {
		fmt.Fprintln(stderr, e.Error()[len("schema: "):])
	}
	return errProblems
}

func runAuthURL(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("authurl", "PROVIDER --config FILE", stderr)
	config := fs.String("config", "", "deployment file (required)")
	redirect := fs.String("redirect-url", "", "redirect URL to send when the provider sets none")
	positional, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(positional) != 1 || *config == "" {
		fs.Usage()
		return errUsage
	}
	cfg, err := presetauth.LoadFile(*config)
	if err != nil {
		return printProblems(err, stderr)
	}
	for _, p := range cfg.Providers {
		if p.ID != positional[0] {
			continue
		}
		if p.Spec.RedirectURL == "" && *redirect == "" {
			return fmt.Errorf("provider %q sets no redirect_url; pass --redirect-url", p.ID)
		}
		fmt.Fprintln(stdout, p.AuthCodeURL(authRequestForDebug(p, *redirect)))
		return nil
	}
	return fmt.Errorf("%s has no provider %q", *config, positional[0])
}

// authRequestForDebug builds an authorization request with a fixed state
// and, where the provider uses them, a fresh PKCE verifier and nonce.
func authRequestForDebug(p *providers.Provider, redirect string) providers.AuthRequest {
	r := providers.AuthRequest{State: "debug-state", RedirectURL: redirect}
	if p.HasCheck("pkce") {
		r.Verifier = oauth2.GenerateVerifier()
	}
	if p.HasCheck("nonce") {
		r.Nonce = "debug-nonce"
	}
	return r
}
