// Package oauth is the browser side of a sign-in: an http.Handler that
// starts a sign-in and receives the callback, the sealed state cookie, the
// checks (state, PKCE, issuer), safe return paths, and the result handed to
// the application. It does not parse YAML; it takes runtime providers from
// package providers.
//
// # State cookies
//
// Each sign-in sets one state cookie, sealed with AES-GCM and named after
// its state, so that sign-ins in several tabs or with several providers
// run side by side. The cookie lives for Options.StateTTL and has
// Options.BasePath as its Path. When a sign-in request carries more than
// four state cookies, the handler deletes those that no longer open (altered,
// sealed with a retired secret, or expired) and then the oldest beyond the
// four newest.
//
// The callback deletes the state cookie it finds before any check, so a
// browser uses each cookie once, even when the callback fails. The handler
// keeps no record of used states, so a client that saved a copy of the
// cookie can send it with a callback again until the cookie expires. The
// provider stops a replay of the same callback, because it accepts each
// authorization code once (RFC 6749, section 4.1.2); the handler does not.
// A callback with another code issued to the same client and redirect URI
// also passes the handler's checks, unless PKCE binds the code to the
// verifier sealed in the cookie.
package oauth
