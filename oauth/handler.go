package oauth

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/presetauth/presetauth/providers"
	"golang.org/x/oauth2"
)

// DefaultStateTTL is how long a started sign-in stays valid. Providers such
// as Threads show configuration errors on their own page and never redirect
// back, so a pending sign-in must expire by itself.
const DefaultStateTTL = 10 * time.Minute

// Result is a completed sign-in, handed to [Options.OnSignIn].
type Result struct {
	Provider string             // provider id
	Token    *oauth2.Token      // access token with expiry; see providers.Extras for reply fields
	Profile  *providers.Profile // normalized user, with the raw userinfo JSON
	Scopes   []string           // granted scopes when the token reply lists them
	ReturnTo string             // safe same-origin path to redirect to, "/" by default
}

// Options configure a [Handler].
type Options struct {
	// Providers are the providers to sign in with, by their ID.
	Providers []*providers.Provider

	// Sealer seals the state cookie; create it with NewSealer. Share one
	// key set across instances behind a load balancer.
	//
	// The state cookie binds the callback to the browser that started the
	// sign-in. The callback deletes the cookie it finds, before any check,
	// so a failed callback ends that sign-in too. The handler keeps no
	// record of used states, so a client that saved a copy of the cookie
	// can send it again until StateTTL ends. The provider, which accepts
	// each authorization code once (RFC 6749, section 4.1.2), stops a
	// replay of the same callback; the handler does not.
	Sealer *Sealer

	// BasePath is the path prefix the handler is mounted at; default
	// "/auth", and "/" mounts it at the root. It serves
	// GET {BasePath}/signin/{provider} and GET {BasePath}/callback/{provider}.
	// The state cookies have BasePath as their Path.
	BasePath string

	// PublicURL is the site's origin, such as https://app.example, used for
	// the redirect URL of providers whose spec sets none. When empty, the
	// origin comes from the request's Host, which is fine for development
	// only: set it in production.
	PublicURL string

	// StateTTL is the lifetime of a started sign-in; default DefaultStateTTL.
	StateTTL time.Duration

	// OnSignIn receives each completed sign-in and writes the response,
	// typically a session cookie and a redirect to Result.ReturnTo.
	OnSignIn func(w http.ResponseWriter, r *http.Request, res *Result)

	// OnError receives each failed sign-in and writes the response. The
	// default writes a plain error page that reflects no request input,
	// except the error code and description that a provider sends back to
	// the callback, cut to 200 bytes and HTML-escaped.
	OnError func(w http.ResponseWriter, r *http.Request, err error)

	// Logger receives a warning per failed sign-in; default slog.Default().
	// Requests for unknown provider ids, which anyone can send, are logged
	// at debug level, with at most one warning per minute.
	Logger *slog.Logger

	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Handler serves the sign-in and callback endpoints.
type Handler struct {
	providers map[string]*providers.Provider
	sealer    atomic.Pointer[Sealer]
	base      string
	publicURL string
	stateTTL  time.Duration
	onSignIn  func(http.ResponseWriter, *http.Request, *Result)
	onError   func(http.ResponseWriter, *http.Request, error)
	logger    *slog.Logger
	now       func() time.Time
	unknown   unknownProviderLog
}

// NewHandler checks opts and returns a handler.
func NewHandler(opts Options) (*Handler, error) {
	h := &Handler{
		providers: map[string]*providers.Provider{},
		publicURL: strings.TrimSuffix(opts.PublicURL, "/"),
		stateTTL:  opts.StateTTL,
		onSignIn:  opts.OnSignIn,
		onError:   opts.OnError,
		logger:    opts.Logger,
		now:       opts.Now,
	}

	if opts.Sealer == nil {
		return nil, errors.New("oauth: Options.Sealer is nil; create one with NewSealer")
	}
	if len(opts.Sealer.keys) == 0 {
		return nil, errors.New("oauth: Options.Sealer has no key; create it with NewSealer, not as a zero value")
	}
	h.sealer.Store(opts.Sealer)

	if h.onSignIn == nil {
		return nil, errors.New("oauth: Options.OnSignIn is nil; it must store the signed-in user")
	}
	base, err := basePath(opts.BasePath)
	if err != nil {
		return nil, err
	}
	h.base = base

	if h.publicURL != "" {
		u, err := url.Parse(h.publicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("oauth: PublicURL %q must be an origin such as https://app.example", opts.PublicURL)
		}
	}

	if h.stateTTL <= 0 {
		h.stateTTL = DefaultStateTTL
	}
	if h.onError == nil {
		h.onError = h.errorPage
	}
	if h.logger == nil {
		h.logger = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}

	for i, p := range opts.Providers {
		if p == nil || p.Spec == nil {
			return nil, fmt.Errorf("oauth: Options.Providers[%d] is nil or has no spec; create providers with providers.New", i)
		}
		if _, dup := h.providers[p.ID]; dup {
			return nil, fmt.Errorf("oauth: provider id %q given twice", p.ID)
		}
		h.providers[p.ID] = p
	}
	return h, nil
}

// basePath returns the mount path without its trailing slash: "/auth" for
// "" and "" for "/".
func basePath(raw string) (string, error) {
	if raw == "" {
		return "/auth", nil
	}
	if !strings.HasPrefix(raw, "/") {
		return "", fmt.Errorf("oauth: BasePath %q must start with /, as in /auth", raw)
	}
	base := strings.TrimSuffix(raw, "/")
	if strings.Contains(base+"/", "//") || strings.ContainsAny(base, "?#") {
		return "", fmt.Errorf("oauth: BasePath %q must be a path with no empty segment, query or fragment, as in /auth", raw)
	}
	return base, nil
}

// SetSealer replaces the sealer of the state cookies, to rotate keys while
// the handler serves. Sign-ins already under way finish only if s still
// opens their cookies, so pass the previous secret after the new one, as in
// NewSealer(newSecret, oldSecret). A nil s is ignored, and so is a Sealer
// not made by NewSealer, which is logged as an error. SetSealer is safe to
// call concurrently with ServeHTTP.
func (h *Handler) SetSealer(s *Sealer) {
	if s == nil {
		return
	}
	if len(s.keys) == 0 {
		h.logger.Error("oauth: SetSealer ignored a sealer with no key; create it with NewSealer")
		return
	}
	h.sealer.Store(s)
}

// SignInPath returns the path that starts a sign-in with a provider.
func (h *Handler) SignInPath(provider string) string {
	return h.base + "/signin/" + url.PathEscape(provider)
}

// CallbackPath returns the path of a provider's callback.
func (h *Handler) CallbackPath(provider string) string {
	return h.base + "/callback/" + url.PathEscape(provider)
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")

	rest, ok := strings.CutPrefix(r.URL.Path, h.base+"/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	action, id, ok := strings.Cut(rest, "/")
	if !ok || (action != "signin" && action != "callback") {
		http.NotFound(w, r)
		return
	}
	p, ok := h.providers[id]
	if !ok {
		h.logUnknownProvider(action, id)
		h.onError(w, r, ErrUnknownProvider)
		return
	}
	allowed := r.Method == http.MethodGet || r.Method == http.MethodHead
	if action == "callback" && formPost(p) {
		allowed = r.Method == http.MethodPost
	}
	if !allowed {
		w.Header().Set("Allow", "GET, HEAD")
		if action == "callback" && formPost(p) {
			w.Header().Set("Allow", "POST")
		}
		h.fail(w, r, id, ErrMethodNotAllowed)
		return
	}

	if action == "signin" {
		h.signIn(w, r, p)
		return
	}
	h.callback(w, r, p)
}

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request, p *providers.Provider) {
	returnTo, err := signInReturnPath(r)
	if err != nil {
		h.fail(w, r, p.ID, err)
		return
	}

	if err := p.Discover(r.Context()); err != nil {
		h.fail(w, r, p.ID, err)
		return
	}

	now := h.now()
	redirectURL := h.redirectURL(r, p)
	fs := &flowState{
		Provider:    p.ID,
		ClientID:    p.Spec.ClientID,
		RedirectURL: redirectURL,
		State:       randomString(32),
		ReturnTo:    returnTo,
		IssuedAt:    now.Unix(),
	}
	if p.UsesPKCE() {
		fs.Verifier = oauth2.GenerateVerifier()
	}
	if p.UsesNonce() {
		fs.Nonce = randomString(32)
	}

	secure := strings.HasPrefix(redirectURL, "https://")
	name := cookieName(cookiePrefix(secure), fs.State)
	value, err := h.sealState(name, fs, now)
	if err != nil {
		h.fail(w, r, p.ID, err)
		return
	}
	h.prunePendingSignIns(w, r, now)
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     h.cookiePath(),
		MaxAge:   int(h.stateTTL / time.Second),
		HttpOnly: true,
		Secure:   secure,
		SameSite: sameSite(p, secure),
	})

	authURL := p.AuthCodeURL(providers.AuthRequest{
		State:       fs.State,
		RedirectURL: redirectURL,
		Verifier:    fs.Verifier,
		Nonce:       fs.Nonce,
	})
	http.Redirect(w, r, authURL, http.StatusFound)
}

