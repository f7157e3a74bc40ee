package oauthtest

import (
	"crypto/subtle"
	"html/template"
	"net/http"
	"time"
)

const (
	// consentLifetime is how long a consent page accepts the user's choice.
	consentLifetime = 10 * time.Minute

	// maxPendingConsents is the maximum number of consent pages waiting
	// for the user's choice, so that a loop of authorization requests uses
	// bounded memory.
	maxPendingConsents = 1000

	// consentCookie binds a consent page to the browser it was shown in.
	consentCookie = "oauthtest_consent"

	// Names of the consent form's fields.
	consentTokenField    = "consent_token"
	consentDecisionField = "decision"
)

// consentStore holds the consent pages that wait for the user's choice.
// Server.mu guards it.
type consentStore struct {
	pending map[string]*pendingConsent // by form token
}

// pendingConsent is a checked authorization request shown on a consent
// page. The form token names it, and the browser value must come back in
// consentCookie, so a form posted from another site or another browser is
// rejected (a CSRF defense in the spirit of RFC 6749 section 10.12).
type pendingConsent struct {
	request *authorizationRequest
	browser string
	expires time.Time
}

// consentPage is the data of consentTemplate.
type consentPage struct {
	Provider string
	ClientID string
	Scopes   []string
	Action   string
	Token    string
}

var consentTemplate = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Allow access? ({{.Provider}}, emulated)</title>
<style>
body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#111}
.card{border:1px solid #d1d5db;border-radius:.75rem;padding:1.25rem}
.note{color:#4b5563;font-size:.9rem}
.buttons{display:flex;gap:.75rem;margin-top:1rem}
button{flex:1;padding:.8rem 1rem;border-radius:.5rem;font-size:1rem;font-weight:600;border:1px solid #111;cursor:pointer}
#allow{background:#111;color:#fff}#cancel{background:#fff;color:#111}
</style></head><body>
<div class="card">
<p class="note">{{.Provider}} (emulated by oauthtest)</p>
<h1>Allow access?</h1>
<p>The app with client id <strong id="client-id">{{.ClientID}}</strong> asks for:</p>
<ul id="scopes">{{range .Scopes}}<li>{{.}}</li>{{end}}</ul>
<form method="post" action="{{.Action}}">
<input type="hidden" name="` + consentTokenField + `" value="{{.Token}}">
<div class="buttons">
<button id="cancel" type="submit" name="` + consentDecisionField + `" value="cancel">Cancel</button>
<button id="allow" type="submit" name="` + consentDecisionField + `" value="allow">Allow</button>
</div>
</form>
</div>
</body></html>
`))

var consentErrorTemplate = template.Must(template.New("consent-error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Consent failed</title></head><body>
<h1>Consent failed</h1><p id="message">{{.}}</p>
</body></html>
`))

// showConsent stores req and sends the consent page.
func (s *Server) showConsent(w http.ResponseWriter, r *http.Request, req *authorizationRequest) {
	token := randomValue("")
	browser := randomValue("")

	s.mu.Lock()
	full := !s.consent.add(token, &pendingConsent{
		request: req,
		browser: browser,
		expires: s.now().Add(consentLifetime),
	}, s.now())
	s.mu.Unlock()
	if full {
		writeConsentError(w, http.StatusServiceUnavailable, "Too many consent pages are waiting for a choice. Try again later.")
		return
	}

	http.SetCookie(w, &http.Cookie{
		Name:     consentCookie,
		Value:    browser,
		Path:     r.URL.EscapedPath(),
		MaxAge:   int(consentLifetime / time.Second),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	})
	setPageHeaders(w)
	w.WriteHeader(http.StatusOK)
	_ = consentTemplate.Execute(w, consentPage{
		Provider: s.provider.Name(),
		ClientID: s.client.ID,
		Scopes:   req.scopes,
		Action:   r.URL.EscapedPath(),
		Token:    token,
	})
}

// consentDecision receives the consent form. Allow redirects back with a
// code, Cancel with the provider's denial. A form whose token is unknown,
// expired, already used or posted without its cookie gets an error page and
// no redirect. A queued denial turns Allow into Cancel.
func (s *Server) consentDecision(w http.ResponseWriter, r *http.Request, deny bool) {
	token := r.PostForm.Get(consentTokenField)
	decision := r.PostForm.Get(consentDecisionField)
	browser := ""
	if c, err := r.Cookie(consentCookie); err == nil {
		browser = c.Value
	}

	s.mu.Lock()
	pending := s.consent.take(token, s.now())
	s.mu.Unlock()

	http.SetCookie(w, &http.Cookie{Name: consentCookie, Path: r.URL.EscapedPath(), MaxAge: -1, HttpOnly: true})
	switch {
	case pending == nil:
		writeConsentError(w, http.StatusBadRequest, "This consent page has expired or its choice was already sent. Start the sign-in again.")
		return
	case browser == "" || subtle.ConstantTimeCompare([]byte(browser), []byte(pending.browser)) != 1:
		writeConsentError(w, http.StatusForbidden, "This consent form was not sent from the page it belongs to. Start the sign-in again.")
		return
	case decision != "allow" && decision != "cancel":
		writeConsentError(w, http.StatusBadRequest, "Choose Allow or Cancel.")
		return
	}

	// 303 makes the browser follow with GET, as after any form post.
	s.redirectBack(w, pending.request, decision == "allow" && !deny, http.StatusSeeOther)
}

// add stores p under token after dropping expired entries. It returns false
// when the store is full.
func (c *consentStore) add(token string, p *pendingConsent, now time.Time) bool {
	if c.pending == nil {
		c.pending = map[string]*pendingConsent{}
	}
	if len(c.pending) >= maxPendingConsents {
		for t, waiting := range c.pending {
			if !now.Before(waiting.expires) {
				delete(c.pending, t)
			}
		}
	}
	if len(c.pending) >= maxPendingConsents {
		return false
	}
	c.pending[token] = p
	return true
}

// take removes and returns the entry under token, or nil when there is none
// or it has expired. The entry is removed in both cases, so each token is
// used at most once.
func (c *consentStore) take(token string, now time.Time) *pendingConsent {
	p := c.pending[token]
	if p == nil {
		return nil
	}
	delete(c.pending, token)
	if !now.Before(p.expires) {
		return nil
	}
	return p
}

func writeConsentError(w http.ResponseWriter, status int, message string) {
	setPageHeaders(w)
	w.WriteHeader(status)
	_ = consentErrorTemplate.Execute(w, message)
}

// setPageHeaders sets the headers of the emulator's HTML pages. The policy
// sets no form-action, because Chromium applies form-action to the redirect
// that follows the post, and that redirect leaves for the client's site.
func setPageHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Referrer-Policy", "no-referrer")
}
