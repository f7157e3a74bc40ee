package oauth

import (
	"errors"
	"fmt"
)

// Errors of the sign-in and callback endpoints, for errors.Is. None of them
// contains a value from the request.
var (
	ErrUnknownProvider   = errors.New("oauth: unknown provider")
	ErrNoSignIn          = errors.New("oauth: no sign-in in progress in this browser: the state cookie is missing or has expired")
	ErrMissingState      = errors.New("oauth: callback has no state parameter")
	ErrStateMismatch     = errors.New("oauth: state parameter does not match the sign-in in progress")
	ErrProviderMismatch  = errors.New("oauth: state cookie belongs to another provider or client")
	ErrMissingCode       = errors.New("oauth: callback has no code parameter")
	ErrRepeatedParameter = errors.New("oauth: request repeats a parameter")
	ErrMalformedQuery    = errors.New("oauth: malformed query or form parameters")
	ErrIssuerMismatch    = errors.New("oauth: iss parameter does not match the provider's issuer")
	ErrMissingIssuer     = errors.New("oauth: callback has no iss parameter, which this provider always sends")
	ErrInvalidReturnPath = errors.New("oauth: return_to must be a path on this site, such as /account")
	ErrMethodNotAllowed  = errors.New("oauth: method not allowed; use GET")
)

// AuthorizationError is an error that the provider sent back to the
// callback as error= (RFC 6749 §4.1.2.1), such as access_denied when the
// user cancels.
type AuthorizationError struct {
	Provider    string
	Code        string // the error parameter, such as access_denied
	Description string // error_description, as sent; show it escaped
	Reason      string // error_reason, which Meta providers add
}

func (e *AuthorizationError) Error() string {
	msg := fmt.Sprintf("oauth: %s denied the authorization request: %s", e.Provider, e.Code)
	if e.Description != "" {
		msg += fmt.Sprintf(" (%s)", e.Description)
	}
	return msg
}

// Cancelled reports whether the user declined on the provider's consent
// screen: access_denied (RFC 6749 §4.1.2.1), or user_cancelled_authorize,
// which Sign in with Apple and LinkedIn send.
func (e *AuthorizationError) Cancelled() bool {
	return e.Code == "access_denied" || e.Code == "user_cancelled_authorize"
}
