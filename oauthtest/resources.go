package oauthtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// resourceSpec is one entry of emulator.yaml's resources: a further
// authenticated GET endpoint of the provider's API, such as GitHub's
// /user/emails. It is served as the endpoint named by its key.
type resourceSpec struct {
	URL   string    `yaml:"url"`
	Reply replySpec `yaml:"reply"`

	// Auth is the place of the access token: header or query. The
	// default is the provider's userinfo_auth.
	Auth string `yaml:"auth"`

	// Include is the entry that [Server.Override] puts into the preset's
	// userinfo.include list for this resource. The list replaces the
	// preset's list whole when merged, so it must repeat the preset's
	// name and optional flag. Without it, Override leaves the list alone.
	Include *includeSpec `yaml:"include"`
}

// includeSpec is the part of a preset's userinfo.include entry that the
// emulator repeats in its override. The url is the emulator's own.
type includeSpec struct {
	Name     string `yaml:"name"`
	Optional bool   `yaml:"optional,omitempty"`
}

// Token reply formats (emulator.yaml token_default_format).
const (
	formatJSON = "json"
	formatForm = "form"
)

// formContentType is the content type of a form-encoded token reply.
const formContentType = "application/x-www-form-urlencoded; charset=utf-8"

// missingHeaderReply is the reply sent when a required request header is
// absent or empty.
const missingHeaderReply = "missing_header"

// isResource reports whether e names one of the provider's resources.
func (p *Provider) isResource(e Endpoint) bool {
	_, ok := p.spec.Resources[string(e)]
	return ok
}

// servedEndpoints returns the standard endpoints followed by the
// resources, sorted by name.
func (p *Provider) servedEndpoints() []Endpoint {
	served := slices.Clone(endpoints)
	for _, name := range slices.Sorted(maps.Keys(p.spec.Resources)) {
		served = append(served, Endpoint(name))
	}
	return served
}

// knowsEndpoint reports whether e is a standard endpoint or a resource.
func (s *spec) knowsEndpoint(e Endpoint) bool {
	_, resource := s.Resources[string(e)]
	return resource || slices.Contains(endpoints, e)
}

// validateResources checks resources, required_headers and
// token_default_format.
func (s *spec) validateResources() []error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(s.Resources)) {
		r := s.Resources[name]
		if slices.Contains(endpoints, Endpoint(name)) || strings.ContainsAny(name, ". ") || name == "" {
			errs = append(errs, fmt.Errorf(
				"resources: invalid name %q (must not contain a dot or a space, nor be a standard endpoint name)", name))
		}
		if err := checkEndpointURL(r.URL); err != nil {
			errs = append(errs, fmt.Errorf("resources.%s.url: %w", name, err))
		}
		if r.Reply.File == "" {
			errs = append(errs, fmt.Errorf("resources.%s: reply is missing", name))
		}
		if r.Auth != "" && r.Auth != userinfoAuthHeader && r.Auth != userinfoAuthQuery {
			errs = append(errs, fmt.Errorf("resources.%s.auth: unknown value %q (allowed: header, query)", name, r.Auth))
		}
		if r.Include != nil && r.Include.Name == "" {
			errs = append(errs, fmt.Errorf("resources.%s.include: name is missing", name))
		}
	}

	for _, e := range slices.Sorted(maps.Keys(s.RequiredHeaders)) {
		if !s.knowsEndpoint(Endpoint(e)) {
			errs = append(errs, fmt.Errorf("required_headers: unknown endpoint %q", e))
		}
		for _, header := range s.RequiredHeaders[e] {
			if header == "" || strings.ContainsAny(header, " :\r\n") {
				errs = append(errs, fmt.Errorf("required_headers.%s: invalid header name %q", e, header))
			}
		}
	}

	if s.TokenDefaultFormat != "" && s.TokenDefaultFormat != formatJSON && s.TokenDefaultFormat != formatForm {
		errs = append(errs, fmt.Errorf(
			"token_default_format: unknown value %q (allowed: json, form)", s.TokenDefaultFormat))
	}
	return errs
}

// loadResources reads the reply file of every resource.
func (p *Provider) loadResources(fsys fs.FS, dir string) error {
	for _, name := range slices.Sorted(maps.Keys(p.spec.Resources)) {
		reply, err := loadReply(fsys, dir, p.spec.Resources[name].Reply)
		if err != nil {
			return fmt.Errorf("resource %s: %w", name, err)
		}
		p.resources[name] = reply
	}
	return nil
}

