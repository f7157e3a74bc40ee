package providers

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/presetauth/presetauth/schema"
	"github.com/tidwall/gjson"
	"golang.org/x/oauth2"
)

// Exchange trades an authorization code for a token at the token endpoint,
// with the spec's client authentication method. A code pasted from a
// Threads redirect may end in "#_"; callers strip it first (the oauth
// handler does).
func (p *Provider) Exchange(ctx context.Context, code, redirectURL, verifier string) (*oauth2.Token, error) {
	if code == "" {
		return nil, p.errEmptyCode()
	}
	if redirectURL == "" {
		redirectURL = p.config.RedirectURL
	}
	params := url.Values{
		"grant_type": {"authorization_code"},
		"code":       {code},
	}
	// RFC 6749 section 4.1.3 requires redirect_uri here only when the
	// authorization request carried one, which it does not when none is
	// configured.
	if redirectURL != "" {
		params.Set("redirect_uri", redirectURL)
	}
	if verifier != "" {
		params.Set("code_verifier", verifier)
	}
	return p.tokenRequest(ctx, "token", params)
}

// errEmptyCode is the error for an empty authorization code, returned
// before any request, since a token endpoint can only reject it.
func (p *Provider) errEmptyCode() error {
	return fmt.Errorf("providers: %s: empty authorization code; pass the code parameter of the callback", p.ID)
}

// tokenRequest posts a grant to the token endpoint with client
// authentication and parses the reply.
func (p *Provider) tokenRequest(ctx context.Context, endpoint string, params url.Values) (*oauth2.Token, error) {
	for name, value := range p.Spec.Token.Params {
		if params.Get(name) == "" {
			params.Set(name, value)
		}
	}
	switch p.Spec.Token.AuthMethod {
	case "client_secret_basic":
	case "none":
		params.Set("client_id", p.config.ClientID)
	default:
		params.Set("client_id", p.config.ClientID)
		params.Set("client_secret", p.config.ClientSecret)
	}

	req, err := newRequest(http.MethodPost, p.current.Load().token, params, p.Spec.Token.Headers)
	if err != nil {
		return nil, fmt.Errorf("providers: %s: invalid token URL: %w", p.ID, err)
	}
	var basic string
	if p.Spec.Token.AuthMethod == "client_secret_basic" {
		basic = p.setBasicAuth(req)
	}

	r, err := p.send(ctx, endpoint, req)
	if err != nil {
		return nil, err
	}
	tok, err := p.parseToken(endpoint, r, time.Duration(p.Spec.Token.DefaultLifetime))
	if err != nil {
		return nil, redactSent(err, params, p.config.ClientSecret, basic)
	}
	return tok, nil
}

// setBasicAuth sets the client credentials as an HTTP Basic header and
// returns the encoded credentials, which errors must not quote either.
// RFC 6749 §2.3.1: both parts are form-encoded before Basic encoding.
func (p *Provider) setBasicAuth(req *http.Request) string {
	credentials := url.QueryEscape(p.config.ClientID) + ":" + url.QueryEscape(p.config.ClientSecret)
	encoded := base64.StdEncoding.EncodeToString([]byte(credentials))
	req.Header.Set("Authorization", "Basic "+encoded)
	return encoded
}

