// Package providers turns a validated spec into a runtime provider: the
// authorization URL, the code exchange, follow-up token steps (long-lived
// exchange, refresh), the userinfo request, provider error parsing and the
// gjson profile mapping. Cookies and HTTP handlers belong to package oauth.
//
// The token requests are sent and parsed here rather than by x/oauth2,
// because its Exchange decodes extra reply fields into float64 (changing
// ids above 2^53) and cannot read a 200 reply that carries an error. The
// results are still *oauth2.Token values, so TokenSource and Client work.
package providers

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/presetauth/presetauth/schema"
	"golang.org/x/oauth2"
)

// Defaults for [Option] values.
const (
	DefaultTimeout  = 10 * time.Second
	DefaultMaxReply = 1 << 20 // 1 MiB; token and profile replies are a few KiB
)

// Provider is one configured provider, safe for concurrent use. Build it
// with [New]; the zero value is not usable.
type Provider struct {
	ID   string
	Spec *schema.Spec

	config    oauth2.Config
	separator string
	profile   *Mapping
	errors    errorMapping
	timeout   time.Duration
	maxReply  int64
	logger    *slog.Logger
	now       func() time.Time

	// current holds the endpoints in effect; Discover replaces them.
	current    atomic.Pointer[endpoints]
	discoverMu sync.Mutex
}

// Option changes a default of [New].
type Option func(*Provider)

// WithTimeout sets the time limit of each request to the provider. Zero
// or less keeps DefaultTimeout.
func WithTimeout(d time.Duration) Option {
	return func(p *Provider) {
		if d > 0 {
			p.timeout = d
		}
	}
}

// WithMaxReply sets the largest reply body, in bytes, that is read. Zero
// or less keeps DefaultMaxReply.
func WithMaxReply(n int64) Option {
	return func(p *Provider) {
		if n > 0 {
			p.maxReply = n
		}
	}
}

// WithLogger sets the logger. Nil keeps the default, slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(p *Provider) {
		if l != nil {
			p.logger = l
		}
	}
}

// WithClock sets the clock used for token expiry, for tests. Nil keeps
// time.Now.
func WithClock(now func() time.Time) Option {
	return func(p *Provider) {
		if now != nil {
			p.now = now
		}
	}
}

// reservedParams are set by the flow itself; a spec must not override them.
var reservedParams = []string{"client_id", "redirect_uri", "response_type", "state", "code_challenge", "code_challenge_method", "nonce"}

// New builds a provider from a resolved spec. It compiles the profile and
// error mappings, so a request never parses YAML or compiles a path.
func New(id string, spec *schema.Spec, opts ...Option) (*Provider, error) {
	if spec == nil {
		return nil, fmt.Errorf("providers: %s: nil spec; pass a spec that schema resolved", id)
	}
	p := &Provider{
		ID:        id,
		Spec:      spec,
		separator: spec.ScopeSeparator,
		timeout:   DefaultTimeout,
		maxReply:  DefaultMaxReply,
		logger:    slog.Default(),
		now:       time.Now,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(p)
		}
	}
	if p.separator == "" {
		p.separator = " "
	}

	for _, name := range reservedParams {
		if _, ok := spec.Authorization.Params[name]; ok {
			return nil, fmt.Errorf("providers: %s: authorization.params.%s is set by the sign-in flow; remove it", id, name)
		}
	}

	style := oauth2.AuthStyleInParams
	if spec.Token.AuthMethod == "client_secret_basic" {
		style = oauth2.AuthStyleInHeader
	}
	p.config = oauth2.Config{
		ClientID:     spec.ClientID,
		ClientSecret: spec.ClientSecret.Value(),
		Endpoint: oauth2.Endpoint{
			AuthURL:   spec.Authorization.URL,
			TokenURL:  spec.Token.URL,
			AuthStyle: style,
		},
		RedirectURL: spec.RedirectURL,
	}

	var err error
	if p.profile, err = NewMapping(spec.Profile); err != nil {
		return nil, fmt.Errorf("providers: %s: %w", id, err)
	}
	p.errors = newErrorMapping(spec.Errors)
	p.current.Store(specEndpoints(spec))
	return p, nil
}

