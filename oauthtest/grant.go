package oauthtest

import (
	"net/http"
	"net/url"
)

// followUpGrant serves a grant that trades an access token for another,
// such as the long-lived token exchange or its refresh, with the method,
// parameters and accepted token kinds the provider declares.
func (s *Server) followUpGrant(w http.ResponseWriter, r *http.Request, e Endpoint) {
	g := s.provider.grants[e]
	reply := func(name string) { s.provider.reply(e, name).write(w) }

	if r.Method != g.Method {
		reply("method_not_allowed")
		return
	}
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		params = r.Form // the query and the form body, as a Graph endpoint reads both
	}
	if params.Get("grant_type") != g.GrantType {
		reply("unsupported_grant_type")
		return
	}
	if !s.authenticateGrant(r, g, params) {
		reply("bad_client")
		return
	}

	s.redeemToken(e, g, params.Get(g.TokenParam)).write(w)
}

// redeemToken checks the token a follow-up grant trades and returns the
// reply with a fresh token, or the error reply.
func (s *Server) redeemToken(e Endpoint, g *grant, value string) Reply {
	s.mu.Lock()
	defer s.mu.Unlock()

	token, failure := s.checkToken(value, g.Accepts)
	if failure != "" {
		return s.provider.reply(e, failure)
	}
	if s.now().Sub(token.issued) < g.MinAge {
		return s.provider.reply(e, "refresh_too_early")
	}
	return s.bindLoginHint(s.tokenReply(e, g.reply, g.TokenLifetime), token.loginHint)
}

// authenticateGrant checks the client credentials a follow-up grant takes:
// the token endpoint's client authentication when client_auth is set, and
// the declared secret and client id parameters.
func (s *Server) authenticateGrant(r *http.Request, g *grant, params url.Values) bool {
	if g.ClientAuth && !s.authenticateClient(r, params) {
		return false
	}
	if g.SecretParam != "" && !secretsEqual(params.Get(g.SecretParam), s.client.Secret) {
		return false
	}
	if g.ClientIDParam != "" && params.Get(g.ClientIDParam) != s.client.ID {
		return false
	}
	return true
}
