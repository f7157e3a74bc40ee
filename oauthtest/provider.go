package oauthtest

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// builtinFS contains one folder per built-in provider: providers/<name>/emulator.yaml
// and the reply files beside it.
//
//go:embed providers
var builtinFS embed.FS

// specFile is the name of the provider description inside a provider folder.
const specFile = "emulator.yaml"

// Endpoint names one endpoint of an emulated provider.
type Endpoint string

// The endpoints an emulated provider can serve. Exchange and Refresh are
// served only when the provider declares them.
const (
	EndpointAuthorize Endpoint = "authorize"
	EndpointToken     Endpoint = "token"
	EndpointExchange  Endpoint = "exchange"
	EndpointRefresh   Endpoint = "refresh"
	EndpointUserinfo  Endpoint = "userinfo"
)

var endpoints = []Endpoint{
	EndpointAuthorize, EndpointToken, EndpointExchange, EndpointRefresh, EndpointUserinfo,
	EndpointDiscovery, EndpointJWKS,
}

// Client authentication methods at the token endpoint, as named by RFC 7591.
const (
	authClientSecretPost  = "client_secret_post"
	authClientSecretBasic = "client_secret_basic"
	authNone              = "none"
)

// PKCE policies of a provider.
const (
	pkceNone     = "none"
	pkceOptional = "optional"
	pkceRequired = "required"
)

// Ways a provider takes the access token at the userinfo endpoint.
const (
	userinfoAuthHeader = "header"
	userinfoAuthQuery  = "query"
)

// Provider is an emulated provider loaded from its folder. It is immutable,
// so one Provider can back many servers at once.
type Provider struct {
	spec    spec
	replies map[string]Reply
	grants  map[Endpoint]*grant

	resources map[string]Reply // fixture replies of spec.Resources
	idClaims  []member         // the oidc claims file, nil without one
}

// spec is the decoded emulator.yaml. Field comments there describe each key.
type spec struct {
	Name             string                `yaml:"name"`
	Authorize        string                `yaml:"authorize"`
	Token            string                `yaml:"token"`
	Userinfo         string                `yaml:"userinfo"`
	Aliases          map[Endpoint][]string `yaml:"aliases"`
	TokenAuthMethods []string              `yaml:"token_auth_methods"`
	ScopeSeparator   string                `yaml:"scope_separator"`
	Scopes           []string              `yaml:"scopes"`
	RequiredScopes   []string              `yaml:"required_scopes"`
	RedirectURI      redirectRules         `yaml:"redirect_uri"`
	RedirectFragment string                `yaml:"redirect_fragment"`
	PKCE             string                `yaml:"pkce"`
	CodePrefix       string                `yaml:"code_prefix"`
	CodeLifetime     time.Duration         `yaml:"code_lifetime"`
	TokenPrefix      string                `yaml:"token_prefix"`
	TokenLifetime    time.Duration         `yaml:"token_lifetime"`
	Deny             map[string]string     `yaml:"deny"`
	UserinfoAuth     string                `yaml:"userinfo_auth"`
	UserinfoFields   []string              `yaml:"userinfo_fields"`
	Exchange         *grantSpec            `yaml:"exchange"`
	Refresh          *grantSpec            `yaml:"refresh"`
	Replies          map[string]replySpec  `yaml:"replies"`

	// Resources, RequiredHeaders and TokenDefaultFormat are described in
	// resources.go.
	Resources          map[string]resourceSpec `yaml:"resources"`
	RequiredHeaders    map[string][]string     `yaml:"required_headers"`
	TokenDefaultFormat string                  `yaml:"token_default_format"`

	// OIDC makes the provider an OpenID Provider; see oidc.go.
	OIDC *oidcSpec `yaml:"oidc"`

	// request_rules, userinfo_method and scope_optional are described in
	// rules.go.
	requestRules `yaml:",inline"`

	// response_modes and the form_post keys are described in formpost.go.
	responseModeRules `yaml:",inline"`
}

// redirectRules are the provider's checks on a redirect URI beyond being
// absolute and without a fragment.
type redirectRules struct {
	HTTPS       bool     `yaml:"https"`
	RejectHosts []string `yaml:"reject_hosts"`
}

// grantSpec describes a follow-up grant that trades one access token for
// another, such as a long-lived token exchange or a token refresh.
type grantSpec struct {
	URL           string        `yaml:"url"`
	Method        string        `yaml:"method"`
	GrantType     string        `yaml:"grant_type"`
	TokenParam    string        `yaml:"token_param"`
	SecretParam   string        `yaml:"secret_param"`
	ClientIDParam string        `yaml:"client_id_param"`
	ClientAuth    bool          `yaml:"client_auth"`
	Accepts       []string      `yaml:"accepts"`
	MinAge        time.Duration `yaml:"min_age"`
	TokenLifetime time.Duration `yaml:"token_lifetime"`
	Reply         replySpec     `yaml:"reply"`
}

