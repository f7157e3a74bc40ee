package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/presetauth/presetauth/oauthtest"
	"github.com/presetauth/presetauth/providers"
	"golang.org/x/oauth2"
)

// handWrittenThreads is the Threads sign-in written directly against
// x/oauth2 and encoding/json, the way an application without a framework
// would: the floor that presetauth adds to. It has no request timeout, no
// reply size limit and no error-reply parsing, which presetauth has.
type handWrittenThreads struct {
	config      oauth2.Config
	exchangeURL string
	userinfoURL string
}

// threadsFields are the profile fields that the Threads preset requests.
const threadsFields = "id,username,name,threads_profile_picture_url,threads_biography,is_verified"

func newHandWrittenThreads(tb testing.TB) *handWrittenThreads {
	tb.Helper()
	e := emulator(tb, "threads").Endpoints
	return &handWrittenThreads{
		config: oauth2.Config{
			ClientID:     threadsClientID,
			ClientSecret: threadsClientSecret,
			Endpoint: oauth2.Endpoint{
				AuthURL:   e[oauthtest.EndpointAuthorize],
				TokenURL:  e[oauthtest.EndpointToken],
				AuthStyle: oauth2.AuthStyleInParams,
			},
			RedirectURL: threadsRedirectURL,
			Scopes:      []string{"threads_basic"},
		},
		exchangeURL: e[oauthtest.EndpointExchange],
		userinfoURL: e[oauthtest.EndpointUserinfo],
	}
}

// authCodeURL builds the authorization URL. x/oauth2 joins scopes with a
// space, so the hand-written code passes Threads' comma-joined scope itself.
func (h *handWrittenThreads) authCodeURL(state string) string {
	return h.config.AuthCodeURL(state, oauth2.SetAuthURLParam("scope", strings.Join(h.config.Scopes, ",")))
}

// threadsUser is the Threads profile reply.
type threadsUser struct {
	ID         string `json:"id"`
	Username   string `json:"username"`
	Name       string `json:"name"`
	Picture    string `json:"threads_profile_picture_url"`
	Biography  string `json:"threads_biography"`
	IsVerified bool   `json:"is_verified"`
}

// profile maps the reply onto the same Profile that the Threads preset
// produces.
func (u *threadsUser) profile(raw []byte) *providers.Profile {
	p := &providers.Profile{ID: u.ID, Name: u.Name, Image: u.Picture, Raw: raw}
	if p.Name == "" {
		p.Name = u.Username
	}
	p.Extra = map[string]any{"username": u.Username, "biography": u.Biography, "verified": u.IsVerified}
	return p
}

// finish exchanges the code, trades the token for a long-lived one and
// fetches and maps the profile.
func (h *handWrittenThreads) finish(ctx context.Context, code string) (*oauth2.Token, *providers.Profile, error) {
	short, err := h.config.Exchange(ctx, code)
	if err != nil {
		return nil, nil, err
	}

	query := url.Values{
		"grant_type":    {"th_exchange_token"},
		"client_secret": {h.config.ClientSecret},
		"access_token":  {short.AccessToken},
	}
	body, err := get(ctx, h.exchangeURL+"?"+query.Encode(), "")
	if err != nil {
		return nil, nil, fmt.Errorf("long-lived token: %w", err)
	}
	var long struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &long); err != nil {
		return nil, nil, fmt.Errorf("long-lived token: %w", err)
	}
	tok := &oauth2.Token{
		AccessToken: long.AccessToken,
		TokenType:   long.TokenType,
		ExpiresIn:   long.ExpiresIn,
		Expiry:      time.Now().Add(time.Duration(long.ExpiresIn) * time.Second),
	}

	raw, err := get(ctx, h.userinfoURL+"?fields="+threadsFields, tok.AccessToken)
	if err != nil {
		return nil, nil, fmt.Errorf("userinfo: %w", err)
	}
	var user threadsUser
	if err := json.Unmarshal(raw, &user); err != nil {
		return nil, nil, fmt.Errorf("userinfo: %w", err)
	}
	return tok, user.profile(raw), nil
}

// get sends a GET, with a bearer token when one is given, and returns the
// body of a 200 reply.
func get(ctx context.Context, rawURL, token string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	return body, nil
}