// RunStep sends a follow-up token step (the spec's exchange or refresh) for
// tok and returns the new token. Extra fields of tok that the new reply
// lacks, such as Threads' user_id, are kept, and so is the refresh token.
func (p *Provider) RunStep(ctx context.Context, name string, step *schema.TokenStep, tok *oauth2.Token) (*oauth2.Token, error) {
	if tok == nil || step == nil {
		return nil, fmt.Errorf("providers: %s: %s step: the step and the token must not be nil", p.ID, name)
	}
	values := map[string]string{
		"access_token":  tok.AccessToken,
		"refresh_token": tok.RefreshToken,
		"client_id":     p.config.ClientID,
		"client_secret": p.config.ClientSecret,
	}
	params := url.Values{}
	for name, value := range step.Params {
		params.Set(name, fillPlaceholders(value, values))
	}

	method := step.Method
	if method == "" {
		method = http.MethodPost
	}
	switch step.AuthMethod {
	case "client_secret_post":
		params.Set("client_id", p.config.ClientID)
		params.Set("client_secret", p.config.ClientSecret)
	case "none":
		params.Set("client_id", p.config.ClientID)
	}
	req, err := newRequest(method, step.URL, params, step.Headers)
	if err != nil {
		return nil, fmt.Errorf("providers: %s: invalid %s URL: %w", p.ID, name, err)
	}
	var basic string
	if step.AuthMethod == "client_secret_basic" {
		basic = p.setBasicAuth(req)
	}
	r, err := p.send(ctx, name, req)
	if err != nil {
		return nil, err
	}
	next, err := p.parseToken(name, r, 0)
	if err != nil {
		return nil, redactSent(err, params, p.config.ClientSecret, tok.AccessToken, tok.RefreshToken, basic)
	}
	return carryOver(tok, next), nil
}

// fillPlaceholders replaces {name} with values[name]; the schema has
// already rejected unknown names.
func fillPlaceholders(s string, values map[string]string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	for name, value := range values {
		s = strings.ReplaceAll(s, "{"+name+"}", value)
	}
	return s
}

// carryOver keeps the refresh token and the extra fields of old that next
// lacks.
func carryOver(old, next *oauth2.Token) *oauth2.Token {
	extra := map[string]any{}
	for k, v := range Extras(old) {
		extra[k] = v
	}
	for k, v := range Extras(next) {
		extra[k] = v
	}
	if next.RefreshToken == "" {
		next.RefreshToken = old.RefreshToken
	}
	return next.WithExtra(withExtras(extra))
}

// extraKey stores a copy of all extra fields under one key, so that they
// can be listed: *oauth2.Token offers lookup by key only.
const extraKey = "\x00presetauth.extra"

type extraFields map[string]any

// withExtras returns the extra map of a token with the given fields. It
// keeps fields itself as the listed copy, so the caller must not change
// fields afterwards.
func withExtras(fields map[string]any) map[string]any {
	out := make(map[string]any, len(fields)+1)
	for k, v := range fields {
		out[k] = v
	}
	out[extraKey] = extraFields(fields)
	return out
}

// Extras returns every field of the token reply, numbers as json.Number,
// including fields such as Threads' user_id. Follow-up steps keep fields of
// earlier replies that later replies lack.
func Extras(tok *oauth2.Token) map[string]any {
	if tok == nil {
		return nil
	}
	all, _ := tok.Extra(extraKey).(extraFields)
	return all
}

// parseToken reads a token reply. It accepts JSON (the RFC 6749 form) and
// form data, with expires_in as a number or a string, scope as a string or
// a list, and no token_type (Bearer is assumed). An error in the reply wins
// over its HTTP status, so a 200 carrying an error is an error.
func (p *Provider) parseToken(endpoint string, r *reply, defaultLifetime time.Duration) (*oauth2.Token, error) {
	fields, err := p.replyFields(endpoint, r)
	if err != nil {
		return nil, err
	}
	if r.status < 200 || r.status > 299 {
		return nil, &ReplyError{Provider: p.ID, Endpoint: endpoint, Status: r.status, ContentType: r.contentType, Err: ErrUnexpectedStatus}
	}

	access, _ := fields["access_token"].(string)
	if access == "" {
		return nil, &ReplyError{Provider: p.ID, Endpoint: endpoint, Status: r.status, ContentType: r.contentType, Err: ErrMissingAccessToken}
	}
	tok := &oauth2.Token{AccessToken: access, TokenType: "Bearer"}
	if t, ok := fields["token_type"].(string); ok && t != "" {
		tok.TokenType = t
	}
	if rt, ok := fields["refresh_token"].(string); ok {
		tok.RefreshToken = rt
	}

	lifetime := defaultLifetime
	if seconds, ok := parseSeconds(fields["expires_in"]); ok {
		lifetime = time.Duration(seconds) * time.Second
		tok.ExpiresIn = seconds
	}
	if lifetime > 0 {
		tok.Expiry = p.now().Add(lifetime)
	}
	return tok.WithExtra(withExtras(fields)), nil
}

