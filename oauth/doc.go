// Package oauth is the browser side of a sign-in: an http.Handler that
// starts a sign-in and receives the callback, the sealed state cookie, the
// checks (state, PKCE, issuer), safe return paths, and the result handed to
// the application. It does not parse YAML; it takes runtime providers from
// package providers.
package oauth
