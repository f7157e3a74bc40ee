package oauthtest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/presetauth/presetauth/oauthtest"
)

// A sign-in against the emulated Threads provider with plain net/http.
func ExampleNewServer() {
	p, err := oauthtest.Builtin("threads")
	if err != nil {
		fmt.Println(err)
		return
	}
	s := oauthtest.NewServer(p, oauthtest.Client{ID: "1234567890123456", Secret: "app-secret"})
	defer s.Close()

	// The authorization request; the browser would follow the redirect.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := client.Get(s.URLFor("https://threads.net/oauth/authorize") + "?" + url.Values{
		"client_id":     {"1234567890123456"},
		"redirect_uri":  {"https://127.0.0.1:8443/callback"},
		"scope":         {"threads_basic,threads_content_publish"},
		"response_type": {"code"},
		"state":         {"xyz"},
	}.Encode())
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	location := resp.Header.Get("Location")
	callback, _ := url.Parse(strings.TrimSuffix(location, "#_"))
	fmt.Println(resp.StatusCode, callback.Query().Get("state"), strings.HasSuffix(location, "#_"))

	// The code grant, with the client secret in the form body.
	resp, err = http.PostForm(s.EndpointURL(oauthtest.EndpointToken), url.Values{
		"client_id":     {"1234567890123456"},
		"client_secret": {"app-secret"},
		"code":          {callback.Query().Get("code")},
		"grant_type":    {"authorization_code"},
		"redirect_uri":  {"https://127.0.0.1:8443/callback"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)

	// Output:
	// 302 xyz true
	// 200
}
