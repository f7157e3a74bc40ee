package providers

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/presetauth/presetauth/schema"
	"github.com/tidwall/gjson"
	"golang.org/x/oauth2"
)

// Errors of ID token handling, for errors.Is. They come wrapped in an
// *IDTokenError.
var (
	ErrMissingIDToken   = errors.New("token reply has no id_token")
	ErrNonceMismatch    = errors.New("ID token nonce does not match the sign-in's nonce")
	ErrSubjectMismatch  = errors.New("userinfo sub differs from the ID token's sub")
	ErrDiscoveryInvalid = errors.New("discovery document is invalid")
)

// IDTokenError is an ID token that failed verification: signature,
// issuer, audience, expiry, nonce or access token hash.
type IDTokenError struct {
	Provider string
	Err      error
}

func (e *IDTokenError) Error() string {
	return fmt.Sprintf("providers: %s: ID token rejected: %v", e.Provider, e.Err)
}

func (e *IDTokenError) Unwrap() error { return e.Err }

// endpoints are the URLs and capabilities in effect: the spec's, completed
// by discovery for type oidc.
type endpoints struct {
	authorization, token, userinfo, jwks string
	issuer                               string

	// issParameter is the discovery document's
	// authorization_response_iss_parameter_supported (RFC 9207 §3).
	issParameter bool
	pkceS256     bool
	algorithms   []string
	verifier     *oidc.IDTokenVerifier
}

// discoveryDocument holds the fields of an OpenID Provider's metadata
// (OpenID Connect Discovery 1.0 §3) that presetauth uses.
type discoveryDocument struct {
	Issuer                        string   `json:"issuer"`
	AuthorizationEndpoint         string   `json:"authorization_endpoint"`
	TokenEndpoint                 string   `json:"token_endpoint"`
	UserinfoEndpoint              string   `json:"userinfo_endpoint"`
	JWKSURI                       string   `json:"jwks_uri"`
	IDTokenSigningAlgValues       []string `json:"id_token_signing_alg_values_supported"`
	CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported"`
	IssParameterSupported         bool     `json:"authorization_response_iss_parameter_supported"`
}

// specEndpoints returns the endpoints the spec declares.
func specEndpoints(spec *schema.Spec) *endpoints {
	ep := &endpoints{
		authorization: spec.Authorization.URL,
		token:         spec.Token.URL,
		jwks:          spec.IDToken.JWKSURL,
		issuer:        spec.Issuer,
		algorithms:    spec.IDToken.Algorithms,
	}
	if spec.Userinfo != nil {
		ep.userinfo = spec.Userinfo.URL
	}
	return ep
}

// needsDiscovery reports whether the spec leaves endpoints to discovery.
func (p *Provider) needsDiscovery() bool {
	if p.Spec.Type != "oidc" {
		return false
	}
	s := p.Spec
	return s.Authorization.URL == "" || s.Token.URL == "" || s.IDToken.JWKSURL == ""
}

// Discover completes the spec's endpoints from the issuer's discovery
// document (type oidc) and prepares ID token verification. Endpoints in the
// spec win over discovered ones. It runs once; a failed attempt is retried
// on the next call. Providers of type oauth2 need no discovery, and the
// call returns at once.
func (p *Provider) Discover(ctx context.Context) error {
	if p.Spec.Type != "oidc" {
		return nil
	}
	if ctx == nil {
		return &RequestError{Provider: p.ID, Endpoint: "discovery", Err: errNilContext}
	}
	if p.current.Load().verifier != nil {
		return nil
	}
	p.discoverMu.Lock()
	defer p.discoverMu.Unlock()
	if p.current.Load().verifier != nil {
		return nil
	}

	ep := specEndpoints(p.Spec)
	if p.needsDiscovery() || p.Spec.Userinfo == nil {
		doc, err := p.fetchDiscovery(ctx)
		if err != nil {
			if p.needsDiscovery() {
				return err
			}
			p.logger.Warn("OpenID Connect discovery failed; using the spec's endpoints", "provider", p.ID, "error", err)
		} else {
			ep.fill(doc)
		}
	}
	if ep.authorization == "" || ep.token == "" || ep.jwks == "" {
		return fmt.Errorf("providers: %s: %w: it lacks the authorization, token or jwks_uri endpoint; set them in the spec", p.ID, ErrDiscoveryInvalid)
	}
	if len(ep.algorithms) == 0 {
		ep.algorithms = []string{oidc.RS256}
	}

	keyContext := oidc.ClientContext(context.Background(), p.keyClient(ctx))
	keys := oidc.NewRemoteKeySet(keyContext, ep.jwks)
	ep.verifier = oidc.NewVerifier(ep.issuer, keys, &oidc.Config{
		ClientID:             p.Spec.ClientID,
		SupportedSigningAlgs: ep.algorithms,
		Now:                  p.now,
	})
	p.current.Store(ep)
	p.logger.Info("OpenID Connect provider ready", "provider", p.ID, "issuer", ep.issuer)
	return nil
}

