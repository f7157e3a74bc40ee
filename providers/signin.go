package providers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tidwall/gjson"
	"golang.org/x/oauth2"
)

// Userinfo fetches the profile reply for tok. The spec's fields are sent
// comma-joined as the `fields` parameter.
func (p *Provider) Userinfo(ctx context.Context, tok *oauth2.Token) ([]byte, error) {
	spec := p.Spec.Userinfo
	if spec == nil || spec.URL == "" {
		return nil, fmt.Errorf("providers: %s has no userinfo endpoint", p.ID)
	}
	params := url.Values{}
	for name, value := range spec.Params {
		params.Set(name, value)
	}
	if len(spec.Fields) > 0 {
		params.Set("fields", strings.Join(spec.Fields, ","))
	}
	if spec.TokenIn == "query" {
		params.Set("access_token", tok.AccessToken)
	}

	req, err := newRequest(http.MethodGet, spec.URL, params, spec.Headers)
	if err != nil {
		return nil, fmt.Errorf("providers: %s: invalid userinfo URL: %w", p.ID, err)
	}
	if spec.TokenIn != "query" {
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	}

	r, err := p.send(ctx, "userinfo", req)
	if err != nil {
		return nil, err
	}
	if r.isJSON() && gjson.ValidBytes(r.body) {
		if perr := p.errors.read(gjson.ParseBytes(r.body)); perr != nil {
			perr.Provider, perr.Endpoint, perr.Status = p.ID, "userinfo", r.status
			return nil, perr
		}
	}
	if r.status < 200 || r.status > 299 {
		return nil, &ReplyError{Provider: p.ID, Endpoint: "userinfo", Status: r.status, ContentType: r.contentType, Err: ErrUnexpectedStatus}
	}
	return r.body, nil
}

// MapProfile maps a profile reply with the spec's profile mapping.
func (p *Provider) MapProfile(raw []byte) (*Profile, error) {
	profile, err := p.profile.Apply(raw)
	if err != nil {
		return nil, &ReplyError{Provider: p.ID, Endpoint: "userinfo", Err: err}
	}
	return profile, nil
}

// Finish completes a sign-in after the callback: it exchanges the code,
// runs the spec's exchange step if any, fetches userinfo and maps the
// profile. A failed step fails the sign-in, so a one-hour token is never
// kept in place of a long-lived one.
func (p *Provider) Finish(ctx context.Context, code, redirectURL, verifier string) (*oauth2.Token, *Profile, error) {
	tok, err := p.Exchange(ctx, code, redirectURL, verifier)
	if err != nil {
		return nil, nil, err
	}
	if p.Spec.Exchange != nil {
		if tok, err = p.RunStep(ctx, "exchange", p.Spec.Exchange, tok); err != nil {
			return nil, nil, err
		}
	}
	raw, err := p.Userinfo(ctx, tok)
	if err != nil {
		return nil, nil, err
	}
	profile, err := p.MapProfile(raw)
	if err != nil {
		return nil, nil, err
	}
	return tok, profile, nil
}