// signInReturnPath returns the return_to parameter of a sign-in request
// once SafeReturnPath accepts it, or "/" when the parameter is missing or
// empty.
func signInReturnPath(r *http.Request) (string, error) {
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return "", fmt.Errorf("%w: the sign-in query is not valid URL encoding", ErrMalformedQuery)
	}
	values := query["return_to"]
	if len(values) > 1 {
		return "", fmt.Errorf("%w: return_to", ErrRepeatedParameter)
	}
	if len(values) == 0 || values[0] == "" {
		return "/", nil
	}
	safe, ok := SafeReturnPath(values[0])
	if !ok {
		return "", ErrInvalidReturnPath
	}
	return safe, nil
}

// sameSite returns Lax, which sends the cookie on the provider's top-level
// redirect back, or None for a form_post provider over https, because a
// cross-site POST carries only SameSite=None cookies. Lax keeps the cookie
// off other cross-site requests either way.
func sameSite(p *providers.Provider, secure bool) http.SameSite {
	if formPost(p) && secure {
		return http.SameSiteNoneMode
	}
	return http.SameSiteLaxMode
}

// cookiePrefix returns the state cookie name prefix; __Secure- makes
// browsers refuse the cookie from plain http.
func cookiePrefix(secure bool) string {
	if secure {
		return secureCookiePrefix
	}
	return plainCookiePrefix
}

