package oauthtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
)

// Response modes of the authorization endpoint: query (RFC 6749 §4.1.2)
// and form_post (OAuth 2.0 Form Post Response Mode).
const (
	responseModeQuery    = "query"
	responseModeFormPost = "form_post"
)

// responseModeRules are the keys of emulator.yaml that declare the response
// modes of the authorization endpoint:
//
//	response_modes: [query, form_post]  # the modes the provider accepts
//	form_post_scopes: [name, email]     # scopes that require form_post
//	form_post_user: '{"email": "..."}'  # JSON sent as the user field of a form post
//
// Without response_modes the emulator ignores a response_mode parameter and
// always redirects with the response in the query, as a provider that does
// not know the parameter does.
type responseModeRules struct {
	ResponseModes  []string `yaml:"response_modes"`
	FormPostScopes []string `yaml:"form_post_scopes"`

	// FormPostUser is sent as the user field of a form post that grants a
	// code for one of FormPostScopes, as Sign in with Apple sends the
	// user's name and email. NOTE: Apple sends it only on the user's first
	// authorization of the app, but the emulator sends it every time.
	FormPostUser string `yaml:"form_post_user"`
}

// validateResponseModes checks response_modes, form_post_scopes and
// form_post_user.
func (s *spec) validateResponseModes() []error {
	var errs []error
	for _, mode := range s.ResponseModes {
		if mode != responseModeQuery && mode != responseModeFormPost {
			errs = append(errs, fmt.Errorf("response_modes: unknown mode %q (allowed: query, form_post)", mode))
		}
	}
	formPost := slices.Contains(s.ResponseModes, responseModeFormPost)
	if len(s.FormPostScopes) > 0 && !formPost {
		errs = append(errs, errors.New("form_post_scopes: response_modes must list form_post"))
	}
	if s.FormPostUser != "" {
		var user map[string]any
		if err := json.Unmarshal([]byte(s.FormPostUser), &user); err != nil {
			errs = append(errs, fmt.Errorf("form_post_user: not a JSON object: %w", err))
		}
		if len(s.FormPostScopes) == 0 {
			errs = append(errs, errors.New("form_post_user: form_post_scopes must name the scopes that send it"))
		}
	}
	return errs
}

// checkResponseMode returns the response mode of an authorization request
// for the granted scopes, or false when the provider rejects the request:
// an unknown mode, or a scope of form_post_scopes without form_post.
func (s *Server) checkResponseMode(mode string, scopes []string) (string, bool) {
	spec := &s.provider.spec
	if len(spec.ResponseModes) == 0 {
		return responseModeQuery, true
	}
	if mode == "" {
		mode = responseModeQuery
	}
	if !slices.Contains(spec.ResponseModes, mode) {
		return "", false
	}
	if mode != responseModeFormPost && s.asksFormPostScope(scopes) {
		return "", false
	}
	return mode, true
}

// asksFormPostScope reports whether scopes include one of form_post_scopes.
func (s *Server) asksFormPostScope(scopes []string) bool {
	return slices.ContainsFunc(scopes, func(scope string) bool {
		return slices.Contains(s.provider.spec.FormPostScopes, scope)
	})
}

// formPostPage is the page of a form_post response: the browser submits
// the form on load, and a person without JavaScript presses the button.
// [ParseFormPost] reads this markup back, so the two change together.
var formPostPage = template.Must(template.New("form_post").Parse(`<!DOCTYPE html>
<html><head><title>Continue to the application</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="{{.Action}}">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<noscript><button type="submit">Continue</button></noscript>
</form>
</body></html>
`))

// formField is one hidden input of formPostPage.
type formField struct{ Name, Value string }

// postBack sends the authorization response as an HTML form that posts
// params to the client's redirect URI (OAuth 2.0 Form Post Response Mode),
// with the user field of form_post_user when a code is granted for one of
// form_post_scopes.
func (s *Server) postBack(w http.ResponseWriter, req *authorizationRequest, params url.Values) {
	spec := &s.provider.spec
	if params.Has("code") && spec.FormPostUser != "" && s.asksFormPostScope(req.scopes) {
		params.Set("user", spec.FormPostUser)
	}

	page := struct {
		Action string
		Fields []formField
	}{Action: req.redirectURI}
	for _, name := range slices.Sorted(maps.Keys(params)) {
		for _, value := range params[name] {
			page.Fields = append(page.Fields, formField{name, value})
		}
	}

	var body bytes.Buffer
	if err := formPostPage.Execute(&body, page); err != nil {
		Reply{Status: http.StatusInternalServerError, Body: []byte("oauthtest: " + err.Error()), ContentType: "text/plain"}.write(w)
		return
	}
	Reply{Body: body.Bytes(), ContentType: "text/html; charset=utf-8"}.write(w)
}

// FormPost is an authorization response that the emulator sent as an HTML
// form for the browser to post to the client (OAuth 2.0 Form Post Response
// Mode).
type FormPost struct {
	Action string     // the client's redirect URI
	Fields url.Values // the hidden inputs: code or error, state, iss, user
}

var (
	formActionPattern  = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
	hiddenInputPattern = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
)

// ParseFormPost reads a form_post page of the emulator, so that a test
// client that runs no JavaScript can submit it the way a browser does. It
// returns false when body is not such a page. It reads only the emulator's
// own markup, not HTML in general.
func ParseFormPost(body []byte) (FormPost, bool) {
	action := formActionPattern.FindSubmatch(body)
	if action == nil {
		return FormPost{}, false
	}
	form := FormPost{Action: html.UnescapeString(string(action[1])), Fields: url.Values{}}
	for _, input := range hiddenInputPattern.FindAllSubmatch(body, -1) {
		form.Fields.Add(html.UnescapeString(string(input[1])), html.UnescapeString(string(input[2])))
	}
	return form, true
}