// Name returns the display name of the provider.
func (p *Provider) Name() string { return p.Spec.Name }

// HasCheck reports whether the spec's checks list name, "pkce" or "nonce".
// State is always checked.
func (p *Provider) HasCheck(name string) bool {
	for _, c := range p.Spec.Checks {
		if c == name {
			return true
		}
	}
	return false
}

// UsesPKCE reports whether sign-ins send a PKCE S256 challenge. They do when
// the spec's checks list pkce, or when the discovery document lists S256.
func (p *Provider) UsesPKCE() bool {
	return p.HasCheck("pkce") || p.current.Load().pkceS256
}

// UsesNonce reports whether sign-ins send a nonce. They do when the spec's
// checks list nonce, and always for type oidc.
func (p *Provider) UsesNonce() bool {
	return p.HasCheck("nonce") || p.Spec.Type == "oidc"
}

// Issuer returns the issuer that an authorization response's iss
// parameter must equal, or "" when the provider has none.
func (p *Provider) Issuer() string { return p.current.Load().issuer }

// RequiresIssuerParameter reports whether every authorization response
// must carry iss, because the discovery document declares that the
// provider sends it (RFC 9207 §2.4).
func (p *Provider) RequiresIssuerParameter() bool { return p.current.Load().issParameter }

// Config returns a copy of the x/oauth2 config, for code that wants to use
// x/oauth2 directly. Its Scopes are empty because the joined scope goes in
// the authorization URL's parameters; see [Provider.AuthCodeURL].
func (p *Provider) Config() *oauth2.Config {
	c := p.config
	return &c
}

// AuthRequest holds the values of one authorization request.
type AuthRequest struct {
	State       string
	RedirectURL string // empty means the spec's redirect_url
	Verifier    string // PKCE code verifier; empty sends no challenge
	Nonce       string // OpenID Connect nonce; empty sends none
}

// AuthCodeURL returns the URL that starts a sign-in at the provider. The
// scope is the spec's scopes joined by its separator, unless the spec sets
// authorization.params.scope, which then wins.
func (p *Provider) AuthCodeURL(r AuthRequest) string {
	c := p.config
	c.Endpoint.AuthURL = p.current.Load().authorization
	if r.RedirectURL != "" {
		c.RedirectURL = r.RedirectURL
	}

	opts := make([]oauth2.AuthCodeOption, 0, len(p.Spec.Authorization.Params)+3)
	if _, ok := p.Spec.Authorization.Params["scope"]; !ok && len(p.Spec.Scopes) > 0 {
		opts = append(opts, oauth2.SetAuthURLParam("scope", strings.Join(p.Spec.Scopes, p.separator)))
	}
	for name, value := range p.Spec.Authorization.Params {
		opts = append(opts, oauth2.SetAuthURLParam(name, value))
	}
	if r.Verifier != "" {
		opts = append(opts, oauth2.S256ChallengeOption(r.Verifier))
	}
	if r.Nonce != "" {
		opts = append(opts, oauth2.SetAuthURLParam("nonce", r.Nonce))
	}
	return c.AuthCodeURL(r.State, opts...)
}

// Scopes returns the scopes granted in a token reply, split by the
// provider's separator. A reply that lists them as a JSON array works too.
// A nil token has no scopes.
func (p *Provider) Scopes(tok *oauth2.Token) []string {
	if tok == nil {
		return nil
	}
	switch v := tok.Extra("scope").(type) {
	case string:
		return splitScopes(v, p.separator)
	case []any:
		out := make([]string, 0, len(v))
		for _, s := range v {
			if str, ok := s.(string); ok {
				out = append(out, str)
			}
		}
		return out
	}
	return nil
}

func splitScopes(s, sep string) []string {
	var out []string
	for _, part := range strings.Split(s, sep) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