// replyFields decodes a token reply into a map whose numbers are
// json.Number, so ids above 2^53 keep their digits, and turns an error
// reply into a *ProviderError or *ReplyError.
func (p *Provider) replyFields(endpoint string, r *reply) (map[string]any, error) {
	fail := func(err error) error {
		return &ReplyError{Provider: p.ID, Endpoint: endpoint, Status: r.status, ContentType: r.contentType, Err: err}
	}

	switch {
	case r.isJSON():
		if !gjson.ValidBytes(r.body) {
			return nil, fail(fmt.Errorf("%w: invalid JSON", ErrMalformedReply))
		}
		root := gjson.ParseBytes(r.body)
		if perr := p.errors.read(root); perr != nil {
			perr.Provider, perr.Endpoint, perr.Status = p.ID, endpoint, r.status
			return nil, perr
		}
		if !root.IsObject() {
			return nil, fail(fmt.Errorf("%w: expected a JSON object", ErrMalformedReply))
		}
		return jsonFields(root), nil

	case r.isForm():
		values, err := url.ParseQuery(string(r.body))
		if err != nil || len(values) == 0 {
			if r.status < 200 || r.status > 299 {
				return nil, fail(ErrUnexpectedStatus)
			}
			return nil, fail(fmt.Errorf("%w: invalid form data", ErrMalformedReply))
		}
		if code := values.Get("error"); code != "" {
			return nil, &ProviderError{Provider: p.ID, Endpoint: endpoint, Status: r.status, Code: cleanText(code), Description: cleanText(values.Get("error_description"))}
		}
		fields := make(map[string]any, len(values))
		for k := range values {
			fields[k] = values.Get(k)
		}
		return fields, nil
	}

	if r.status < 200 || r.status > 299 {
		return nil, fail(ErrUnexpectedStatus)
	}
	// The content type is not repeated here: ReplyError prints it.
	return nil, fail(fmt.Errorf("%w: expected JSON or form data", ErrMalformedReply))
}

// jsonFields converts a JSON object into Go values with exact numbers.
// Of members with the same name, the first wins, as with gjson.Get.
func jsonFields(root gjson.Result) map[string]any {
	fields := map[string]any{}
	root.ForEach(func(key, value gjson.Result) bool {
		if _, seen := fields[key.Str]; !seen {
			fields[key.Str] = jsonValue(value)
		}
		return true
	})
	return fields
}

// jsonValue converts a JSON value into Go values, numbers as json.Number.
// Objects at any depth keep the first of members with the same name, as
// gjson reads them; encoding/json would keep the last.
func jsonValue(v gjson.Result) any {
	switch v.Type {
	case gjson.String:
		return v.Str
	case gjson.Number:
		// A literal in a mapping path, such as "!00", is not always valid
		// JSON, and an invalid json.Number breaks json.Marshal of the profile.
		if !json.Valid([]byte(v.Raw)) {
			return v.Num
		}
		return json.Number(v.Raw)
	case gjson.True:
		return true
	case gjson.False:
		return false
	case gjson.JSON:
		if v.IsObject() {
			return jsonFields(v)
		}
		if v.IsArray() {
			items := []any{}
			v.ForEach(func(_, item gjson.Result) bool {
				items = append(items, jsonValue(item))
				return true
			})
			return items
		}
	}
	return nil
}

// parseSeconds reads expires_in as a JSON number or a numeric string.
func parseSeconds(v any) (int64, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = strings.TrimSpace(x)
	default:
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return 0, false
		}
		n = int64(f)
	}
	if n <= 0 || n > 10*365*24*3600 {
		return 0, false
	}
	return n, true
}
