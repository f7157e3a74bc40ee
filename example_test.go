package presetauth_test

import (
	"fmt"

	"github.com/presetauth/presetauth"
	"github.com/presetauth/presetauth/providers"
	"github.com/presetauth/presetauth/schema"
)

// A provider from the built-in Threads preset, with a deployment's
// overrides merged in.
func ExampleProvider() {
	lookup := presetauth.WithLookup(func(name string) (string, bool) {
		return map[string]string{"THREADS_APP_SECRET": "example-secret"}[name], name == "THREADS_APP_SECRET"
	})
	p, err := presetauth.Provider("threads", lookup, presetauth.WithOverrides([]byte(`
client_id: "990602627938098"
client_secret: ${THREADS_APP_SECRET}
redirect_url: https://app.example/auth/callback/threads
scopes: [threads_basic, threads_content_publish]
`)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.AuthCodeURL(providers.AuthRequest{State: "STATE"}))
	// Output:
	// https://threads.net/oauth/authorize?client_id=990602627938098&redirect_uri=https%3A%2F%2Fapp.example%2Fauth%2Fcallback%2Fthreads&response_type=code&scope=threads_basic%2Cthreads_content_publish&state=STATE
}

// Every problem of a deployment file comes back at once, each with its
// file, line, column and field path.
func ExampleLoad_errors() {
	_, err := presetauth.Load("auth.yaml", []byte(`providers:
  threads:
    client_id: "990602627938098"
    client_secret: secret
    scope: [threads_basic]
    token: {auth_methd: client_secret_basic}
`))
	for _, e := range schema.Errors(err) {
		fmt.Println(e)
	}
	// Output:
	// schema: auth.yaml:5:5: providers.threads.scope: unknown key "scope"; did you mean scopes? Allowed keys are authorization, checks, client_id, client_secret, client_secret_file, discovery, errors, exchange, id_token, issuer, name, preset, profile, redirect_url, refresh, scope_separator, scopes, style, token, type, userinfo
	// schema: auth.yaml:6:13: providers.threads.token.auth_methd: unknown key "auth_methd"; did you mean auth_method? Allowed keys are auth_method, default_lifetime, headers, params, url
}

// A provider that no preset covers, declared in full.
func ExampleLoad() {
	cfg, err := presetauth.Load("auth.yaml", []byte(`providers:
  acme:
    name: Acme
    client_id: acme-client
    client_secret: acme-secret
    authorization: https://acme.example/oauth/authorize?prompt=consent
    token: {url: https://acme.example/oauth/token, auth_method: client_secret_basic}
    userinfo: https://acme.example/api/me
    scopes: [profile, email]
    profile: {id: data.id, name: data.attributes.display_name, email: data.attributes.email}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	p := cfg.Providers[0]
	fmt.Println(p.ID, p.Name(), p.Spec.Token.AuthMethod, p.Spec.Authorization.Params["prompt"])
	// Output:
	// acme Acme client_secret_basic consent
}
