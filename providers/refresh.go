package providers

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// ErrNoRefresh means the provider cannot renew the token: the spec has no
// refresh step and the token has no refresh token.
var ErrNoRefresh = errors.New("token cannot be refreshed: the spec has no refresh step and the token has no refresh token")

// Refresh renews tok: with the spec's refresh step when it has one (such as
// Threads' th_refresh_token), otherwise with the refresh_token grant at the
// token endpoint (RFC 6749 §6).
func (p *Provider) Refresh(ctx context.Context, tok *oauth2.Token) (*oauth2.Token, error) {
	if tok == nil {
		return nil, fmt.Errorf("providers: %s: no token to refresh; pass the token that Finish returned", p.ID)
	}
	if p.Spec.Refresh != nil {
		return p.RunStep(ctx, "refresh", p.Spec.Refresh, tok)
	}
	if tok.RefreshToken == "" {
		return nil, &RequestError{Provider: p.ID, Endpoint: "refresh", Err: ErrNoRefresh}
	}
	next, err := p.tokenRequest(ctx, "refresh", url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {tok.RefreshToken},
	})
	if err != nil {
		return nil, err
	}
	return carryOver(tok, next), nil
}

// TokenSource returns an oauth2.TokenSource that returns tok until it is
// within the refresh step's refresh_before of its expiry (DefaultRefreshBefore
// when the spec has no refresh step or the step sets none), then refreshes
// it. When a refresh fails while the current token is still valid, the
// current token is returned and the failure logged, because providers such
// as Threads refuse to refresh a token younger than 24 hours.
func (p *Provider) TokenSource(ctx context.Context, tok *oauth2.Token) oauth2.TokenSource {
	before := DefaultRefreshBefore
	if p.Spec.Refresh != nil && p.Spec.Refresh.RefreshBefore > 0 {
		before = time.Duration(p.Spec.Refresh.RefreshBefore)
	}
	return &tokenSource{ctx: ctx, provider: p, tok: tok, before: before}
}

// DefaultRefreshBefore is how long before expiry [Provider.TokenSource]
// refreshes a token when the spec sets no refresh_before. It matches the
// expiry margin of x/oauth2 (expiryDelta, 10 seconds), so that a token is
// not sent in the seconds before it expires.
const DefaultRefreshBefore = 10 * time.Second

type tokenSource struct {
	ctx      context.Context
	provider *Provider
	before   time.Duration

	mu  sync.Mutex
	tok *oauth2.Token

	// retryAt holds back refresh attempts after a failure while the
	// current token is still valid, so a caller asking for the token in a
	// loop does not send a refresh request each time.
	retryAt time.Time
}

// refreshRetryDelay is the wait after a failed refresh before the next try.
const refreshRetryDelay = time.Minute

func (s *tokenSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	now := s.provider.now()
	if s.tok != nil && (s.tok.Expiry.IsZero() || now.Add(s.before).Before(s.tok.Expiry)) {
		return s.tok, nil
	}
	valid := s.tok != nil && now.Before(s.tok.Expiry)
	if valid && now.Before(s.retryAt) {
		return s.tok, nil
	}

	next, err := s.provider.Refresh(s.ctx, s.tok)
	if err != nil {
		if valid {
			s.retryAt = now.Add(refreshRetryDelay)
			s.provider.logger.Warn("token refresh failed; keeping the current token and retrying later",
				"provider", s.provider.ID, "expiry", s.tok.Expiry, "retry_at", s.retryAt, "error", err)
			return s.tok, nil
		}
		return nil, err
	}
	s.tok = next
	s.retryAt = time.Time{}
	return next, nil
}
