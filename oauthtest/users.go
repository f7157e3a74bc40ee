package oauthtest

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strconv"
)

// An authorization request whose login_hint parameter is a valid user
// name signs in that user, as an account chooser would. The code, the
// tokens traded for it and the tokens of follow-up grants all belong to
// the user, and the userinfo endpoint returns the user's own profile for
// each of them. That profile is the userinfo reply (see
// [Server.SetUser]) with its id or sub, username, login or
// preferred_username and name members replaced. Without a login_hint, or
// with one that is not a valid user name, every token gets the userinfo
// reply as it is.
//
// This lets a test run many sign-ins at once and check that each one
// ends with its own user.
//
// NOTE: the ID token of an OpenID Connect emulator and the token reply
// (such as Threads' user_id) still carry the fixture user.

// userName matches the login_hint values that select a user: short,
// printable and free of characters that would need escaping anywhere.
var userName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Members of the userinfo reply replaced by a selected user.
var (
	userIDMembers   = []string{"id", "sub"}
	userNameMembers = []string{"username", "login", "preferred_username"}
)

// bindLoginHint marks the access and refresh tokens of a token reply as
// belonging to the user named by hint. s.mu must be held.
func (s *Server) bindLoginHint(r Reply, hint string) Reply {
	if hint == "" {
		return r
	}
	for _, value := range tokenValues(r) {
		if t := s.tokens[value]; t != nil {
			t.loginHint = hint
		}
	}
	return r
}

// tokenValues returns the access_token and refresh_token of a JSON or form
// token reply.
func tokenValues(r Reply) []string {
	var values []string
	switch {
	case isJSON(r.ContentType):
		members, err := objectMembers(r.Body)
		if err != nil {
			return nil
		}
		for _, m := range members {
			var value string
			if (m.key == accessTokenField || m.key == refreshTokenField) && json.Unmarshal(m.value, &value) == nil {
				values = append(values, value)
			}
		}
	case isForm(r.ContentType):
		form, err := url.ParseQuery(string(r.Body))
		if err != nil {
			return nil
		}
		for _, key := range []string{accessTokenField, refreshTokenField} {
			if form.Has(key) {
				values = append(values, form.Get(key))
			}
		}
	}
	return values
}

// userFor returns the userinfo reply for a checked token: the selected
// user's profile when the token belongs to one, else the userinfo reply.
// s.mu must be held.
func (s *Server) userFor(t *issuedToken) []byte {
	if t == nil || !userName.MatchString(t.loginHint) {
		return s.user
	}
	members, err := objectMembers(s.user)
	if err != nil {
		return s.user
	}
	hint := t.loginHint
	for i, m := range members {
		switch {
		case slices.Contains(userIDMembers, m.key):
			members[i].value = idValue(m.value, hint)
		case slices.Contains(userNameMembers, m.key):
			members[i].value = quote(hint)
		case m.key == "name":
			members[i].value = quote("User " + hint)
		}
	}
	return encodeObject(members)
}

// idValue writes hint as a JSON number when the fixture's id is a number
// and hint is all digits, as GitHub's numeric ids are, else as a string.
func idValue(fixture json.RawMessage, hint string) json.RawMessage {
	if _, err := strconv.ParseUint(hint, 10, 64); err == nil && len(fixture) > 0 && fixture[0] != '"' {
		return json.RawMessage(hint)
	}
	return quote(hint)
}

func quote(s string) json.RawMessage {
	out, _ := json.Marshal(s)
	return out
}
