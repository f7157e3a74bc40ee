package oauthtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

// Client is the one application registered with an emulated provider.
type Client struct {
	ID     string
	Secret string

	// RedirectURIs are the registered callback URLs. When the list is not
	// empty, an authorization request's redirect_uri must equal one of them
	// exactly. When it is empty, any redirect URI that passes the
	// provider's rules is taken as registered.
	RedirectURIs []string

	// AllowHTTPLoopback accepts http://127.0.0.1 and http://[::1] redirect
	// URIs at a provider that requires https, so that a callback served by
	// httptest.NewServer works. Hosts the provider rejects stay rejected.
	AllowHTTPLoopback bool

	// Consent makes the authorization endpoint show a consent page with
	// Allow and Cancel buttons, as the real provider does, instead of
	// redirecting back at once. The page posts its choice back to the
	// authorization endpoint.
	Consent bool
}

// Server is a running emulator of one provider on a loopback address.
type Server struct {
	// URL is the base URL of the emulator, http://127.0.0.1:PORT, with no
	// trailing slash.
	URL string

	provider *Provider
	client   Client
	http     *httptest.Server
	routes   map[string][]Endpoint // emulator path -> endpoints served there

	mu      sync.Mutex
	now     func() time.Time
	user    json.RawMessage
	codes   map[string]*authorizationCode
	tokens  map[string]*issuedToken
	pending map[Endpoint][]action
	records map[Endpoint][]Request
	issued  int // codes and tokens issued since the last prune
	consent consentStore

	resources map[string]json.RawMessage // bodies set by SetResource
	key       *signingKey                // signs ID tokens; nil unless the provider is an OpenID Provider
}

// Request is a request that reached one endpoint of the emulator.
type Request struct {
	Method string
	URL    *url.URL    // as received, with the emulator path
	Query  url.Values  // query parameters
	Form   url.Values  // form body parameters of a POST, nil otherwise
	Header http.Header // request headers, Authorization included
	Time   time.Time   // emulator clock when the request arrived
}

// action is a one-shot behavior queued for the next request to an endpoint.
type action struct {
	reply *Reply // sent before any check
	deny  bool   // authorize only: redirect back with the provider's denial
}

// maxRecords caps the requests kept per endpoint. Older ones are dropped, so
// a load test of many sign-ins uses bounded memory.
const maxRecords = 10000

// NewServer starts an emulator of p, a provider from [LoadProvider] or
// [Builtin], with c as its registered client. The caller must call Close.
func NewServer(p *Provider, c Client) *Server {
	s := &Server{
		provider: p,
		client:   Client{c.ID, c.Secret, slices.Clone(c.RedirectURIs), c.AllowHTTPLoopback, c.Consent},
		routes:   map[string][]Endpoint{},
		now:      time.Now,
		user:     json.RawMessage(p.replies["userinfo"].clone().Body),
		codes:    map[string]*authorizationCode{},
		tokens:   map[string]*issuedToken{},
		pending:  map[Endpoint][]action{},
		records:  map[Endpoint][]Request{},
		key:      newSigningKey(p),
	}
	for _, e := range p.servedEndpoints() {
		urls := append([]string{p.URL(e)}, p.spec.Aliases[e]...)
		for _, raw := range urls {
			if raw == "" {
				continue
			}
			route := emulatorPath(raw)
			if !slices.Contains(s.routes[route], e) {
				s.routes[route] = append(s.routes[route], e)
			}
		}
	}

	s.http = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.http.URL
	return s
}

// Close shuts the emulator down and waits for requests in flight.
func (s *Server) Close() { s.http.Close() }

// URLFor maps a real URL of the provider onto the emulator:
// https://graph.threads.net/v1.0/me becomes s.URL+"/graph.threads.net/v1.0/me".
// The query is kept. It returns "" when real is not an absolute URL.
func (s *Server) URLFor(real string) string {
	u, err := url.Parse(real)
	if err != nil || u.Host == "" {
		return ""
	}
	mapped := s.URL + emulatorPath(real)
	if u.RawQuery != "" {
		mapped += "?" + u.RawQuery
	}
	return mapped
}

// EndpointURL returns the emulator URL of endpoint e, or "" when the
// provider does not serve it.
func (s *Server) EndpointURL(e Endpoint) string {
	real := s.provider.URL(e)
	if real == "" {
		return ""
	}
	return s.URLFor(real)
}

// emulatorPath is the path under which the emulator serves a real URL.
func emulatorPath(real string) string {
	u, err := url.Parse(real)
	if err != nil {
		return ""
	}
	return "/" + u.Host + u.EscapedPath()
}

type overrideURL struct {
	URL string `yaml:"url"`
}

