// Package schema defines the presetauth config language: the Go types of a
// provider spec and of a deployment file, YAML decoding with positioned
// errors, the merge of a deployment's override into a preset, secret
// resolution and validation. It makes no HTTP calls.
package schema

import "time"

// Spec is one provider as declared in YAML: a preset, a deployment's entry,
// or the merge of both.
type Spec struct {
	// Preset names the preset this entry starts from. In a deployment file the
	// entry's key names the preset when Preset is empty.
	Preset string `yaml:"preset,omitempty"`

	// Name is the display name, as in "Sign in with Threads".
	Name string `yaml:"name,omitempty" validate:"required"`

	// Type is "oauth2" (the default) or "oidc".
	Type string `yaml:"type,omitempty" validate:"omitempty,oneof=oauth2 oidc"`

	// Issuer is the provider's issuer identifier. When set, an `iss`
	// parameter on the authorization response must equal it (RFC 9207).
	// With type oidc, endpoints missing from the spec are discovered from
	// the issuer's /.well-known/openid-configuration.
	Issuer string `yaml:"issuer,omitempty" validate:"omitempty,endpointurl"`

	// Discovery overrides the URL of the OpenID Connect discovery document.
	Discovery string `yaml:"discovery,omitempty" validate:"omitempty,endpointurl"`

	// IDToken configures ID token verification (type oidc).
	IDToken IDTokenSpec `yaml:"id_token,omitempty"`

	ClientID         string `yaml:"client_id,omitempty"`
	ClientSecret     Secret `yaml:"client_secret,omitempty"`
	ClientSecretFile string `yaml:"client_secret_file,omitempty"`

	// RedirectURL is the callback URL registered with the provider. Empty
	// means the handler derives it from the request.
	RedirectURL string `yaml:"redirect_url,omitempty" validate:"omitempty,endpointurl"`

	Scopes []string `yaml:"scopes,omitempty"`

	// ScopeSeparator joins Scopes in the authorization request and splits
	// the scope of a token reply. The default is a space (RFC 6749 §3.3).
	ScopeSeparator string `yaml:"scope_separator,omitempty"`

	Authorization Endpoint       `yaml:"authorization,omitempty"`
	Token         TokenEndpoint  `yaml:"token,omitempty"`
	Userinfo      *UserinfoSpec  `yaml:"userinfo,omitempty"`
	Exchange      *TokenStep     `yaml:"exchange,omitempty"`
	Refresh       *TokenStep     `yaml:"refresh,omitempty"`
	Checks        []string       `yaml:"checks,omitempty" validate:"dive,oneof=state pkce nonce"`
	Profile       ProfileMapping `yaml:"profile,omitempty"`
	Errors        ErrorMapping   `yaml:"errors,omitempty"`
	Style         Style          `yaml:"style,omitempty"`
}

// Endpoint is an HTTP endpoint of the provider. In YAML it may be written as a
// URL string, which is normalized to this form before any merge, with the
// query moved into Params. In the userinfo request and its includes, params
// and headers may contain two placeholders. {client_id} serves headers such
// as the Client-Id that Twitch requires. {appsecret_proof} is the
// HMAC-SHA256 of the access token keyed with the client secret, which Meta's
// Graph API can require.
type Endpoint struct {
	URL     string            `yaml:"url,omitempty" validate:"omitempty,endpointurl"`
	Params  map[string]string `yaml:"params,omitempty"`
	Headers map[string]string `yaml:"headers,omitempty"`
}

// TokenEndpoint is the token endpoint with the client authentication method
// that the provider accepts there.
type TokenEndpoint struct {
	Endpoint `yaml:",inline"`

	// AuthMethod is client_secret_post, client_secret_basic or none
	// (RFC 7591 §2 names). There is no automatic detection, because a
	// rejected first attempt can spend the one-time code.
	AuthMethod string `yaml:"auth_method,omitempty" validate:"omitempty,oneof=client_secret_post client_secret_basic none"`

	// DefaultLifetime is the token's lifetime when the reply carries no
	// expires_in, for providers that document a fixed lifetime instead.
	DefaultLifetime Duration `yaml:"default_lifetime,omitempty"`
}

// UserinfoSpec is the request that returns the user's profile.
type UserinfoSpec struct {
	Endpoint `yaml:",inline"`

	// Method is GET (the default) or POST. A POST sends the params in the
	// query and an empty body, as Dropbox's get_current_account expects.
	Method string `yaml:"method,omitempty" validate:"omitempty,oneof=GET POST"`

	// Fields is sent as the comma-joined `fields` query parameter, the way
	// Meta's Graph APIs select profile fields.
	Fields []string `yaml:"fields,omitempty" validate:"dive,required"`

	// TokenIn is where the access token goes: "header" (Authorization:
	// Bearer, the default) or "query" (access_token=...).
	TokenIn string `yaml:"token_in,omitempty" validate:"omitempty,oneof=header query"`

	// Include lists further requests whose replies are added to the
	// profile JSON under their name, such as GitHub's /user/emails.
	Include []IncludeSpec `yaml:"include,omitempty" validate:"dive"`
}

// IncludeSpec is a further profile request, sent with the same access token
// as the userinfo request.
type IncludeSpec struct {
	Endpoint `yaml:",inline"`

	// Name is the key under which the reply is added to the profile JSON.
	Name string `yaml:"name" validate:"required"`

	// Optional lets the sign-in go on when this request fails, for
	// replies that depend on a scope the user may not grant.
	Optional bool `yaml:"optional,omitempty"`
}