// SetResource replaces the reply body of the resource name, such as
// GitHub's /user/emails list, as SetUser does for userinfo. It returns an
// error when the provider declares no such resource.
func (s *Server) SetResource(name string, body json.RawMessage) error {
	if !s.provider.isResource(Endpoint(name)) {
		return fmt.Errorf("oauthtest: %s has no resource %q", s.provider.Name(), name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.resources == nil {
		s.resources = map[string]json.RawMessage{}
	}
	s.resources[name] = append(json.RawMessage(nil), body...)
	return nil
}

// Resource returns the reply body the emulator currently serves for the
// resource name, or nil when the provider declares no such resource.
func (s *Server) Resource(name string) json.RawMessage {
	if !s.provider.isResource(Endpoint(name)) {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if body, ok := s.resources[name]; ok {
		return append(json.RawMessage(nil), body...)
	}
	return append(json.RawMessage(nil), s.provider.resources[name].Body...)
}

// resource serves a resource endpoint for any unexpired access token.
func (s *Server) resource(w http.ResponseWriter, r *http.Request, e Endpoint) {
	reply := func(name string) { s.provider.reply(e, name).write(w) }
	if r.Method != http.MethodGet {
		reply("method_not_allowed")
		return
	}

	auth := s.provider.spec.Resources[string(e)].Auth
	if auth == "" {
		auth = s.provider.spec.UserinfoAuth
	}
	value := bearerToken(r.Header.Get("Authorization"))
	if auth == userinfoAuthQuery {
		value = r.URL.Query().Get("access_token")
	}

	s.mu.Lock()
	_, failure := s.checkToken(value, []string{
		string(EndpointToken), string(EndpointExchange), string(EndpointRefresh),
	})
	body, replaced := s.resources[string(e)]
	s.mu.Unlock()
	if failure != "" {
		reply(failure)
		return
	}

	fixture := s.provider.resources[string(e)].clone()
	if replaced {
		fixture.Body = append([]byte(nil), body...)
	}
	fixture.write(w)
}

// missingHeader returns the first header that the provider requires at
// endpoint e and that r lacks or sends empty, or "".
func (s *Server) missingHeader(e Endpoint, r *http.Request) string {
	for _, name := range s.provider.spec.RequiredHeaders[string(e)] {
		if strings.TrimSpace(r.Header.Get(name)) == "" {
			return name
		}
	}
	return ""
}

// negotiateTokenReply returns reply in the format that the token request
// accepts. A provider whose default format is form sends JSON only when the
// request's Accept header lists application/json, and form data otherwise,
// errors included.
func (s *Server) negotiateTokenReply(r *http.Request, reply Reply) Reply {
	if s.provider.spec.TokenDefaultFormat != formatForm || acceptsJSON(r.Header.Values("Accept")) {
		return reply
	}
	if !isJSON(reply.ContentType) {
		return reply
	}
	form, err := formBody(reply.Body)
	if err != nil {
		// A reply that is not a JSON object has no form encoding; it goes
		// out as it is.
		return reply
	}
	reply.Body = []byte(form)
	reply.ContentType = formContentType
	return reply
}

// acceptsJSON reports whether Accept header values list application/json.
func acceptsJSON(values []string) bool {
	for _, value := range values {
		for item := range strings.SplitSeq(value, ",") {
			mediaType, params, err := mime.ParseMediaType(strings.TrimSpace(item))
			if err == nil && mediaType == "application/json" && params["q"] != "0" {
				return true
			}
		}
	}
	return false
}

// formBody encodes the members of a JSON object as form data, keeping
// their order. Strings go in as they are, other values as their JSON text,
// and null members are left out.
func formBody(body []byte) (string, error) {
	members, err := objectMembers(body)
	if err != nil {
		return "", err
	}
	if len(members) == 0 {
		return "", errors.New("empty JSON object")
	}
	var parts []string
	for _, m := range members {
		value := string(m.value)
		if value == "null" {
			continue
		}
		var text string
		if json.Unmarshal(m.value, &text) == nil {
			value = text
		}
		parts = append(parts, url.QueryEscape(m.key)+"="+url.QueryEscape(value))
	}
	return strings.Join(parts, "&"), nil
}

// overrideInclude is one userinfo.include entry of [Server.Override].
type overrideInclude struct {
	Name     string `yaml:"name"`
	URL      string `yaml:"url"`
	Optional bool   `yaml:"optional,omitempty"`
}

// overrideUserinfo is the userinfo part of [Server.Override].
type overrideUserinfo struct {
	URL     string            `yaml:"url"`
	Include []overrideInclude `yaml:"include,omitempty"`
}

// userinfoOverride returns the userinfo endpoint on the emulator with the
// include entries of the resources that declare one, sorted by resource.
func (s *Server) userinfoOverride() overrideUserinfo {
	out := overrideUserinfo{URL: s.EndpointURL(EndpointUserinfo)}
	for _, name := range slices.Sorted(maps.Keys(s.provider.spec.Resources)) {
		r := s.provider.spec.Resources[name]
		if r.Include == nil {
			continue
		}
		out.Include = append(out.Include, overrideInclude{
			Name:     r.Include.Name,
			URL:      s.URLFor(r.URL),
			Optional: r.Include.Optional,
		})
	}
	return out
}