// grant is a loaded grantSpec with its success reply.
type grant struct {
	grantSpec
	reply Reply
}

// replySpec names a reply file. In YAML it is either the file name alone
// (status 200) or a mapping with status, file and content_type.
type replySpec struct {
	Status      int    `yaml:"status"`
	File        string `yaml:"file"`
	ContentType string `yaml:"content_type"`
}

// UnmarshalYAML accepts a file name or a mapping, and rejects unknown keys.
func (r *replySpec) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind == yaml.ScalarNode {
		r.File = node.Value
		return nil
	}
	if node.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a reply must be a file name or a mapping", node.Line)
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		key := node.Content[i]
		if !slices.Contains([]string{"status", "file", "content_type"}, key.Value) {
			return fmt.Errorf("line %d: unknown reply key %q (allowed: status, file, content_type)",
				key.Line, key.Value)
		}
	}
	type plain replySpec
	return node.Decode((*plain)(r))
}

// Reply names the emulator looks up. A reply may be scoped to one endpoint
// as "<endpoint>.<name>" (for example exchange.bad_client), which wins over
// the unscoped name there.
var (
	requiredReplies = []string{
		"token", "userinfo", "invalid_code", "invalid_token", "bad_client",
		"invalid_request", "authorize_error", "blocked_url",
	}

	// replyFallbacks maps an optional reply to the one used in its absence.
	replyFallbacks = map[string]string{
		"invalid_client_id":      "authorize_error",
		"invalid_response_type":  "authorize_error",
		"invalid_response_mode":  "authorize_error",
		"invalid_scope":          "authorize_error",
		"invalid_challenge":      "authorize_error",
		"invalid_redirect_uri":   "blocked_url",
		"redirect_mismatch":      "invalid_code",
		"invalid_verifier":       "invalid_code",
		"missing_token":          "unknown_token",
		"wrong_kind_token":       "unknown_token",
		"unknown_token":          "invalid_token",
		"method_not_allowed":     "invalid_request",
		"unsupported_grant_type": "invalid_request",
		"unknown_field":          "invalid_request",
		"refresh_too_early":      "invalid_request",
		missingHeaderReply:       "invalid_request",
		invalidHeaderReply:       missingHeaderReply,
		invalidParamReply:        "invalid_request",
	}
)

// LoadProvider reads an emulated provider from dir in fsys: dir/emulator.yaml
// and the reply files it names, relative to dir. It checks the description
// and that every JSON reply parses.
func LoadProvider(fsys fs.FS, dir string) (*Provider, error) {
	raw, err := fs.ReadFile(fsys, path.Join(dir, specFile))
	if err != nil {
		return nil, fmt.Errorf("oauthtest: read provider: %w", err)
	}

	var s spec
	decoder := yaml.NewDecoder(bytes.NewReader(raw))
	decoder.KnownFields(true)
	if err := decoder.Decode(&s); err != nil {
		return nil, fmt.Errorf("oauthtest: decode %s: %w", path.Join(dir, specFile), err)
	}
	s.applyDefaults()
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("oauthtest: provider in %s: %w", dir, err)
	}

	p := &Provider{spec: s, replies: map[string]Reply{}, grants: map[Endpoint]*grant{}, resources: map[string]Reply{}}
	if err := p.loadResources(fsys, dir); err != nil {
		return nil, fmt.Errorf("oauthtest: provider in %s: %w", dir, err)
	}
	for _, name := range slices.Sorted(maps.Keys(s.Replies)) {
		reply, err := loadReply(fsys, dir, s.Replies[name])
		if err != nil {
			return nil, fmt.Errorf("oauthtest: provider in %s: reply %s: %w", dir, name, err)
		}
		p.replies[name] = reply
	}
	for _, e := range []Endpoint{EndpointExchange, EndpointRefresh} {
		gs := s.grantSpec(e)
		if gs == nil {
			continue
		}
		reply, err := loadReply(fsys, dir, gs.Reply)
		if err != nil {
			return nil, fmt.Errorf("oauthtest: provider in %s: %s reply: %w", dir, e, err)
		}
		p.grants[e] = &grant{grantSpec: *gs, reply: reply}
	}

	if s.OIDC != nil {
		if p.idClaims, err = loadOIDC(fsys, dir, p.spec.OIDC); err == nil {
			err = p.checkSubjects()
		}
		if err != nil {
			return nil, fmt.Errorf("oauthtest: provider in %s: %w", dir, err)
		}
	}

	for _, name := range []string{"token", "exchange", "refresh"} {
		reply, ok := p.replies[name]
		if g := p.grants[Endpoint(name)]; g != nil {
			reply, ok = g.reply, true
		}
		if ok && !hasMember(reply, accessTokenField) {
			return nil, fmt.Errorf("oauthtest: provider in %s: %s reply has no access_token to replace",
				dir, name)
		}
	}
	return p, nil
}

