package providers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/presetauth/presetauth/schema"
	"github.com/tidwall/gjson"
	"golang.org/x/oauth2"
)

// Userinfo fetches the profile reply for tok, with the replies of the
// spec's include requests added under their names. The spec's fields are
// sent comma-joined as the `fields` parameter.
func (p *Provider) Userinfo(ctx context.Context, tok *oauth2.Token) ([]byte, error) {
	if tok == nil {
		return nil, fmt.Errorf("providers: %s: no token for the userinfo request; pass the token that Exchange returned", p.ID)
	}
	spec := p.Spec.Userinfo
	address := p.current.Load().userinfo
	if address == "" {
		return nil, fmt.Errorf("providers: %s has no userinfo endpoint", p.ID)
	}
	if spec == nil {
		spec = &schema.UserinfoSpec{}
	}

	params := url.Values{}
	for name, value := range spec.Params {
		params.Set(name, value)
	}
	if len(spec.Fields) > 0 {
		params.Set("fields", strings.Join(spec.Fields, ","))
	}
	body, err := p.fetchProfileJSON(ctx, profileRequest{
		endpoint: "userinfo",
		address:  address,
		method:   spec.Method,
		params:   params,
		headers:  spec.Headers,
		tokenIn:  spec.TokenIn,
	}, tok)
	if err != nil || len(spec.Include) == 0 {
		return body, err
	}

	merged, err := objectMembers(body)
	if err != nil {
		return nil, &ReplyError{Provider: p.ID, Endpoint: "userinfo", Err: err}
	}
	for _, inc := range spec.Include {
		params := url.Values{}
		for name, value := range inc.Params {
			params.Set(name, value)
		}
		headers := inc.Headers
		if headers == nil {
			headers = spec.Headers
		}
		extra, err := p.fetchProfileJSON(ctx, profileRequest{
			endpoint: "userinfo " + inc.Name,
			address:  inc.URL,
			params:   params,
			headers:  headers,
			tokenIn:  spec.TokenIn,
		}, tok)
		if err != nil {
			if inc.Optional {
				p.logger.Warn("optional profile request failed; going on without it", "provider", p.ID, "request", inc.Name, "error", err)
				continue
			}
			return nil, err
		}
		merged[inc.Name] = extra
	}
	return json.Marshal(merged)
}

// profileRequest is one authenticated request for profile data.
type profileRequest struct {
	endpoint string // name for errors and logs, such as "userinfo emails"
	address  string
	method   string // GET when empty
	params   url.Values
	headers  map[string]string
	tokenIn  string // header or query
}

// fetchProfileJSON sends an authenticated request and returns its JSON
// reply. Params and headers may use {client_id} and {appsecret_proof},
// never the client secret itself.
func (p *Provider) fetchProfileJSON(ctx context.Context, pr profileRequest, tok *oauth2.Token) ([]byte, error) {
	endpoint, params, headers, tokenIn := pr.endpoint, pr.params, pr.headers, pr.tokenIn
	public := map[string]string{"client_id": p.config.ClientID}
	if usesPlaceholder(params, headers, "{appsecret_proof}") {
		public["appsecret_proof"] = appSecretProof(tok.AccessToken, p.config.ClientSecret)
	}
	for name, values := range params {
		for i, v := range values {
			values[i] = fillPlaceholders(v, public)
		}
		params[name] = values
	}
	if len(headers) > 0 {
		filled := make(map[string]string, len(headers))
		for name, value := range headers {
			filled[name] = fillPlaceholders(value, public)
		}
		headers = filled
	}
	if tokenIn == "query" {
		params.Set("access_token", tok.AccessToken)
	}
	req, err := newRequest(http.MethodGet, pr.address, params, headers)
	if err != nil {
		return nil, fmt.Errorf("providers: %s: invalid %s URL: %w", p.ID, endpoint, err)
	}
	if pr.method == http.MethodPost {
		// The params stay in the query and the body stays empty.
		req.Method = http.MethodPost
	}
	if tokenIn != "query" {
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	}

	r, err := p.send(ctx, endpoint, req)
	if err != nil {
		return nil, err
	}
	valid := r.isJSON() && gjson.ValidBytes(r.body)
	if valid {
		if perr := p.errors.read(gjson.ParseBytes(r.body)); perr != nil {
			perr.Provider, perr.Endpoint, perr.Status = p.ID, endpoint, r.status
			return nil, redactSent(perr, params, tok.AccessToken, p.config.ClientSecret)
		}
	}
	fail := func(err error) error {
		return &ReplyError{Provider: p.ID, Endpoint: endpoint, Status: r.status, ContentType: r.contentType, Err: err}
	}
	if r.status < 200 || r.status > 299 {
		return nil, fail(ErrUnexpectedStatus)
	}
	if !valid {
		return nil, fail(fmt.Errorf("%w: expected JSON", ErrMalformedReply))
	}
	// Checked here, before the replies are merged or their sub compared
	// with the ID token's, because the merge would hide a repeated member.
	if err := checkMembers(gjson.ParseBytes(r.body), 0); err != nil {
		return nil, fail(err)
	}
	return r.body, nil
}

// usesPlaceholder reports whether a param or header value contains
// placeholder.
func usesPlaceholder(params url.Values, headers map[string]string, placeholder string) bool {
	for _, values := range params {
		for _, v := range values {
			if strings.Contains(v, placeholder) {
				return true
			}
		}
	}
	for _, v := range headers {
		if strings.Contains(v, placeholder) {
			return true
		}
	}
	return false
}