// Override returns a deployment override in YAML that points a preset of
// this provider at the emulator. It sets client_id, client_secret, the url
// of authorization, token and userinfo, the url of exchange and refresh
// when the provider serves them, and issuer for an OpenID Provider. Merged
// over the preset, it leaves the rest intact, except userinfo.include: when
// a resource of the provider declares an include entry, the list of those
// entries replaces the preset's list.
func (s *Server) Override() []byte {
	doc := struct {
		ClientID      string           `yaml:"client_id"`
		ClientSecret  string           `yaml:"client_secret"`
		Issuer        string           `yaml:"issuer,omitempty"`
		Authorization overrideURL      `yaml:"authorization"`
		Token         overrideURL      `yaml:"token"`
		Userinfo      overrideUserinfo `yaml:"userinfo"`
		Exchange      *overrideURL     `yaml:"exchange,omitempty"`
		Refresh       *overrideURL     `yaml:"refresh,omitempty"`
	}{
		ClientID:      s.client.ID,
		ClientSecret:  s.client.Secret,
		Issuer:        s.Issuer(),
		Authorization: overrideURL{s.EndpointURL(EndpointAuthorize)},
		Token:         overrideURL{s.EndpointURL(EndpointToken)},
		Userinfo:      s.userinfoOverride(),
	}
	if u := s.EndpointURL(EndpointExchange); u != "" {
		doc.Exchange = &overrideURL{u}
	}
	if u := s.EndpointURL(EndpointRefresh); u != "" {
		doc.Refresh = &overrideURL{u}
	}

	var out bytes.Buffer
	encoder := yaml.NewEncoder(&out)
	encoder.SetIndent(2)
	if err := encoder.Encode(doc); err != nil {
		// A struct of strings always encodes, so this branch is unreachable.
		return nil
	}
	return out.Bytes()
}

// SetUser replaces the userinfo reply body, for example with a profile that
// lacks the picture. It must be a JSON object for fields= filtering to work.
func (s *Server) SetUser(u json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user = append(json.RawMessage(nil), u...)
}

// User returns the userinfo reply body the emulator currently serves.
func (s *Server) User() json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(json.RawMessage(nil), s.user...)
}

// FailNext makes the next request to endpoint e get r, before any check.
// Calls queue up: each request takes one reply.
func (s *Server) FailNext(e Endpoint, r Reply) {
	r = r.clone()
	s.enqueue(e, action{reply: &r})
}

// Deny makes the next authorization request redirect back as if the user
// had cancelled: redirect_uri?error=access_denied&...&state=STATE, with the
// parameters from the provider's deny table. When that request is invalid,
// its error page is sent instead and the denial is spent.
func (s *Server) Deny() { s.enqueue(EndpointAuthorize, action{deny: true}) }

// BlockURL makes the next authorization request get the provider's
// blocked-URL page, which never redirects back to the client.
func (s *Server) BlockURL() {
	r := s.provider.reply(EndpointAuthorize, "blocked_url")
	s.enqueue(EndpointAuthorize, action{reply: &r})
}

func (s *Server) enqueue(e Endpoint, a action) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending[e] = append(s.pending[e], a)
}

func (s *Server) dequeue(e Endpoint) (action, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	queue := s.pending[e]
	if len(queue) == 0 {
		return action{}, false
	}
	s.pending[e] = queue[1:]
	return queue[0], true
}

// Requests returns the requests that reached endpoint e, oldest first. At
// most the last 10000 are kept per endpoint.
func (s *Server) Requests(e Endpoint) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.records[e])
}

// SetClock sets the emulator's clock, which decides the expiry of codes and
// tokens. A nil clock restores time.Now.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	s.now = now
}

func (s *Server) record(e Endpoint, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	req := Request{
		Method: r.Method,
		URL:    cloneURL(r.URL),
		Query:  r.URL.Query(),
		Header: r.Header.Clone(),
		Time:   s.now(),
	}
	if r.PostForm != nil && r.Method == http.MethodPost {
		req.Form = cloneValues(r.PostForm)
	}
	records := s.records[e]
	if len(records) >= maxRecords {
		records = records[1:]
	}
	s.records[e] = append(records, req)
}

func cloneURL(u *url.URL) *url.URL {
	c := *u
	if u.User != nil {
		user := *u.User
		c.User = &user
	}
	return &c
}

func cloneValues(v url.Values) url.Values {
	c := make(url.Values, len(v))
	for key, values := range v {
		c[key] = slices.Clone(values)
	}
	return c
}

// maxBodyBytes caps a request body; real token requests are far smaller.
const maxBodyBytes = 1 << 20

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	served := s.routes[r.URL.EscapedPath()]
	if len(served) == 0 {
		http.NotFound(w, r)
		return
	}

	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	parseErr := r.ParseForm()

	e := served[0]
	if len(served) > 1 {
		e = s.pickByGrantType(served, r.Form.Get("grant_type"))
	}
	s.record(e, r)

	next, queued := s.dequeue(e)
	if queued && next.reply != nil {
		next.reply.write(w)
		return
	}
	if parseErr != nil {
		s.provider.reply(e, "invalid_request").write(w)
		return
	}
	if s.missingHeader(e, r) != "" {
		s.provider.reply(e, missingHeaderReply).write(w)
		return
	}
	if name := s.brokenRuleReply(e, r); name != "" {
		s.provider.reply(e, name).write(w)
		return
	}

	switch e {
	case EndpointAuthorize:
		s.authorize(w, r, queued && next.deny)
	case EndpointToken:
		s.token(w, r)
	case EndpointExchange, EndpointRefresh:
		s.followUpGrant(w, r, e)
	case EndpointUserinfo:
		s.userinfo(w, r)
	case EndpointDiscovery, EndpointJWKS:
		s.serveOIDC(w, r, e)
	default:
		s.resource(w, r, e)
	}
}

// pickByGrantType chooses among endpoints that share one URL, as a refresh
// served at the token URL does, by the request's grant_type.
func (s *Server) pickByGrantType(served []Endpoint, grantType string) Endpoint {
	for _, e := range served {
		if g := s.provider.grants[e]; g != nil && g.GrantType == grantType {
			return e
		}
	}
	if slices.Contains(served, EndpointToken) {
		return EndpointToken
	}
	return served[0]
}
