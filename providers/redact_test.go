package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/presetauth/presetauth/schema"
	"golang.org/x/oauth2"
)

// A provider that quotes the request in its error text does not put the
// code, the verifier, the client secret or a token into the error.
func TestProviderErrorRedactsEchoedValues(t *testing.T) {
	verifier := strings.Repeat("v", 43)
	tests := []struct {
		name  string
		reply string
		call  func(p *Provider) error
		want  string // the description with the values replaced
	}{
		{
			name:  "code and verifier at the token endpoint",
			reply: `{"error":"invalid_grant","error_description":"code ` + testCode + ` does not match verifier ` + verifier + `"}`,
			call: func(p *Provider) error {
				_, err := p.Exchange(context.Background(), testCode, "", verifier)
				return err
			},
			want: "code [redacted] does not match verifier [redacted]",
		},
		{
			name:  "client secret in the error code",
			reply: `{"error":"bad secret ` + testClientSecret + `"}`,
			call: func(p *Provider) error {
				_, err := p.Exchange(context.Background(), testCode, "", "")
				return err
			},
			want: "",
		},
		{
			name:  "code cut at the end of a long description",
			reply: `{"error":"invalid_grant","error_description":"` + strings.Repeat("x", 190) + testCode + `"}`,
			call: func(p *Provider) error {
				_, err := p.Exchange(context.Background(), testCode, "", "")
				return err
			},
			want: strings.Repeat("x", 190) + "[redacted]...",
		},
		{
			name:  "access token at the userinfo endpoint",
			reply: `{"error":{"message":"Invalid OAuth access token ` + threadsLongToken + `","code":190}}`,
			call: func(p *Provider) error {
				_, err := p.Userinfo(context.Background(), &oauth2.Token{AccessToken: threadsLongToken})
				return err
			},
			want: "Invalid OAuth access token [redacted]",
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			server := newProviderServer(t, map[string]http.HandlerFunc{
				"/token": replyJSON(http.StatusBadRequest, test.reply),
				"/user":  replyJSON(http.StatusBadRequest, test.reply),
			})
			p := newProvider(t, "example", exampleSpec(server.URL))

			err := test.call(p)
			var perr *ProviderError
			if !errors.As(err, &perr) {
				t.Fatalf("error = %v (%T), want *ProviderError", err, err)
			}
			if test.want != "" && perr.Description != test.want {
				t.Errorf("Description = %q\nwant          %q", perr.Description, test.want)
			}
			checkNoSecrets(t, err, verifier)
			for _, secret := range []string{testCode[:minRedacted], testClientSecret[:minRedacted], threadsLongToken[:minRedacted]} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error text contains the start %q of a secret: %s", secret, err)
				}
			}
		})
	}
}

func TestRedactValueShortValuesKept(t *testing.T) {
	if got := redactValue("bad code abc", "abc"); got != "bad code abc" {
		t.Errorf("redactValue replaced a %d-byte value: %q", len("abc"), got)
	}
}

// Secrets with characters that URL encoding changes. Each is at least
// minRedacted bytes long.
const (
	escapedClientSecret = "pa ss+word/xyz&=1"
	escapedCode         = "CODE with space/+="
	escapedAccessToken  = "AT with/space+&=Zq"
)

// echoReply returns a handler that replies with an OAuth error whose
// description quotes the request as quote formats it.
func echoReply(quote func(r *http.Request, form url.Values) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		reply, _ := json.Marshal(map[string]string{
			"error":             "invalid_request",
			"error_description": quote(r, r.Form),
		})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write(reply)
	}
}

// quoteValues writes name=escape(value) for each param of form, sorted by
// name, plus the Authorization header.
func quoteValues(escape func(string) string) func(*http.Request, url.Values) string {
	return func(r *http.Request, form url.Values) string {
		var parts []string
		for _, name := range slices.Sorted(maps.Keys(form)) {
			parts = append(parts, name+"="+escape(form.Get(name)))
		}
		return strings.Join(parts, "&") + " " + r.Header.Get("Authorization")
	}
}