// appSecretProof returns the hex HMAC-SHA256 of the access token keyed
// with the client secret, the appsecret_proof of Meta's Graph API ("Secure
// Requests" in its docs). It proves the caller knows the secret without
// sending it.
func appSecretProof(accessToken, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(accessToken))
	return hex.EncodeToString(mac.Sum(nil))
}

// MapProfile maps a profile reply with the spec's profile mapping.
func (p *Provider) MapProfile(raw []byte) (*Profile, error) {
	profile, err := p.profile.Apply(raw)
	if err != nil {
		return nil, &ReplyError{Provider: p.ID, Endpoint: "userinfo", Err: err}
	}
	return profile, nil
}

// Callback holds the values that the browser returned to the callback,
// and those sealed in the state cookie when the sign-in started.
type Callback struct {
	Code        string
	RedirectURL string // the redirect_uri of the authorization request
	Verifier    string // PKCE code verifier, if one was sent
	Nonce       string // nonce, if one was sent; the ID token must carry it
}

// Finish completes a sign-in without a nonce; see [Provider.Complete].
func (p *Provider) Finish(ctx context.Context, code, redirectURL, verifier string) (*oauth2.Token, *Profile, error) {
	return p.Complete(ctx, Callback{Code: code, RedirectURL: redirectURL, Verifier: verifier})
}

// Complete finishes a sign-in after the callback: it exchanges the code,
// runs the spec's exchange step if any, builds the profile JSON from the
// spec's sources (the verified ID token, userinfo, the token reply) and maps
// it. A failed step fails the sign-in, so a one-hour token is never kept in
// place of a long-lived one.
func (p *Provider) Complete(ctx context.Context, cb Callback) (*oauth2.Token, *Profile, error) {
	if cb.Code == "" {
		return nil, nil, p.errEmptyCode()
	}
	if err := p.Discover(ctx); err != nil {
		return nil, nil, err
	}
	tok, err := p.Exchange(ctx, cb.Code, cb.RedirectURL, cb.Verifier)
	if err != nil {
		return nil, nil, err
	}

	// The ID token comes from the code exchange, before any step can
	// replace the reply that carried it.
	var claims []byte
	var subject string
	if p.Spec.Type == "oidc" {
		if claims, subject, err = p.verifyIDToken(ctx, tok, cb.Nonce); err != nil {
			return nil, nil, err
		}
	}

	if p.Spec.Exchange != nil {
		if tok, err = p.RunStep(ctx, "exchange", p.Spec.Exchange, tok); err != nil {
			return nil, nil, err
		}
	}

	raw, err := p.profileJSON(ctx, tok, claims, subject)
	if err != nil {
		return nil, nil, err
	}
	profile, err := p.MapProfile(raw)
	if err != nil {
		return nil, nil, err
	}
	return tok, profile, nil
}

// profileJSON builds the JSON object that the profile mapping reads.
func (p *Provider) profileJSON(ctx context.Context, tok *oauth2.Token, claims []byte, subject string) ([]byte, error) {
	sources := p.Spec.Profile.Sources
	explicit := len(sources) > 0
	if !explicit {
		sources = []string{"userinfo"}
		if p.Spec.Type == "oidc" {
			sources = []string{"id_token", "userinfo"}
		}
	}

	parts := make([][]byte, 0, len(sources))
	for _, source := range sources {
		switch source {
		case "id_token":
			parts = append(parts, claims)
		case "token":
			fields := map[string]any{}
			for k, v := range Extras(tok) {
				if k != "access_token" && k != "refresh_token" && k != "id_token" {
					fields[k] = v
				}
			}
			body, err := json.Marshal(fields)
			if err != nil {
				return nil, fmt.Errorf("providers: %s: encoding the token reply: %w", p.ID, err)
			}
			parts = append(parts, body)
		case "userinfo":
			if p.current.Load().userinfo == "" && !explicit {
				continue // an OpenID provider without a userinfo endpoint
			}
			body, err := p.Userinfo(ctx, tok)
			if err != nil {
				return nil, err
			}
			// OpenID Connect Core §5.3.2: a userinfo reply for another
			// subject must not be used.
			if subject != "" {
				sub := gjson.GetBytes(body, "sub")
				if subtle.ConstantTimeCompare([]byte(sub.String()), []byte(subject)) != 1 {
					return nil, &IDTokenError{Provider: p.ID, Err: ErrSubjectMismatch}
				}
			}
			parts = append(parts, body)
		}
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return mergeObjects(parts)
}

// mergeObjects merges JSON objects key by key, a later object winning.
// Values are kept as raw JSON, so numbers keep their digits.
func mergeObjects(parts [][]byte) ([]byte, error) {
	merged := map[string]json.RawMessage{}
	for _, part := range parts {
		object, err := objectMembers(part)
		if err != nil {
			return nil, err
		}
		for k, v := range object {
			merged[k] = v
		}
	}
	return json.Marshal(merged)
}

// objectMembers returns the members of a JSON object as raw JSON. Of
// members with the same name, the first wins, because gjson.Get, which
// reads the profile mapping and the userinfo sub, takes the first.
// json.Unmarshal would keep the last.
func objectMembers(object []byte) (map[string]json.RawMessage, error) {
	if !gjson.ValidBytes(object) {
		return nil, fmt.Errorf("%w: expected a JSON object", ErrMalformedReply)
	}
	root := gjson.ParseBytes(object)
	if !root.IsObject() {
		return nil, fmt.Errorf("%w: expected a JSON object", ErrMalformedReply)
	}
	members := map[string]json.RawMessage{}
	root.ForEach(func(key, value gjson.Result) bool {
		if _, seen := members[key.Str]; !seen {
			members[key.Str] = json.RawMessage(value.Raw)
		}
		return true
	})
	return members, nil
}
