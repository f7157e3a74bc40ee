package oauth

import (
	"errors"
	"html/template"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/presetauth/presetauth/providers"
)

// ErrorStatus returns the HTTP status that fits a sign-in error.
func ErrorStatus(err error) int {
	var authErr *AuthorizationError
	var providerErr *providers.ProviderError
	var replyErr *providers.ReplyError
	var requestErr *providers.RequestError
	var idTokenErr *providers.IDTokenError
	switch {
	case errors.As(err, &idTokenErr):
		return http.StatusBadRequest
	case errors.Is(err, ErrUnknownProvider):
		return http.StatusNotFound
	case errors.Is(err, ErrMethodNotAllowed):
		return http.StatusMethodNotAllowed
	case errors.As(err, &authErr):
		return http.StatusForbidden
	case errors.As(err, &providerErr), errors.As(err, &replyErr), errors.As(err, &requestErr):
		return http.StatusBadGateway
	}
	return http.StatusBadRequest
}

// ErrorMessage returns a sentence for the user about a sign-in error. It
// contains no value from the request or the provider's reply.
func ErrorMessage(err error) string {
	var authErr *AuthorizationError
	var providerErr *providers.ProviderError
	var idTokenErr *providers.IDTokenError
	switch {
	case errors.As(err, &authErr) && authErr.Cancelled():
		return "Sign-in was cancelled."
	case errors.As(err, &authErr):
		return "The provider refused the sign-in request."
	case errors.Is(err, ErrNoSignIn), errors.Is(err, ErrStateExpired):
		return "This sign-in has expired or was started in another browser. Please start again."
	case errors.Is(err, ErrRepeatedParameter), errors.Is(err, ErrMalformedQuery):
		return "This sign-in request is not valid. Please start again."
	case errors.Is(err, ErrStateInvalid), errors.Is(err, ErrStateMismatch), errors.Is(err, ErrProviderMismatch),
		errors.Is(err, ErrMissingState), errors.Is(err, ErrIssuerMismatch), errors.Is(err, ErrMissingIssuer):
		return "This sign-in response is not valid. Please start again."
	case errors.Is(err, ErrInvalidReturnPath):
		return "The return address must be a page of this site."
	case errors.Is(err, ErrUnknownProvider):
		return "There is no such sign-in provider."
	case errors.Is(err, ErrMissingCode):
		return "The provider's response has no authorization code."
	case errors.Is(err, ErrMethodNotAllowed):
		return "Use a link to sign in."
	case errors.As(err, &providerErr):
		return "The provider returned an error. Please try again later."
	case errors.As(err, &idTokenErr):
		return "The provider's identity token is not valid. Please start again."
	}
	return "The sign-in could not be completed. Please try again later."
}

var errorTemplate = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign-in failed</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5}</style>
</head><body><h1>Sign-in failed</h1><p id="message">{{.Message}}</p>
{{- if .ErrorCode}}<p id="provider-error">The provider returned <code id="error-code">{{.ErrorCode}}</code>
{{- if .ErrorDescription}}: <span id="error-description">{{.ErrorDescription}}</span>{{end}}</p>{{end}}
<p><a href="/">Back to the start page</a></p></body></html>
`))

// errorPageData holds the values of the default error page. ErrorCode and
// ErrorDescription come from the provider's redirect, so an attacker can set
// them. html/template escapes them, and providerText cuts and cleans them.
type errorPageData struct {
	Message          string
	ErrorCode        string
	ErrorDescription string
}

// maxProviderText caps the provider's error code and description on the
// error page.
const maxProviderText = 200

// providerText removes control characters from s, including the bidi
// overrides that could make the text read differently, and cuts it to
// maxProviderText bytes at a rune boundary.
func providerText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) <= maxProviderText {
		return s
	}
	cut := maxProviderText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// errorPage is the default OnError: a plain page with a fixed message and,
// for an error that the provider sent back to the callback, its error code
// and description, escaped.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(ErrorStatus(err))
	if r.Method == http.MethodHead {
		return
	}
	data := errorPageData{Message: ErrorMessage(err)}
	var authErr *AuthorizationError
	if errors.As(err, &authErr) {
		data.ErrorCode = providerText(authErr.Code)
		data.ErrorDescription = providerText(authErr.Description)
	}
	_ = errorTemplate.Execute(w, data)
}
