package oauthtest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// token serves the token endpoint: the authorization_code grant with the
// provider's client authentication methods and PKCE policy.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	reply := func(name string) {
		s.negotiateTokenReply(r, s.provider.reply(EndpointToken, name)).write(w)
	}

	if r.Method != http.MethodPost {
		reply("method_not_allowed")
		return
	}
	if !isForm(r.Header.Get("Content-Type")) {
		reply("invalid_request")
		return
	}
	form := r.PostForm
	if !s.authenticateClient(r, form) {
		reply("bad_client")
		return
	}
	if form.Get("grant_type") != "authorization_code" {
		reply("unsupported_grant_type")
		return
	}

	s.negotiateTokenReply(r, s.redeemCode(form)).write(w)
}

// redeemCode consumes the code of a valid token request and returns the
// token reply, or returns the error reply and keeps the code.
func (s *Server) redeemCode(form url.Values) Reply {
	s.mu.Lock()
	defer s.mu.Unlock()

	code := form.Get("code")
	stored := s.lookupCode(code)
	if stored == nil {
		return s.provider.reply(EndpointToken, "invalid_code")
	}
	if form.Get("redirect_uri") != stored.redirectURI {
		return s.provider.reply(EndpointToken, "redirect_mismatch")
	}
	if stored.codeChallenge != "" &&
		!verifierMatches(form.Get("code_verifier"), stored.codeChallenge, stored.challengeMethod) {
		return s.provider.reply(EndpointToken, "invalid_verifier")
	}
	delete(s.codes, code)

	reply := s.tokenReply(EndpointToken, s.provider.replies["token"], s.provider.spec.TokenLifetime)
	return s.withIDToken(s.bindLoginHint(reply, stored.loginHint), stored)
}

// tokenReply returns the fixture reply with a fresh access token of the
// endpoint's kind, and a fresh refresh token when the fixture has one.
// s.mu must be held.
func (s *Server) tokenReply(e Endpoint, fixture Reply, lifetime time.Duration) Reply {
	values := map[string]string{accessTokenField: s.mintToken(string(e), lifetime)}
	if hasMember(fixture, refreshTokenField) {
		values[refreshTokenField] = s.mintToken(refreshTokenKind, 0)
	}

	reply, err := fixture.clone().withValues(values)
	if err != nil {
		// LoadProvider checked that the fixture has an access_token member,
		// so this is a bug in the emulator.
		slog.Error("oauthtest: cannot put fresh tokens into the reply",
			"provider", s.provider.Name(), "endpoint", e, "err", err)
		return Reply{Status: http.StatusInternalServerError, Body: []byte("oauthtest: " + err.Error())}
	}
	return reply
}

// authenticateClient checks the client authentication of a token request
// against the methods the provider accepts. HTTP Basic credentials are
// form-encoded first (RFC 6749 section 2.3.1), and a request that uses
// Basic must not repeat the secret in the body.
func (s *Server) authenticateClient(r *http.Request, form url.Values) bool {
	id, secret, basic := r.BasicAuth()
	method := authNone
	switch {
	case basic:
		method = authClientSecretBasic
	case form.Has("client_secret"):
		method = authClientSecretPost
	}
	if !slices.Contains(s.provider.spec.TokenAuthMethods, method) {
		return false
	}

	if basic {
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil || form.Has("client_secret") {
			return false
		}
		if form.Has("client_id") && form.Get("client_id") != id {
			return false
		}
	} else {
		id = form.Get("client_id")
		secret = form.Get("client_secret")
	}

	if id != s.client.ID {
		return false
	}
	return method == authNone || secretsEqual(secret, s.client.Secret)
}

func secretsEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// verifierMatches checks a code verifier against the stored challenge
// (RFC 7636 section 4.6).
func verifierMatches(verifier, challenge, method string) bool {
	if !validVerifierSyntax(verifier) {
		return false
	}
	derived := verifier
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		derived = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return secretsEqual(derived, challenge)
}
