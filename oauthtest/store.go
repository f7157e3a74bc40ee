package oauthtest

import (
	"crypto/rand"
	"encoding/base64"
	"slices"
	"time"
)

// authorizationCode is an issued code with what the token request must match.
type authorizationCode struct {
	redirectURI     string
	scopes          []string // granted scopes
	codeChallenge   string   // empty when the request carried none or PKCE is off
	challengeMethod string   // S256 or plain
	nonce           string   // the ID token's nonce claim
	loginHint       string   // the user the code signs in; see users.go
	expires         time.Time
}

// issuedToken is an access or refresh token the emulator handed out.
type issuedToken struct {
	kind      string // the endpoint that issued an access token, or refreshTokenKind
	loginHint string // the user the token belongs to; see users.go
	issued    time.Time
	expires   time.Time // zero for a token that does not expire
}

// refreshTokenKind marks a refresh_token member minted into a reply, as
// opposed to access tokens, whose kind is the issuing endpoint.
const refreshTokenKind = "refresh_token"

// Pruning: every pruneEvery issues, codes past their expiry and tokens
// expired for longer than tokenGrace are dropped. Within tokenGrace an
// expired token still gets the "expired" reply. After it, the token gets
// the "unknown" reply, like a provider that has deleted old tokens.
const (
	pruneEvery = 1024
	tokenGrace = 7 * 24 * time.Hour
)

// Reasons a token check fails; each is also the name of the reply sent.
const (
	tokenMissing   = "missing_token"
	tokenUnknown   = "unknown_token"
	tokenExpired   = "invalid_token"
	tokenWrongKind = "wrong_kind_token"
)

// randomValue returns prefix followed by 32 random bytes in base64url.
func randomValue(prefix string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error since Go 1.24.
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// issueCode stores c under a fresh code and returns the code. s.mu must be held.
func (s *Server) issueCode(c *authorizationCode) string {
	s.countIssue()
	code := randomValue(s.provider.spec.CodePrefix)
	s.codes[code] = c
	return code
}

// lookupCode returns the stored code if it exists and has not expired. It
// does not consume the code. s.mu must be held.
func (s *Server) lookupCode(code string) *authorizationCode {
	c := s.codes[code]
	if c == nil {
		return nil
	}
	if !s.now().Before(c.expires) {
		delete(s.codes, code)
		return nil
	}
	return c
}

// mintToken stores a fresh token of kind with lifetime (zero: no expiry)
// and returns its value. s.mu must be held.
func (s *Server) mintToken(kind string, lifetime time.Duration) string {
	s.countIssue()
	now := s.now()
	t := &issuedToken{kind: kind, issued: now}
	if lifetime > 0 {
		t.expires = now.Add(lifetime)
	}
	value := randomValue(s.provider.spec.TokenPrefix)
	s.tokens[value] = t
	return value
}

// checkToken returns the token stored under value when it is known, not
// expired and of one of the accepted kinds; otherwise it returns the
// reason. s.mu must be held.
func (s *Server) checkToken(value string, accepts []string) (*issuedToken, string) {
	if value == "" {
		return nil, tokenMissing
	}
	t := s.tokens[value]
	if t == nil {
		return nil, tokenUnknown
	}
	if !t.expires.IsZero() && !s.now().Before(t.expires) {
		return nil, tokenExpired
	}
	if !slices.Contains(accepts, t.kind) {
		return nil, tokenWrongKind
	}
	return t, ""
}

// countIssue prunes expired codes and old tokens once every pruneEvery
// issues, which keeps the cost per request constant on average.
func (s *Server) countIssue() {
	s.issued++
	if s.issued < pruneEvery {
		return
	}
	s.issued = 0

	now := s.now()
	for code, c := range s.codes {
		if !now.Before(c.expires) {
			delete(s.codes, code)
		}
	}
	for value, t := range s.tokens {
		if !t.expires.IsZero() && now.Sub(t.expires) > tokenGrace {
			delete(s.tokens, value)
		}
	}
}