// Builtin loads the embedded provider folder providers/<name>.
// An unknown name gives an error that wraps [fs.ErrNotExist].
func Builtin(name string) (*Provider, error) {
	if name == "" || strings.ContainsAny(name, `/\.`) {
		return nil, fmt.Errorf("oauthtest: invalid provider name %q: %w", name, fs.ErrNotExist)
	}
	return LoadProvider(builtinFS, "providers/"+name)
}

// Builtins returns the names of the embedded providers, sorted.
func Builtins() []string {
	entries, err := fs.ReadDir(builtinFS, "providers")
	if err != nil {
		return nil
	}
	var names []string
	for _, entry := range entries {
		if entry.IsDir() {
			names = append(names, entry.Name())
		}
	}
	slices.Sort(names)
	return names
}

// Name returns the provider's name from its emulator.yaml.
func (p *Provider) Name() string { return p.spec.Name }

// URL returns the real URL of endpoint e, or "" when the provider does not
// serve it.
func (p *Provider) URL(e Endpoint) string {
	switch e {
	case EndpointAuthorize:
		return p.spec.Authorize
	case EndpointToken:
		return p.spec.Token
	case EndpointUserinfo:
		return p.spec.Userinfo
	}
	if g := p.grants[e]; g != nil {
		return g.URL
	}
	if r, ok := p.spec.Resources[string(e)]; ok {
		return r.URL
	}
	return p.oidcURL(e)
}

// reply returns the reply for name at endpoint e, following replyFallbacks.
// The endpoint-scoped name wins at each step.
func (p *Provider) reply(e Endpoint, name string) Reply {
	for n := name; n != ""; n = replyFallbacks[n] {
		if r, ok := p.replies[string(e)+"."+n]; ok {
			return r.clone()
		}
		if r, ok := p.replies[n]; ok {
			return r.clone()
		}
	}
	return Reply{
		Status:      http.StatusInternalServerError,
		Body:        []byte("oauthtest: the provider has no reply named " + name + "\n"),
		ContentType: "text/plain; charset=utf-8",
	}
}

// grantSpec returns the follow-up grant declared for e, or nil.
func (s *spec) grantSpec(e Endpoint) *grantSpec {
	switch e {
	case EndpointExchange:
		return s.Exchange
	case EndpointRefresh:
		return s.Refresh
	}
	return nil
}

func (s *spec) applyDefaults() {
	if s.ScopeSeparator == "" {
		s.ScopeSeparator = " "
	}
	if s.PKCE == "" {
		s.PKCE = pkceNone
	}
	if s.CodeLifetime == 0 {
		s.CodeLifetime = 10 * time.Minute
	}
	if s.TokenLifetime == 0 {
		s.TokenLifetime = time.Hour
	}
	if s.UserinfoAuth == "" {
		s.UserinfoAuth = userinfoAuthHeader
	}
	if len(s.Deny) == 0 {
		s.Deny = map[string]string{"error": "access_denied"}
	}
	for _, g := range []*grantSpec{s.Exchange, s.Refresh} {
		if g == nil {
			continue
		}
		g.Method = strings.ToUpper(g.Method)
		if g.Method == "" {
			g.Method = http.MethodPost
		}
		if g.TokenLifetime == 0 {
			g.TokenLifetime = s.TokenLifetime
		}
	}
}

