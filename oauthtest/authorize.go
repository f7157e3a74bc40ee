package oauthtest

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// authorizationRequest is a checked authorization request, kept while the
// consent page waits for the user's choice.
type authorizationRequest struct {
	redirectURI     string
	scopes          []string
	codeChallenge   string
	challengeMethod string
	nonce           string
	loginHint       string
	state           string
	hasState        bool
	responseMode    string // query, or form_post (see formpost.go)
}

// authorize serves the authorization endpoint. A valid request gets an
// immediate redirect with a code, as if the user had allowed access, or,
// when the client asks for consent, a consent page whose form is posted
// back here. Invalid requests get the provider's error page and never
// redirect. With deny set, a valid request redirects back with the
// provider's denial.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, deny bool) {
	if r.Method == http.MethodPost && s.client.Consent {
		s.consentDecision(w, r, deny)
		return
	}
	if r.Method != http.MethodGet {
		s.provider.reply(EndpointAuthorize, "method_not_allowed").write(w)
		return
	}
	req, reply := s.checkAuthorization(r.URL.Query())
	if reply != "" {
		s.provider.reply(EndpointAuthorize, reply).write(w)
		return
	}

	switch {
	case deny:
		s.redirectBack(w, req, false, http.StatusFound)
	case s.client.Consent:
		s.showConsent(w, r, req)
	default:
		s.redirectBack(w, req, true, http.StatusFound)
	}
}

// checkAuthorization checks the parameters of an authorization request. It
// returns the name of the error reply when the request is invalid.
func (s *Server) checkAuthorization(query url.Values) (*authorizationRequest, string) {
	spec := &s.provider.spec
	if query.Get("client_id") != s.client.ID {
		return nil, "invalid_client_id"
	}
	redirectURI := query.Get("redirect_uri")
	if !s.redirectURIAllowed(redirectURI) {
		return nil, "invalid_redirect_uri"
	}
	if query.Get("response_type") != "code" {
		return nil, "invalid_response_type"
	}
	scopes, ok := s.checkScope(query.Get("scope"))
	if !ok {
		return nil, "invalid_scope"
	}
	challenge, method, ok := checkChallenge(spec.PKCE, query)
	if !ok {
		return nil, "invalid_challenge"
	}
	responseMode, ok := s.checkResponseMode(query.Get("response_mode"), scopes)
	if !ok {
		return nil, "invalid_response_mode"
	}
	return &authorizationRequest{
		redirectURI:     redirectURI,
		scopes:          scopes,
		codeChallenge:   challenge,
		challengeMethod: method,
		nonce:           query.Get("nonce"),
		loginHint:       query.Get("login_hint"),
		state:           query.Get("state"),
		hasState:        query.Has("state"),
		responseMode:    responseMode,
	}, ""
}

// redirectBack sends the browser to the client's redirect URI, with a fresh
// code when allowed and with the provider's denial otherwise.
func (s *Server) redirectBack(w http.ResponseWriter, req *authorizationRequest, allowed bool, status int) {
	spec := &s.provider.spec
	params := url.Values{}
	fragment := ""
	if allowed {
		s.mu.Lock()
		code := s.issueCode(&authorizationCode{
			redirectURI:     req.redirectURI,
			scopes:          req.scopes,
			codeChallenge:   req.codeChallenge,
			challengeMethod: req.challengeMethod,
			nonce:           req.nonce,
			loginHint:       req.loginHint,
			expires:         s.now().Add(spec.CodeLifetime),
		})
		s.mu.Unlock()
		params.Set("code", code)
		fragment = spec.RedirectFragment
	} else {
		for key, value := range spec.Deny {
			params.Set(key, value)
		}
	}
	if req.hasState {
		params.Set("state", req.state)
	}
	if iss := s.issParameter(); iss != "" {
		params.Set("iss", iss)
	}
	if req.responseMode == responseModeFormPost {
		s.postBack(w, req, params)
		return
	}

	w.Header().Set("Location", withParams(req.redirectURI, params)+fragment)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
}

// redirectURIAllowed applies RFC 6749 section 3.1.2 (absolute, no
// fragment), the client's registered list and the provider's rules.
func (s *Server) redirectURIAllowed(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" || strings.Contains(raw, "#") {
		return false
	}
	if len(s.client.RedirectURIs) > 0 && !slices.Contains(s.client.RedirectURIs, raw) {
		return false
	}

	rules := s.provider.spec.RedirectURI
	host := strings.ToLower(u.Hostname())
	if slices.Contains(rules.RejectHosts, host) {
		return false
	}
	if rules.HTTPS && u.Scheme != "https" {
		ip := net.ParseIP(host)
		loopback := u.Scheme == "http" && ip != nil && ip.IsLoopback()
		return s.client.AllowHTTPLoopback && loopback
	}
	return true
}

// checkScope splits scope by the provider's separator and checks it
// against the known and the required scopes. Scopes joined by another
// separator form one unknown scope, so they fail.
func (s *Server) checkScope(scope string) ([]string, bool) {
	spec := &s.provider.spec
	if scope == "" && spec.ScopeOptional {
		return nil, true
	}
	var scopes []string
	for part := range strings.SplitSeq(scope, spec.ScopeSeparator) {
		if part != "" {
			scopes = append(scopes, part)
		}
	}
	if len(scopes) == 0 {
		return nil, false
	}
	for _, sc := range scopes {
		if len(spec.Scopes) > 0 && !slices.Contains(spec.Scopes, sc) {
			return nil, false
		}
	}
	for _, required := range spec.RequiredScopes {
		if !slices.Contains(scopes, required) {
			return nil, false
		}
	}
	return scopes, true
}

// checkChallenge reads the PKCE parameters (RFC 7636 section 4.3) under
// the provider's policy. A provider without PKCE ignores them, as real
// servers ignore unknown parameters, so the returned challenge is empty.
func checkChallenge(policy string, query url.Values) (challenge, method string, ok bool) {
	if policy == pkceNone {
		return "", "", true
	}

	challenge = query.Get("code_challenge")
	method = query.Get("code_challenge_method")
	if challenge == "" {
		return "", "", policy != pkceRequired && method == ""
	}
	if method == "" {
		method = "plain"
	}
	if method != "S256" && method != "plain" {
		return "", "", false
	}
	return challenge, method, validVerifierSyntax(challenge)
}

// validVerifierSyntax checks the RFC 7636 syntax shared by a code verifier
// and a code challenge: 43 to 128 unreserved characters.
func validVerifierSyntax(value string) bool {
	if len(value) < 43 || len(value) > 128 {
		return false
	}
	for _, c := range value {
		unreserved := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			strings.ContainsRune("-._~", c)
		if !unreserved {
			return false
		}
	}
	return true
}

// withParams sets params in the query of base, keeping its other parameters.
func withParams(base string, params url.Values) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	query := u.Query()
	for key, values := range params {
		query[key] = values
	}
	u.RawQuery = query.Encode()
	return u.String()
}
