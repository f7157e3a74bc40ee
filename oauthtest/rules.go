package oauthtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// requestRules are the checks a provider makes on requests beyond OAuth 2.0
// and the keys of emulator.yaml that declare them:
//
//	request_rules:      # per endpoint, the headers and parameters it checks
//	  userinfo:
//	    - {header: Client-Id, equals: "{client_id}"}
//	  token:
//	    - {header: User-Agent, reject_prefix: [Go-http-client/]}
//	  authorize:
//	    - {param: duration, one_of: [temporary, permanent]}
//	userinfo_method: POST  # GET (the default) or POST
//	scope_optional: true   # the authorization request may leave out scope
type requestRules struct {
	RequestRules   map[Endpoint][]requestRule `yaml:"request_rules"`
	UserinfoMethod string                     `yaml:"userinfo_method"`
	ScopeOptional  bool                       `yaml:"scope_optional"`
}

// requestRule is a header or a parameter whose value must pass each check
// that is set. It must be present and not empty unless the rule is
// optional.
type requestRule struct {
	Header string `yaml:"header"`
	Param  string `yaml:"param"` // query or form body parameter

	// Optional lets a request leave the header or parameter out. When the
	// request carries it, the checks apply, as with Meta's appsecret_proof
	// or Dropbox's Content-Type.
	Optional bool `yaml:"optional"`

	// Equals is the exact value. {client_id} in it is replaced by the
	// registered client's id, as in the Client-Id header of Twitch's Helix
	// API. {appsecret_proof} is replaced by the hex HMAC-SHA256 of the
	// request's access token keyed with the client secret, the proof that
	// Meta's Graph API checks ("Secure Requests").
	Equals string `yaml:"equals"`

	// OneOf lists the allowed values.
	OneOf []string `yaml:"one_of"`

	// RejectPrefix lists value prefixes that the provider rejects, such
	// as the default User-Agent of an HTTP library.
	RejectPrefix []string `yaml:"reject_prefix"`
}

// Replies sent when a request breaks a rule. A missing header gets
// missingHeaderReply, as with required_headers.
const (
	invalidHeaderReply = "invalid_header"
	invalidParamReply  = "invalid_param"
)

// Placeholders in a rule's equals.
const (
	clientIDPlaceholder       = "{client_id}"
	appSecretProofPlaceholder = "{appsecret_proof}"
)

// userinfoMethod returns the HTTP method the userinfo endpoint accepts.
func (s *spec) userinfoMethod() string {
	if s.UserinfoMethod == "" {
		return http.MethodGet
	}
	return strings.ToUpper(s.UserinfoMethod)
}

// validateRequestRules checks request_rules and userinfo_method.
func (s *spec) validateRequestRules() []error {
	var errs []error
	if m := s.userinfoMethod(); m != http.MethodGet && m != http.MethodPost {
		errs = append(errs, fmt.Errorf("userinfo_method: unknown value %q (allowed: GET, POST)", s.UserinfoMethod))
	}
	for _, e := range slices.Sorted(maps.Keys(s.RequestRules)) {
		if !s.knowsEndpoint(e) {
			errs = append(errs, fmt.Errorf("request_rules: unknown endpoint %q", e))
		}
		for i, rule := range s.RequestRules[e] {
			if (rule.Header == "") == (rule.Param == "") {
				errs = append(errs, fmt.Errorf("request_rules.%s[%d]: set exactly one of header and param", e, i))
			}
			if strings.ContainsAny(rule.Header, " :\r\n") {
				errs = append(errs, fmt.Errorf("request_rules.%s[%d]: invalid header name %q", e, i, rule.Header))
			}
		}
	}
	return errs
}

// brokenRuleReply returns the name of the reply for the first rule of
// endpoint e that r breaks, or "" when r passes them all.
func (s *Server) brokenRuleReply(e Endpoint, r *http.Request) string {
	// A consent decision is the emulator's own form, posted back to the
	// authorization endpoint. The rules applied to the request that showed
	// the consent page.
	if e == EndpointAuthorize && r.Method == http.MethodPost {
		return ""
	}
	for _, rule := range s.provider.spec.RequestRules[e] {
		value := r.Form.Get(rule.Param)
		if rule.Header != "" {
			value = r.Header.Get(rule.Header)
		}
		value = strings.TrimSpace(value)
		if rule.Optional && value == "" {
			continue
		}
		if s.passes(rule, value, r) {
			continue
		}
		switch {
		case rule.Param != "":
			return invalidParamReply
		case strings.TrimSpace(value) == "":
			return missingHeaderReply
		default:
			return invalidHeaderReply
		}
	}
	return ""
}

// passes reports whether value, taken from r, passes rule.
func (s *Server) passes(rule requestRule, value string, r *http.Request) bool {
	if value == "" {
		return false
	}
	if rule.Equals != "" && !secretsEqual(value, s.expectedValue(rule.Equals, r)) {
		return false
	}
	if len(rule.OneOf) > 0 && !slices.Contains(rule.OneOf, value) {
		return false
	}
	for _, prefix := range rule.RejectPrefix {
		if strings.HasPrefix(value, prefix) {
			return false
		}
	}
	return true
}

// expectedValue returns a rule's equals with its placeholders replaced for
// request r.
func (s *Server) expectedValue(equals string, r *http.Request) string {
	expected := strings.ReplaceAll(equals, clientIDPlaceholder, s.client.ID)
	if strings.Contains(expected, appSecretProofPlaceholder) {
		expected = strings.ReplaceAll(expected, appSecretProofPlaceholder, s.appSecretProof(requestToken(r)))
	}
	return expected
}

// appSecretProof returns the hex HMAC-SHA256 of token keyed with the
// client secret.
func (s *Server) appSecretProof(token string) string {
	mac := hmac.New(sha256.New, []byte(s.client.Secret))
	mac.Write([]byte(token))
	return hex.EncodeToString(mac.Sum(nil))
}

// requestToken returns the access token of r: the bearer token of its
// Authorization header, else its access_token parameter.
func requestToken(r *http.Request) string {
	if token := bearerToken(r.Header.Get("Authorization")); token != "" {
		return token
	}
	return r.Form.Get("access_token")
}