// A provider that quotes the form body, the query or the Basic
// credentials as sent, URL-encoded, gets none of the secrets into the
// error, in any of the forms url.QueryEscape and url.PathEscape give.
func TestProviderErrorRedactsEscapedValues(t *testing.T) {
	quotes := []struct {
		name  string
		quote func(*http.Request, url.Values) string
	}{
		{name: "as sent", quote: func(r *http.Request, _ url.Values) string {
			body, _ := io.ReadAll(r.Body)
			return r.URL.RawQuery + " " + string(body) + " " + r.Header.Get("Authorization")
		}},
		{name: "form body and query", quote: func(r *http.Request, form url.Values) string {
			return form.Encode() + " " + r.Header.Get("Authorization")
		}},
		{name: "raw values", quote: quoteValues(func(s string) string { return s })},
		{name: "query-escaped values", quote: quoteValues(url.QueryEscape)},
		{name: "spaces as %20", quote: quoteValues(func(s string) string {
			return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
		})},
		{name: "path-escaped values", quote: quoteValues(url.PathEscape)},
		{name: "decoded Basic credentials", quote: func(r *http.Request, form url.Values) string {
			id, secret, _ := r.BasicAuth()
			return "client " + id + ":" + secret + " " + quoteValues(func(s string) string { return s })(r, form)
		}},
	}
	calls := []struct {
		name       string
		authMethod string
		call       func(p *Provider) error
	}{
		{name: "code exchange", authMethod: "client_secret_post", call: func(p *Provider) error {
			_, err := p.Exchange(context.Background(), escapedCode, "", "")
			return err
		}},
		{name: "code exchange with Basic", authMethod: "client_secret_basic", call: func(p *Provider) error {
			_, err := p.Exchange(context.Background(), escapedCode, "", "")
			return err
		}},
		{name: "exchange step", authMethod: "client_secret_post", call: func(p *Provider) error {
			_, err := p.RunStep(context.Background(), "exchange", p.Spec.Exchange, &oauth2.Token{AccessToken: escapedAccessToken})
			return err
		}},
	}
	secrets := []string{escapedClientSecret, escapedCode, escapedAccessToken}

	for _, q := range quotes {
		for _, c := range calls {
			t.Run(q.name+"/"+c.name, func(t *testing.T) {
				server := httptest.NewServer(echoReply(q.quote))
				t.Cleanup(server.Close)
				spec := exampleSpec(server.URL)
				spec.ClientSecret = schema.Secret(escapedClientSecret)
				spec.Token.AuthMethod = c.authMethod
				spec.Exchange = &schema.TokenStep{
					Endpoint: schema.Endpoint{URL: server.URL + "/exchange", Params: map[string]string{
						"grant_type":    "exchange",
						"access_token":  "{access_token}",
						"client_secret": "{client_secret}",
					}},
					Method: http.MethodGet,
				}
				p := newProvider(t, "example", spec)

				err := c.call(p)
				var perr *ProviderError
				if !errors.As(err, &perr) {
					t.Fatalf("error = %v (%T), want *ProviderError", err, err)
				}
				if !strings.Contains(perr.Description, redacted) {
					t.Errorf("Description = %q, want a value replaced by %s", perr.Description, redacted)
				}
				for _, secret := range secrets {
					for _, form := range []string{
						secret,
						url.QueryEscape(secret),
						strings.ReplaceAll(url.QueryEscape(secret), "+", "%20"),
						url.PathEscape(secret),
					} {
						if strings.Contains(err.Error(), form[:minRedacted]) {
							t.Errorf("error text contains the start %q of %q: %s", form[:minRedacted], form, err)
						}
					}
				}
			})
		}
	}
}

// The Basic credentials of client_secret_basic are replaced as sent,
// base64-encoded.
func TestProviderErrorRedactsBasicCredentials(t *testing.T) {
	server := httptest.NewServer(echoReply(func(r *http.Request, _ url.Values) string {
		return "header " + r.Header.Get("Authorization")
	}))
	t.Cleanup(server.Close)
	spec := exampleSpec(server.URL)
	spec.Token.AuthMethod = "client_secret_basic"
	p := newProvider(t, "example", spec)

	_, err := p.Exchange(context.Background(), testCode, "", "")
	var perr *ProviderError
	if !errors.As(err, &perr) {
		t.Fatalf("error = %v (%T), want *ProviderError", err, err)
	}
	if want := "header Basic " + redacted; perr.Description != want {
		t.Errorf("Description = %q, want %q", perr.Description, want)
	}
}