// fill completes ep with the discovered values it lacks.
func (ep *endpoints) fill(doc *discoveryDocument) {
	set := func(field *string, value string) {
		if *field == "" {
			*field = value
		}
	}
	set(&ep.authorization, doc.AuthorizationEndpoint)
	set(&ep.token, doc.TokenEndpoint)
	set(&ep.userinfo, doc.UserinfoEndpoint)
	set(&ep.jwks, doc.JWKSURI)
	if len(ep.algorithms) == 0 {
		ep.algorithms = doc.IDTokenSigningAlgValues
	}
	ep.issParameter = doc.IssParameterSupported
	for _, m := range doc.CodeChallengeMethodsSupported {
		if m == "S256" {
			ep.pkceS256 = true
		}
	}
}

func (p *Provider) fetchDiscovery(ctx context.Context) (*discoveryDocument, error) {
	address := p.Spec.Discovery
	if address == "" {
		address = strings.TrimSuffix(p.Spec.Issuer, "/") + "/.well-known/openid-configuration"
	}
	req, err := newRequest(http.MethodGet, address, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("providers: %s: invalid discovery URL: %w", p.ID, err)
	}
	r, err := p.send(ctx, "discovery", req)
	if err != nil {
		return nil, err
	}
	if r.status != http.StatusOK {
		return nil, &ReplyError{Provider: p.ID, Endpoint: "discovery", Status: r.status, ContentType: r.contentType, Err: ErrUnexpectedStatus}
	}
	if !gjson.ValidBytes(r.body) || !gjson.ParseBytes(r.body).IsObject() {
		return nil, &ReplyError{Provider: p.ID, Endpoint: "discovery", Status: r.status, ContentType: r.contentType, Err: fmt.Errorf("%w: expected a JSON object", ErrMalformedReply)}
	}

	var doc discoveryDocument
	if err := json.Unmarshal(r.body, &doc); err != nil {
		return nil, &ReplyError{Provider: p.ID, Endpoint: "discovery", Status: r.status, Err: fmt.Errorf("%w: %v", ErrDiscoveryInvalid, err)}
	}
	// OpenID Connect Discovery §4.3: the issuer must equal the one the
	// document was fetched for, or a provider could speak for another.
	if doc.Issuer != p.Spec.Issuer {
		return nil, fmt.Errorf("providers: %s: %w: issuer %q differs from the spec's issuer %q", p.ID, ErrDiscoveryInvalid, doc.Issuer, p.Spec.Issuer)
	}
	for name, u := range map[string]string{
		"authorization_endpoint": doc.AuthorizationEndpoint,
		"token_endpoint":         doc.TokenEndpoint,
		"userinfo_endpoint":      doc.UserinfoEndpoint,
		"jwks_uri":               doc.JWKSURI,
	} {
		if u == "" {
			continue
		}
		if err := schema.CheckEndpointURL(u); err != nil {
			return nil, fmt.Errorf("providers: %s: %w: %s: %v", p.ID, ErrDiscoveryInvalid, name, err)
		}
	}
	return &doc, nil
}

// keyClient returns the client that fetches the key set: the caller's,
// with the provider's timeout and a cap on the reply size.
func (p *Provider) keyClient(ctx context.Context) *http.Client {
	c := *p.client(ctx)
	if c.Timeout == 0 || c.Timeout > p.timeout {
		c.Timeout = p.timeout
	}
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = limitTransport{base: base, max: p.maxReply}
	return &c
}

// limitTransport caps the bodies of replies it returns.
type limitTransport struct {
	base http.RoundTripper
	max  int64
}

func (t limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{ReadCloser: resp.Body, left: t.max}
	return resp, nil
}

type limitedBody struct {
	io.ReadCloser
	left int64
}

func (b *limitedBody) Read(buf []byte) (int, error) {
	if b.left <= 0 {
		return 0, ErrReplyTooLarge
	}
	if int64(len(buf)) > b.left {
		buf = buf[:b.left]
	}
	n, err := b.ReadCloser.Read(buf)
	b.left -= int64(n)
	return n, err
}

// verifyIDToken checks the ID token of tok and returns its claims as JSON.
func (p *Provider) verifyIDToken(ctx context.Context, tok *oauth2.Token, nonce string) ([]byte, string, error) {
	ep := p.current.Load()
	if ep.verifier == nil {
		if err := p.Discover(ctx); err != nil {
			return nil, "", err
		}
		ep = p.current.Load()
	}
	fail := func(err error) ([]byte, string, error) {
		return nil, "", &IDTokenError{Provider: p.ID, Err: err}
	}

	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return fail(ErrMissingIDToken)
	}
	idToken, err := ep.verifier.Verify(oidc.ClientContext(ctx, p.keyClient(ctx)), raw)
	if err != nil {
		return fail(err)
	}
	if nonce != "" && subtle.ConstantTimeCompare([]byte(idToken.Nonce), []byte(nonce)) != 1 {
		return fail(ErrNonceMismatch)
	}
	if idToken.AccessTokenHash != "" {
		if err := idToken.VerifyAccessToken(tok.AccessToken); err != nil {
			return fail(err)
		}
	}

	var claims json.RawMessage
	if err := idToken.Claims(&claims); err != nil {
		return fail(err)
	}
	// go-oidc read the subject with encoding/json, which keeps the last of
	// repeated members, and the profile mapping reads the first.
	if err := checkMembers(gjson.ParseBytes(claims), 0); err != nil {
		return fail(err)
	}
	return claims, idToken.Subject, nil
}