const (
	plainCookiePrefix  = "presetauth-"
	secureCookiePrefix = "__Secure-" + plainCookiePrefix
)

// cookiePath returns the Path of the state cookies: the base path, so that
// a sign-in request carries the pending state cookies that it may delete.
func (h *Handler) cookiePath() string {
	if h.base == "" {
		return "/"
	}
	return h.base
}

// redirectURL returns the provider's callback URL: the spec's, or one
// built from PublicURL or, failing that, the request.
func (h *Handler) redirectURL(r *http.Request, p *providers.Provider) string {
	if p.Spec.RedirectURL != "" {
		return p.Spec.RedirectURL
	}
	origin := h.publicURL
	if origin == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		origin = scheme + "://" + r.Host
	}
	return origin + h.CallbackPath(p.ID)
}

func (h *Handler) callback(w http.ResponseWriter, r *http.Request, p *providers.Provider) {
	query, err := callbackParams(r, p)
	if err != nil {
		h.fail(w, r, p.ID, err)
		return
	}
	for _, values := range query {
		if len(values) > 1 {
			h.fail(w, r, p.ID, ErrRepeatedParameter)
			return
		}
	}

	fs, err := h.takeState(w, r, p, query.Get("state"))
	if err != nil {
		h.fail(w, r, p.ID, err)
		return
	}
	// The checks of the provider's spec hold whatever the cookie carries: a
	// sign-in started without a PKCE verifier or nonce that the provider now
	// requires, such as one started before a configuration change, fails.
	if (p.UsesPKCE() && fs.Verifier == "") || (p.UsesNonce() && fs.Nonce == "") {
		h.fail(w, r, p.ID, fmt.Errorf("%w: it lacks the PKCE verifier or nonce that the provider requires", ErrStateInvalid))
		return
	}

	// RFC 9207: iss names the provider that sent the response, which defeats
	// mix-up attacks that feed one provider's response to another's callback.
	// It is checked on error responses too (§2.4), before they are reported.
	if err := checkIssuer(p, query); err != nil {
		h.fail(w, r, p.ID, err)
		return
	}
	if code := query.Get("error"); code != "" {
		h.fail(w, r, p.ID, &AuthorizationError{
			Provider:    p.ID,
			Code:        code,
			Description: query.Get("error_description"),
			Reason:      query.Get("error_reason"),
		})
		return
	}

	// Threads appends "#_" to its redirect. Browsers drop the fragment,
	// but a code pasted by hand or forwarded by a proxy may keep it.
	code := strings.TrimSuffix(query.Get("code"), "#_")
	if code == "" {
		h.fail(w, r, p.ID, ErrMissingCode)
		return
	}

	tok, profile, err := p.Complete(r.Context(), providers.Callback{
		Code:        code,
		RedirectURL: fs.RedirectURL,
		Verifier:    fs.Verifier,
		Nonce:       fs.Nonce,
	})
	if err != nil {
		h.fail(w, r, p.ID, err)
		return
	}
	h.onSignIn(w, r, &Result{
		Provider: p.ID,
		Token:    tok,
		Profile:  profile,
		Scopes:   p.Scopes(tok),
		ReturnTo: fs.ReturnTo,
	})
}

