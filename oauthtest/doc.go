// Package oauthtest emulates OAuth 2.0 providers on loopback, in the spirit of
// net/http/httptest. It serves tests and the demo command's emulated mode,
// so that a full sign-in runs without internet.
//
// A provider is described by data: a folder holding emulator.yaml and the
// JSON replies it refers to. The folders under providers/ are embedded and
// loaded with [Builtin]; [LoadProvider] reads a folder from any [fs.FS].
// [NewServer] starts an emulator for one provider and one registered client.
// The emulator serves each real endpoint URL under its own origin
// ([Server.URLFor]). It checks every request the way the provider does:
// client id, redirect URI, scope syntax, single-use codes with a lifetime,
// client authentication method and PKCE. It also tracks the kind and
// expiry of each access token it issues. Tests switch failures on per request ([Server.FailNext],
// [Server.Deny], [Server.BlockURL]), move the clock ([Server.SetClock]) and
// read what the client sent ([Server.Requests]). Further API endpoints of a
// provider, such as GitHub's /user/emails, are declared as resources in
// emulator.yaml and replaced per test with [Server.SetResource].
//
// Non-test code of this module must not import oauthtest, and oauthtest
// imports no other package of this module: it speaks plain HTTP.
package oauthtest
