package oauthtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// The endpoints of an emulated OpenID Provider, served only when the
// provider's emulator.yaml has an oidc section.
const (
	EndpointDiscovery Endpoint = "discovery"
	EndpointJWKS      Endpoint = "jwks"
)

// discoveryPath is the path where an issuer publishes its metadata (OpenID Connect
// Discovery 1.0 §4).
const discoveryPath = "/.well-known/openid-configuration"

// oidcSpec is the oidc section of emulator.yaml: the provider is an OpenID
// Provider that publishes a discovery document and a key set, and adds an
// ID token to the token reply of a request with the openid scope.
type oidcSpec struct {
	// Issuer is the real issuer URL. The emulator's issuer is its
	// emulator URL (Server.URLFor), which is also the ID tokens' iss.
	Issuer string `yaml:"issuer"`

	// JWKS is the real URL of the key set; default <issuer>/.well-known/jwks.json.
	JWKS string `yaml:"jwks"`

	// Algorithm signs ID tokens; only RS256 is supported.
	Algorithm string `yaml:"algorithm"`

	// Claims names a JSON file of further ID token claims, such as a
	// provider's documented ID token payload. Without it the claims are
	// the userinfo reply's members. Either way iss, aud, exp, iat, nonce
	// and at_hash are set by the emulator.
	Claims string `yaml:"claims"`

	// IssParameter publishes authorization_response_iss_parameter_supported
	// and adds iss to every redirect back to the client (RFC 9207).
	IssParameter bool `yaml:"iss_parameter"`

	// AccessTokenHash adds at_hash to ID tokens (OpenID Connect Core §3.1.3.6).
	AccessTokenHash bool `yaml:"at_hash"`

	// Lifetime is how long an ID token is valid; default one hour.
	Lifetime time.Duration `yaml:"lifetime"`
}

// registeredClaims are set by the emulator and replace any value in the
// claims file.
var registeredClaims = []string{"iss", "aud", "exp", "iat", "nonce", "at_hash", "azp"}

// loadOIDC checks the oidc section and reads its claims file.
func loadOIDC(fsys fs.FS, dir string, s *oidcSpec) ([]member, error) {
	if s.Algorithm == "" {
		s.Algorithm = string(jose.RS256)
	}
	if s.Lifetime == 0 {
		s.Lifetime = time.Hour
	}
	if s.JWKS == "" {
		s.JWKS = strings.TrimSuffix(s.Issuer, "/") + "/.well-known/jwks.json"
	}

	var errs []error
	if err := checkEndpointURL(s.Issuer); err != nil {
		errs = append(errs, fmt.Errorf("oidc.issuer: %w", err))
	}
	if err := checkEndpointURL(s.JWKS); err != nil {
		errs = append(errs, fmt.Errorf("oidc.jwks: %w", err))
	}
	if s.Algorithm != string(jose.RS256) {
		errs = append(errs, fmt.Errorf("oidc.algorithm: unsupported value %q (allowed: RS256)", s.Algorithm))
	}
	if s.Lifetime < 0 {
		errs = append(errs, errors.New("oidc.lifetime must be positive"))
	}
	if err := errors.Join(errs...); err != nil || s.Claims == "" {
		return nil, err
	}

	reply, err := loadReply(fsys, dir, replySpec{File: s.Claims})
	if err != nil {
		return nil, fmt.Errorf("oidc.claims: %w", err)
	}
	claims, err := objectMembers(reply.Body)
	if err != nil {
		return nil, fmt.Errorf("oidc.claims: %s is not a JSON object: %w", s.Claims, err)
	}
	return claims, nil
}

// checkSubjects returns an error when the claims file and the userinfo
// reply name different subjects, which a client rejects (OpenID Connect
// Core §5.3.2).
func (p *Provider) checkSubjects() error {
	if p.idClaims == nil {
		return nil
	}
	user, err := objectMembers(p.replies["userinfo"].Body)
	if err != nil {
		return nil
	}
	claimed, inClaims := memberValue(p.idClaims, "sub")
	fromUser, inUser := memberValue(user, "sub")
	if inClaims && inUser && string(claimed) != string(fromUser) {
		return fmt.Errorf("oidc.claims: sub %s differs from the userinfo reply's sub %s", claimed, fromUser)
	}
	return nil
}

// oidcURL returns the real URL of an OpenID Provider endpoint, or "".
func (p *Provider) oidcURL(e Endpoint) string {
	o := p.spec.OIDC
	if o == nil {
		return ""
	}
	switch e {
	case EndpointDiscovery:
		return strings.TrimSuffix(o.Issuer, "/") + discoveryPath
	case EndpointJWKS:
		return o.JWKS
	}
	return ""
}

// signingKey is the emulator's ID token key, made when the server starts.
type signingKey struct {
	private *rsa.PrivateKey
	id      string
}

// newSigningKey returns a fresh RSA key, or nil when p is not an OpenID
// Provider.
func newSigningKey(p *Provider) *signingKey {
	if p.spec.OIDC == nil {
		return nil
	}
	// The error is nil here: since Go 1.24 crypto/rand.Reader does not
	// return errors, and 2048 bits is above rsa.GenerateKey's minimum.
	private, _ := rsa.GenerateKey(rand.Reader, 2048)
	thumbprint, _ := (&jose.JSONWebKey{Key: &private.PublicKey}).Thumbprint(crypto.SHA256)
	return &signingKey{private: private, id: base64.RawURLEncoding.EncodeToString(thumbprint[:12])}
}

