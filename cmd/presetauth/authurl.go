package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/presetauth/presetauth"
	"github.com/presetauth/presetauth/providers"
	"golang.org/x/oauth2"
)

// debugState is the state parameter of a printed authorization URL. A
// real sign-in uses 32 random bytes instead.
const debugState = "debug-state"

func runAuthURL(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("authurl", stdout, stderr)
	config := fs.String("config", "", "deployment file that declares PROVIDER (required)")
	redirect := fs.String("redirect-url", "", "redirect URL to send when the provider's spec sets none, such as https://127.0.0.1:8443/auth/callback/PROVIDER")
	positional, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	switch {
	case len(positional) != 1:
		return usageError(fs, "want one PROVIDER, got %d arguments", len(positional))
	case *config == "":
		return usageError(fs, "missing --config FILE")
	}
	id := positional[0]

	cfg, err := presetauth.LoadFile(*config)
	if err != nil {
		return printProblems(err, stderr)
	}
	var ids []string
	for _, p := range cfg.Providers {
		ids = append(ids, p.ID)
		if p.ID != id {
			continue
		}
		if p.Spec.RedirectURL == "" && *redirect == "" {
			return fmt.Errorf("provider %q sets no redirect_url; pass --redirect-url", p.ID)
		}
		if p.Spec.Type == "oidc" && p.Spec.Authorization.URL == "" {
			// The authorization endpoint comes from the issuer's
			// discovery document, as in a real sign-in.
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if err := p.Discover(ctx); err != nil {
				return err
			}
		}
		fmt.Fprintln(stdout, p.AuthCodeURL(debugAuthRequest(p, *redirect)))
		return nil
	}
	return fmt.Errorf("%s has no provider %q; its providers are %s", *config, id, strings.Join(ids, ", "))
}

// debugAuthRequest builds an authorization request with a fixed state
// and, where the provider uses them, a fresh PKCE verifier and a fixed
// nonce.
func debugAuthRequest(p *providers.Provider, redirect string) providers.AuthRequest {
	r := providers.AuthRequest{State: debugState, RedirectURL: redirect}
	if p.UsesPKCE() {
		r.Verifier = oauth2.GenerateVerifier()
	}
	if p.UsesNonce() {
		r.Nonce = "debug-nonce"
	}
	return r
}
