package oauthtest

import (
	"net/http"
	"slices"
	"strings"
)

// userinfo serves the userinfo endpoint for any unexpired access token.
// With a fields= query it returns only the listed members plus id, as the
// Graph API does; without it, the whole userinfo reply.
func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	spec := &s.provider.spec
	reply := func(name string) { s.provider.reply(EndpointUserinfo, name).write(w) }

	if r.Method != spec.userinfoMethod() {
		reply("method_not_allowed")
		return
	}

	var value string
	switch spec.UserinfoAuth {
	case userinfoAuthHeader:
		value = bearerToken(r.Header.Get("Authorization"))
	case userinfoAuthQuery:
		value = r.URL.Query().Get("access_token")
	}

	s.mu.Lock()
	token, failure := s.checkToken(value, []string{
		string(EndpointToken), string(EndpointExchange), string(EndpointRefresh),
	})
	user := s.userFor(token)
	s.mu.Unlock()
	if failure != "" {
		reply(failure)
		return
	}

	fields := r.URL.Query().Get("fields")
	if fields == "" {
		Reply{Body: user, ContentType: s.provider.replies["userinfo"].ContentType}.write(w)
		return
	}
	names := strings.Split(fields, ",")
	if len(spec.UserinfoFields) > 0 {
		for _, name := range names {
			if !slices.Contains(spec.UserinfoFields, name) {
				reply("unknown_field")
				return
			}
		}
	}

	members, err := objectMembers(user)
	if err != nil {
		// A user body that is not an object (see SetUser) is served as is.
		Reply{Body: user, ContentType: s.provider.replies["userinfo"].ContentType}.write(w)
		return
	}
	kept := slices.DeleteFunc(members, func(m member) bool {
		return m.key != "id" && !slices.Contains(names, m.key)
	})
	Reply{Body: encodeObject(kept), ContentType: s.provider.replies["userinfo"].ContentType}.write(w)
}

// bearerToken returns the token of an "Authorization: Bearer TOKEN" header,
// with the scheme matched case-insensitively (RFC 9110 section 11.1).
func bearerToken(header string) string {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}