// maxFormBody caps a form_post callback body; the parameters are a few
// hundred bytes.
const maxFormBody = 64 << 10

// formPost reports whether the provider returns to the callback with an
// HTML form POST (OAuth 2.0 Form Post Response Mode), as Sign in with Apple
// does when the name or email scope is requested.
func formPost(p *providers.Provider) bool {
	return p.Spec.Authorization.Params["response_mode"] == "form_post"
}

// callbackParams returns the authorization response: the query, or the
// form body of a form_post provider, never a mix of both. Its errors wrap
// ErrMalformedQuery.
func callbackParams(r *http.Request, p *providers.Provider) (url.Values, error) {
	raw := r.URL.RawQuery
	if formPost(p) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxFormBody+1))
		if err != nil || len(body) > maxFormBody {
			return nil, fmt.Errorf("%w: the form body is unreadable or over %d bytes", ErrMalformedQuery, maxFormBody)
		}
		raw = string(body)
	}
	query, err := url.ParseQuery(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: the callback parameters are not valid URL encoding", ErrMalformedQuery)
	}
	return query, nil
}

// checkIssuer compares the iss parameter with the provider's issuer. The
// parameter is required when the discovery document declares that the
// provider sends it, and checked whenever it is present and the provider
// has an issuer.
func checkIssuer(p *providers.Provider, query url.Values) error {
	iss, expected := query.Get("iss"), p.Issuer()
	switch {
	case iss == "" && p.RequiresIssuerParameter():
		return ErrMissingIssuer
	case iss != "" && expected != "" && subtle.ConstantTimeCompare([]byte(iss), []byte(expected)) != 1:
		return ErrIssuerMismatch
	}
	return nil
}

// takeState finds the state cookie named after the state parameter, clears
// it so it is used once, and checks that it belongs to this provider,
// client and redirect URL and carries the same state.
func (h *Handler) takeState(w http.ResponseWriter, r *http.Request, p *providers.Provider, state string) (*flowState, error) {
	if state == "" {
		return nil, ErrMissingState
	}
	secure := strings.HasPrefix(h.redirectURL(r, p), "https://")
	name := cookieName(cookiePrefix(secure), state)
	cookie, err := r.Cookie(name)
	if err != nil {
		return nil, ErrNoSignIn
	}
	h.deleteStateCookie(w, name, secure, sameSite(p, secure))

	fs, err := h.openState(name, cookie.Value, h.now())
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(fs.State), []byte(state)) != 1 {
		return nil, ErrStateMismatch
	}
	if fs.Provider != p.ID || fs.ClientID != p.Spec.ClientID || fs.RedirectURL != h.redirectURL(r, p) {
		return nil, ErrProviderMismatch
	}
	return fs, nil
}

// fail logs a failed sign-in and hands the error to OnError.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, provider string, err error) {
	h.logger.Warn("sign-in failed", "provider", provider, "error", err)
	h.onError(w, r, err)
}