// Issuer returns the emulated issuer URL (the real issuer mapped by
// [Server.URLFor]), or "" when the provider is not an OpenID Provider.
func (s *Server) Issuer() string {
	if s.provider.spec.OIDC == nil {
		return ""
	}
	return s.URLFor(s.provider.spec.OIDC.Issuer)
}

// issParameter returns the iss value that redirects back to the client
// carry, or "" when the provider sends none.
func (s *Server) issParameter() string {
	if o := s.provider.spec.OIDC; o == nil || !o.IssParameter {
		return ""
	}
	return s.Issuer()
}

// serveOIDC serves the discovery document and the key set.
func (s *Server) serveOIDC(w http.ResponseWriter, r *http.Request, e Endpoint) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.provider.reply(e, "method_not_allowed").write(w)
		return
	}
	var body any
	switch e {
	case EndpointDiscovery:
		body = s.discoveryDocument()
	case EndpointJWKS:
		body = jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
			Key:       &s.key.private.PublicKey,
			KeyID:     s.key.id,
			Algorithm: string(jose.RS256),
			Use:       "sig",
		}}}
	}
	data, err := json.Marshal(body)
	if err != nil {
		Reply{Status: http.StatusInternalServerError, Body: []byte("oauthtest: " + err.Error()), ContentType: "text/plain"}.write(w)
		return
	}
	Reply{Body: data}.write(w)
}

// discoveryDocument returns the provider's metadata with every endpoint on
// the emulator.
func (s *Server) discoveryDocument() map[string]any {
	spec := &s.provider.spec
	doc := map[string]any{
		"issuer":                                s.Issuer(),
		"authorization_endpoint":                s.EndpointURL(EndpointAuthorize),
		"token_endpoint":                        s.EndpointURL(EndpointToken),
		"jwks_uri":                              s.EndpointURL(EndpointJWKS),
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{spec.OIDC.Algorithm},
		"token_endpoint_auth_methods_supported": spec.TokenAuthMethods,
		"grant_types_supported":                 []string{"authorization_code"},
	}
	if u := s.EndpointURL(EndpointUserinfo); u != "" {
		doc["userinfo_endpoint"] = u
	}
	if len(spec.Scopes) > 0 {
		doc["scopes_supported"] = spec.Scopes
	}
	if spec.PKCE != pkceNone {
		doc["code_challenge_methods_supported"] = []string{"S256", "plain"}
	}
	if spec.OIDC.IssParameter {
		doc["authorization_response_iss_parameter_supported"] = true
	}
	return doc
}

// withIDToken adds a signed ID token to the token reply of a code whose
// request had the openid scope. s.mu must be held.
func (s *Server) withIDToken(reply Reply, code *authorizationCode) Reply {
	if s.key == nil || !slices.Contains(code.scopes, "openid") || !isJSON(reply.ContentType) {
		return reply
	}
	members, err := objectMembers(reply.Body)
	if err != nil {
		return reply
	}
	accessToken, _ := memberValue(members, accessTokenField)
	var access string
	_ = json.Unmarshal(accessToken, &access)

	idToken, err := s.signIDToken(code.nonce, access)
	if err != nil {
		slog.Error("oauthtest: cannot sign the ID token", "provider", s.provider.Name(), "err", err)
		return Reply{Status: http.StatusInternalServerError, Body: []byte("oauthtest: " + err.Error()), ContentType: "text/plain"}
	}
	quoted, _ := json.Marshal(idToken)
	members = setMember(members, "id_token", quoted)
	reply.Body = encodeObject(members)
	return reply
}

// signIDToken returns a compact JWS whose claims are the provider's claims
// (the claims file, else the current userinfo reply) with iss, aud, exp,
// iat and, when given, nonce and at_hash. s.mu must be held.
func (s *Server) signIDToken(nonce, accessToken string) (string, error) {
	o := s.provider.spec.OIDC
	claims := s.provider.idClaims
	if claims == nil {
		var err error
		if claims, err = objectMembers(s.user); err != nil {
			return "", fmt.Errorf("userinfo reply is not a JSON object: %w", err)
		}
	}
	claims = slices.DeleteFunc(slices.Clone(claims), func(m member) bool {
		return slices.Contains(registeredClaims, m.key)
	})
	if _, ok := memberValue(claims, "sub"); !ok {
		return "", errors.New("the ID token claims have no sub")
	}

	now := s.now()
	add := func(key string, value any) {
		raw, _ := json.Marshal(value)
		claims = append(claims, member{key: key, value: raw})
	}
	add("iss", s.Issuer())
	add("aud", s.client.ID)
	add("iat", now.Unix())
	add("exp", now.Add(o.Lifetime).Unix())
	if nonce != "" {
		add("nonce", nonce)
	}
	if o.AccessTokenHash && accessToken != "" {
		// OpenID Connect Core §3.1.3.6: the left half of the SHA-256 hash
		// of the access token, for RS256.
		sum := sha256.Sum256([]byte(accessToken))
		add("at_hash", base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2]))
	}

	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: s.key.private, KeyID: s.key.id}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return "", err
	}
	signed, err := signer.Sign(encodeObject(claims))
	if err != nil {
		return "", err
	}
	return signed.CompactSerialize()
}

// memberValue returns the raw value of the member named key.
func memberValue(members []member, key string) (json.RawMessage, bool) {
	for _, m := range members {
		if m.key == key {
			return m.value, true
		}
	}
	return nil, false
}

// setMember replaces the member named key, or appends it.
func setMember(members []member, key string, value json.RawMessage) []member {
	for i, m := range members {
		if m.key == key {
			members[i].value = value
			return members
		}
	}
	return append(members, member{key: key, value: value})
}