func (s *spec) validate() error {
	var errs []error
	if s.Name == "" {
		errs = append(errs, errors.New("name is missing"))
	}
	for _, field := range []struct{ key, url string }{
		{"authorize", s.Authorize}, {"token", s.Token}, {"userinfo", s.Userinfo},
	} {
		if field.key == "userinfo" && field.url == "" && s.OIDC != nil {
			continue // an OpenID Provider may put every claim in the ID token
		}
		if err := checkEndpointURL(field.url); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field.key, err))
		}
	}
	for _, e := range slices.Sorted(maps.Keys(s.Aliases)) {
		if !slices.Contains(endpoints, e) {
			errs = append(errs, fmt.Errorf("aliases: unknown endpoint %q (allowed: %v)", e, endpoints))
		}
		for _, raw := range s.Aliases[e] {
			if err := checkEndpointURL(raw); err != nil {
				errs = append(errs, fmt.Errorf("aliases.%s: %w", e, err))
			}
		}
	}

	if len(s.TokenAuthMethods) == 0 {
		errs = append(errs, errors.New("token_auth_methods is empty"))
	}
	for _, m := range s.TokenAuthMethods {
		if !slices.Contains([]string{authClientSecretPost, authClientSecretBasic, authNone}, m) {
			errs = append(errs, fmt.Errorf(
				"token_auth_methods: unknown method %q (allowed: client_secret_post, client_secret_basic, none)", m))
		}
	}
	if !slices.Contains([]string{pkceNone, pkceOptional, pkceRequired}, s.PKCE) {
		errs = append(errs, fmt.Errorf("pkce: unknown value %q (allowed: none, optional, required)", s.PKCE))
	}
	if !slices.Contains([]string{userinfoAuthHeader, userinfoAuthQuery}, s.UserinfoAuth) {
		errs = append(errs, fmt.Errorf("userinfo_auth: unknown value %q (allowed: header, query)", s.UserinfoAuth))
	}
	if s.CodeLifetime < 0 || s.TokenLifetime < 0 {
		errs = append(errs, errors.New("code_lifetime and token_lifetime must be positive"))
	}

	if s.Exchange != nil {
		if err := s.Exchange.validate(); err != nil {
			errs = append(errs, fmt.Errorf("exchange: %w", err))
		}
	}
	if s.Refresh != nil {
		if err := s.Refresh.validate(); err != nil {
			errs = append(errs, fmt.Errorf("refresh: %w", err))
		}
	}

	errs = append(errs, s.validateResources()...)
	errs = append(errs, s.validateRequestRules()...)
	errs = append(errs, s.validateResponseModes()...)
	errs = append(errs, s.validateReplyNames()...)
	return errors.Join(errs...)
}

func (g *grantSpec) validate() error {
	var errs []error
	if err := checkEndpointURL(g.URL); err != nil {
		errs = append(errs, fmt.Errorf("url: %w", err))
	}
	if g.Method != http.MethodGet && g.Method != http.MethodPost {
		errs = append(errs, fmt.Errorf("method: unknown value %q (allowed: GET, POST)", g.Method))
	}
	if g.GrantType == "" {
		errs = append(errs, errors.New("grant_type is missing"))
	}
	if g.TokenParam == "" {
		errs = append(errs, errors.New("token_param is missing"))
	}
	if len(g.Accepts) == 0 {
		errs = append(errs, errors.New("accepts is empty"))
	}
	for _, kind := range g.Accepts {
		if !slices.Contains([]string{"token", "exchange", "refresh", refreshTokenKind}, kind) {
			errs = append(errs, fmt.Errorf(
				"accepts: unknown token kind %q (allowed: token, exchange, refresh, refresh_token)", kind))
		}
	}
	if g.MinAge < 0 || g.TokenLifetime < 0 {
		errs = append(errs, errors.New("min_age and token_lifetime must be positive"))
	}
	if g.Reply.File == "" {
		errs = append(errs, errors.New("reply is missing"))
	}
	return errors.Join(errs...)
}

func (s *spec) validateReplyNames() []error {
	var errs []error
	for _, name := range requiredReplies {
		if _, ok := s.Replies[name]; !ok {
			errs = append(errs, fmt.Errorf("replies: %s is missing", name))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.Replies)) {
		base := name
		if scope, rest, ok := strings.Cut(name, "."); ok {
			if !s.knowsEndpoint(Endpoint(scope)) {
				errs = append(errs, fmt.Errorf("replies: %s: unknown endpoint %q", name, scope))
			}
			base = rest
		}
		_, optional := replyFallbacks[base]
		if !optional && !slices.Contains(requiredReplies, base) {
			errs = append(errs, fmt.Errorf("replies: unknown reply name %q", name))
		}
	}
	return errs
}

// checkEndpointURL accepts an absolute http or https URL with a host.
func checkEndpointURL(raw string) error {
	if raw == "" {
		return errors.New("URL is missing")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("invalid URL %q: must be absolute http or https", raw)
	}
	return nil
}

func loadReply(fsys fs.FS, dir string, rs replySpec) (Reply, error) {
	if rs.File == "" {
		return Reply{}, errors.New("file is missing")
	}
	body, err := fs.ReadFile(fsys, path.Join(dir, rs.File))
	if err != nil {
		return Reply{}, err
	}

	reply := Reply{Status: rs.Status, Body: bytes.TrimSpace(body), ContentType: rs.ContentType}
	if reply.Status == 0 {
		reply.Status = http.StatusOK
	}
	if reply.ContentType == "" {
		reply.ContentType = "application/json"
	}
	if isJSON(reply.ContentType) && !json.Valid(reply.Body) {
		return Reply{}, fmt.Errorf("%s is not valid JSON", rs.File)
	}
	return reply, nil
}