// IDTokenSpec configures ID token verification with coreos/go-oidc.
type IDTokenSpec struct {
	// JWKSURL is the key set URL; by default it comes from discovery.
	JWKSURL string `yaml:"jwks_url,omitempty" validate:"omitempty,endpointurl"`

	// Algorithms are the accepted signing algorithms; by default those
	// that discovery lists, else RS256.
	Algorithms []string `yaml:"algorithms,omitempty"`
}

// TokenStep is a follow-up token request: the exchange of a short-lived token
// for a long-lived one after the code exchange, or a refresh. Param values may
// contain the placeholders {access_token}, {refresh_token}, {client_id} and
// {client_secret}, filled in when the request is sent.
type TokenStep struct {
	Endpoint `yaml:",inline"`

	// Method is GET or POST (the default). With GET the params go in the
	// query, with POST in a form body.
	Method string `yaml:"method,omitempty" validate:"omitempty,oneof=GET POST"`

	// AuthMethod adds client authentication to the step: client_secret_basic
	// (an HTTP Basic header) or client_secret_post (client_id and
	// client_secret in the params). The default adds none, because steps
	// such as Threads' name their credentials in params.
	AuthMethod string `yaml:"auth_method,omitempty" validate:"omitempty,oneof=client_secret_post client_secret_basic none"`

	// RefreshBefore is how long before expiry a refresh runs. Providers whose
	// expired tokens cannot be refreshed need a margin of days.
	RefreshBefore Duration `yaml:"refresh_before,omitempty"`
}

// ProfileMapping maps the provider's profile JSON onto the normalized user.
// Each field takes gjson paths tried in order; the first that exists wins.
// An entry that starts with "=" is a template whose {path} parts are
// replaced by values, such as "={first_name} {last_name}"; it counts as
// existing only when every path in it does.
type ProfileMapping struct {
	// Sources are the JSON objects that make up the profile, merged key by
	// key in order, a later source winning: userinfo (the userinfo reply
	// with its includes), id_token (the verified ID token's claims) and
	// token (the token reply). The default is [userinfo], and
	// [id_token, userinfo] for type oidc.
	Sources []string `yaml:"sources,omitempty" validate:"dive,oneof=userinfo id_token token"`

	ID            Paths            `yaml:"id,omitempty" validate:"dive,gjsonpath"`
	Name          Paths            `yaml:"name,omitempty" validate:"dive,gjsonpath"`
	Email         Paths            `yaml:"email,omitempty" validate:"dive,gjsonpath"`
	EmailVerified Paths            `yaml:"email_verified,omitempty" validate:"dive,gjsonpath"`
	Image         Paths            `yaml:"image,omitempty" validate:"dive,gjsonpath"`
	Extra         map[string]Paths `yaml:"extra,omitempty" validate:"dive,dive,gjsonpath"`
}

// ErrorMapping holds the gjson paths that read a provider's error reply.
// Paths are tried in order; the defaults cover RFC 6749 §5.2 and both Meta
// shapes, so most presets leave this empty.
type ErrorMapping struct {
	// Markers are the paths whose presence makes a reply an error reply.
	// The defaults are error, error_message, error_type and errors.
	Markers Paths `yaml:"markers,omitempty" validate:"dive,gjsonpath"`

	Code        Paths `yaml:"code,omitempty" validate:"dive,gjsonpath"`
	Description Paths `yaml:"description,omitempty" validate:"dive,gjsonpath"`
	Type        Paths `yaml:"type,omitempty" validate:"dive,gjsonpath"`
	Subcode     Paths `yaml:"subcode,omitempty" validate:"dive,gjsonpath"`
	TraceID     Paths `yaml:"trace_id,omitempty" validate:"dive,gjsonpath"`
}

// Style is how the sign-in button looks.
type Style struct {
	// Logo is the name of a built-in logo, such as threads (the files of
	// presets/logos), or a data:image/svg+xml or data:image/png URI in
	// base64. Without one, the button shows the first letter of the name.
	Logo string `yaml:"logo,omitempty" validate:"omitempty,max=65536,alphanum|datauri"`

	// Background is the button's color, as #rrggbb.
	Background string `yaml:"background,omitempty" validate:"omitempty,hexcolor"`

	// Text is the color of the button's label and logo, as #rrggbb.
	Text string `yaml:"text,omitempty" validate:"omitempty,hexcolor"`

	// Border is the color of the button's outline, for a button whose
	// background is close to the page's.
	Border string `yaml:"border,omitempty" validate:"omitempty,hexcolor"`
}

// Paths is a list of gjson paths. YAML accepts one path as a plain string.
type Paths []string

// Duration is a time.Duration written in YAML as a Go duration string such
// as "168h".
type Duration time.Duration

// Deployment is a deployment file: the providers it signs in with.
type Deployment struct {
	// Presets lists extra folders of preset files, relative to the file.
	Presets []string `yaml:"presets,omitempty"`

	// Variables fill ${NAME} references before the environment does, for
	// values such as a tenant or a realm that are not secret. Their values
	// are used as written and may not contain references themselves.
	Variables map[string]string `yaml:"variables,omitempty"`

	// Providers maps a provider id, used in URLs, to its spec.
	Providers map[string]*Spec `yaml:"providers"`
}
