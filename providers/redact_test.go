package providers

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

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
