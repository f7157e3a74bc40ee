package providers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"
)

// endpointCalls runs one request to each endpoint of the Threads preset and
// returns its error. The userinfo call includes the profile mapping, since
// a 200 reply is only checked there.
var endpointCalls = []struct {
	endpoint string
	path     string
	call     func(p *Provider) error
}{
	{
		endpoint: "token",
		path:     "/oauth/access_token",
		call: func(p *Provider) error {
			_, err := p.Exchange(context.Background(), testCode, "", "")
			return err
		},
	},
	{
		endpoint: "exchange",
		path:     "/access_token",
		call: func(p *Provider) error {
			_, err := p.RunStep(context.Background(), "exchange", p.Spec.Exchange, &oauth2.Token{AccessToken: threadsShortToken})
			return err
		},
	},
	{
		endpoint: "refresh",
		path:     "/refresh_access_token",
		call: func(p *Provider) error {
			_, err := p.Refresh(context.Background(), &oauth2.Token{AccessToken: threadsLongToken})
			return err
		},
	},
	{
		endpoint: "userinfo",
		path:     "/v1.0/me",
		call: func(p *Provider) error {
			raw, err := p.Userinfo(context.Background(), &oauth2.Token{AccessToken: threadsLongToken})
			if err != nil {
				return err
			}
			_, err = p.MapProfile(raw)
			return err
		},
	},
}

// allEndpoints serves handler on every path of the Threads preset.
func allEndpoints(handler http.HandlerFunc) map[string]http.HandlerFunc {
	routes := map[string]http.HandlerFunc{}
	for _, e := range endpointCalls {
		routes[e.path] = handler
	}
	return routes
}

func TestBadReplies(t *testing.T) {
	html := fixture(t, "replies/server_error.html")
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    error
	}{
		{
			name:    "HTML page with 500",
			handler: replyWith(http.StatusInternalServerError, "text/html; charset=utf-8", html),
			want:    ErrUnexpectedStatus,
		},
		{
			name:    "HTML page with 502 and no content type",
			handler: replyWith(http.StatusBadGateway, "", html),
			want:    ErrUnexpectedStatus,
		},
		{
			name:    "HTML page with 200",
			handler: replyWith(http.StatusOK, "text/html", html),
			want:    ErrMalformedReply,
		},
		{
			name:    "invalid JSON",
			handler: replyJSON(http.StatusOK, `{"access_token": THQVJ, "id": 1}`),
			want:    ErrMalformedReply,
		},
		{
			name:    "truncated JSON",
			handler: replyJSON(http.StatusOK, `{"access_token":"x","user_id":1784140579`),
			want:    ErrMalformedReply,
		},
		{
			name:    "JSON array",
			handler: replyJSON(http.StatusOK, `[{"access_token":"x","id":"1"}]`),
			want:    ErrMalformedReply,
		},
		{
			name:    "JSON null",
			handler: replyJSON(http.StatusOK, `null`),
			want:    ErrMalformedReply,
		},
		{
			name:    "JSON string",
			handler: replyJSON(http.StatusOK, `"x"`),
			want:    ErrMalformedReply,
		},
		{
			name:    "empty JSON body",
			handler: replyJSON(http.StatusOK, ``),
			want:    ErrMalformedReply,
		},
		{
			name:    "JSON with 500",
			handler: replyJSON(http.StatusInternalServerError, `{"status":"down"}`),
			want:    ErrUnexpectedStatus,
		},
		{
			name:    "body over the size limit",
			handler: replyJSON(http.StatusOK, `{"access_token":"x","id":"1","pad":"`+strings.Repeat("a", 4096)+`"}`),
			want:    ErrReplyTooLarge,
		},
	}
	for _, test := range tests {
		for _, e := range endpointCalls {
			t.Run(test.name+"/"+e.endpoint, func(t *testing.T) {
				server := newProviderServer(t, allEndpoints(test.handler))
				p := newProvider(t, "threads", threadsSpec(t, server.URL, ""), WithMaxReply(1024))

				err := e.call(p)
				if !errors.Is(err, test.want) {
					t.Fatalf("error = %v, want %v", err, test.want)
				}
				var rerr *ReplyError
				if !errors.As(err, &rerr) {
					t.Fatalf("error = %T, want *ReplyError", err)
				}
				if rerr.Endpoint != e.endpoint || rerr.Provider != "threads" {
					t.Errorf("Provider, Endpoint = %q, %q; want threads, %s", rerr.Provider, rerr.Endpoint, e.endpoint)
				}
				if len(server.Requests(e.path)) != 1 {
					t.Errorf("server got %d requests on %s, want 1", len(server.Requests(e.path)), e.path)
				}
				text := err.Error()
				for _, part := range []string{"<html", "<title>", "upstream gateway", "Internal Server Error<", "aaaa", "THQVJ,"} {
					if strings.Contains(text, part) {
						t.Errorf("error text contains the reply body (%q): %s", part, text)
					}
				}
				checkNoSecrets(t, err)
			})
		}
	}
}

// waitForClient blocks a handler until the client gives up, so that the
// server can close without waiting for the sleep.
func waitForClient(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

func TestSlowServerTimesOut(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{
			name: "no headers",
			handler: func(w http.ResponseWriter, r *http.Request) {
				waitForClient(r)
			},
		},
		{
			name: "body stalls",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", "200")
				io.WriteString(w, `{"access_token":"`)
				w.(http.Flusher).Flush()
				waitForClient(r)
			},
		},
	}
	for _, test := range tests {
		for _, e := range endpointCalls {
			t.Run(test.name+"/"+e.endpoint, func(t *testing.T) {
				server := newProviderServer(t, allEndpoints(test.handler))
				p := newProvider(t, "threads", threadsSpec(t, server.URL, ""), WithTimeout(100*time.Millisecond))

				start := time.Now()
				err := e.call(p)
				if elapsed := time.Since(start); elapsed > 5*time.Second {
					t.Errorf("call took %v, want about 100ms", elapsed)
				}
				var rerr *RequestError
				if !errors.As(err, &rerr) {
					t.Fatalf("error = %v (%T), want *RequestError", err, err)
				}
				if rerr.Endpoint != e.endpoint {
					t.Errorf("Endpoint = %q, want %s", rerr.Endpoint, e.endpoint)
				}
				if !strings.Contains(err.Error(), "timed out") {
					t.Errorf("error %q does not say timed out", err)
				}
				checkNoSecrets(t, err)
			})
		}
	}
}

// A redirect is not followed, since it would send the code or the client
// secret to another server.
func TestRedirectNotFollowed(t *testing.T) {
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		replyJSON(http.StatusOK, `{"access_token":"x","id":"1"}`)(w, r)
	}))
	t.Cleanup(target.Close)

	for _, status := range []int{http.StatusFound, http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for _, e := range endpointCalls {
			t.Run(fmt.Sprintf("%d/%s", status, e.endpoint), func(t *testing.T) {
				server := newProviderServer(t, allEndpoints(func(w http.ResponseWriter, r *http.Request) {
					// Echo the request's query, as an http-to-https redirect does.
					location := target.URL + r.URL.Path
					if r.URL.RawQuery != "" {
						location += "?" + r.URL.RawQuery
					}
					http.Redirect(w, r, location, status)
				}))
				p := newProvider(t, "threads", threadsSpec(t, server.URL, ""))

				err := e.call(p)
				var rerr *RequestError
				if !errors.As(err, &rerr) {
					t.Fatalf("error = %v (%T), want *RequestError", err, err)
				}
				if rerr.Endpoint != e.endpoint {
					t.Errorf("Endpoint = %q, want %s", rerr.Endpoint, e.endpoint)
				}
				if !strings.Contains(err.Error(), "redirect") {
					t.Errorf("error %q does not mention the redirect", err)
				}
				if strings.Contains(err.Error(), target.URL) {
					t.Errorf("error text contains the redirect target: %s", err)
				}
				if n := hits.Load(); n != 0 {
					t.Errorf("redirect target got %d requests, want 0", n)
				}
				checkNoSecrets(t, err)
			})
		}
	}
}

// A Location header that does not parse makes net/http fail before any
// redirect check. The error must not quote the header, because it can carry
// the request's query.
func TestRedirectInvalidLocation(t *testing.T) {
	for _, e := range endpointCalls {
		t.Run(e.endpoint, func(t *testing.T) {
			server := newProviderServer(t, allEndpoints(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", "http://127.0.0.1:bad-port/x?"+r.URL.RawQuery+"&code="+testCode)
				w.WriteHeader(http.StatusFound)
			}))
			p := newProvider(t, "threads", threadsSpec(t, server.URL, ""))

			err := e.call(p)
			var rerr *RequestError
			if !errors.As(err, &rerr) {
				t.Fatalf("error = %v (%T), want *RequestError", err, err)
			}
			if strings.Contains(err.Error(), "bad-port") {
				t.Errorf("error text contains the Location header: %s", err)
			}
			checkNoSecrets(t, err)
		})
	}
}

func TestConnectionClosedMidReply(t *testing.T) {
	tests := []struct {
		name    string
		partial string // written before the connection is closed
	}{
		{name: "before the status line"},
		{name: "inside the headers", partial: "HTTP/1.1 200 OK\r\nContent-Type: applic"},
		{
			name:    "inside the body",
			partial: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 120\r\n\r\n{\"access_token\":\"" + threadsLongToken,
		},
		{
			name:    "inside a chunked body",
			partial: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"access_token\":",
		},
	}
	for _, test := range tests {
		for _, e := range endpointCalls {
			t.Run(test.name+"/"+e.endpoint, func(t *testing.T) {
				server := newProviderServer(t, allEndpoints(func(w http.ResponseWriter, r *http.Request) {
					conn, buf, err := w.(http.Hijacker).Hijack()
					if err != nil {
						t.Errorf("hijack: %v", err)
						return
					}
					buf.WriteString(test.partial)
					buf.Flush()
					conn.Close()
				}))
				p := newProvider(t, "threads", threadsSpec(t, server.URL, ""))

				err := e.call(p)
				if err == nil {
					t.Fatal("no error for a connection closed mid-reply")
				}
				var rerr *RequestError
				if !errors.As(err, &rerr) {
					t.Fatalf("error = %v (%T), want *RequestError", err, err)
				}
				if rerr.Endpoint != e.endpoint {
					t.Errorf("Endpoint = %q, want %s", rerr.Endpoint, e.endpoint)
				}
				if !errors.Is(err, ErrConnectionClosed) {
					t.Errorf("error = %v, want ErrConnectionClosed", err)
				}
				want := "providers: threads " + e.endpoint + " request failed: connection closed before the reply was complete"
				if err.Error() != want {
					t.Errorf("error = %q\nwant    %q", err, want)
				}
				checkNoSecrets(t, err)
			})
		}
	}
}

// The text of a reply error names the problem once: the content type only
// in the brackets, and "form data" only where a form reply is allowed.
func TestBadReplyText(t *testing.T) {
	html := fixture(t, "replies/server_error.html")
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		endpoint string // token or userinfo
		want     string
	}{
		{
			name:     "HTML page with 200",
			handler:  replyWith(http.StatusOK, "text/html; charset=utf-8", html),
			endpoint: "token",
			want:     "providers: threads token endpoint: malformed reply: expected JSON or form data [HTTP 200, text/html]",
		},
		{
			name:     "HTML page with 200",
			handler:  replyWith(http.StatusOK, "text/html; charset=utf-8", html),
			endpoint: "userinfo",
			want:     "providers: threads userinfo endpoint: malformed reply: expected JSON [HTTP 200, text/html]",
		},
		{
			name:     "invalid JSON",
			handler:  replyJSON(http.StatusOK, `{"access_token": THQVJ}`),
			endpoint: "token",
			want:     "providers: threads token endpoint: malformed reply: invalid JSON [HTTP 200, application/json]",
		},
		{
			name:     "invalid JSON",
			handler:  replyJSON(http.StatusOK, `{"id": 1`),
			endpoint: "userinfo",
			want:     "providers: threads userinfo endpoint: malformed reply: expected JSON [HTTP 200, application/json]",
		},
		{
			name:     "JSON array",
			handler:  replyJSON(http.StatusOK, `[{"id":"1"}]`),
			endpoint: "userinfo",
			want:     "providers: threads userinfo endpoint: malformed reply: expected a JSON object",
		},
		{
			name:     "invalid form data",
			handler:  replyWith(http.StatusOK, "application/x-www-form-urlencoded", "access_token=%zz"),
			endpoint: "token",
			want:     "providers: threads token endpoint: malformed reply: invalid form data [HTTP 200, application/x-www-form-urlencoded]",
		},
	}
	for _, test := range tests {
		for _, e := range endpointCalls {
			if e.endpoint != test.endpoint {
				continue
			}
			t.Run(test.name+"/"+e.endpoint, func(t *testing.T) {
				server := newProviderServer(t, allEndpoints(test.handler))
				p := newProvider(t, "threads", threadsSpec(t, server.URL, ""))

				err := e.call(p)
				if !errors.Is(err, ErrMalformedReply) {
					t.Fatalf("error = %v, want ErrMalformedReply", err)
				}
				if err.Error() != test.want {
					t.Errorf("error = %q\nwant    %q", err, test.want)
				}
			})
		}
	}
}

// Provider text is copied into errors only after control characters are
// replaced and long text is cut, so a reply cannot forge log lines.
func TestProviderErrorCleansText(t *testing.T) {
	long := strings.Repeat("é", 150) // 300 bytes, two per rune
	tests := []struct {
		name  string
		reply string

		wantDescription string
		wantCode        string
	}{
		{
			name:            "control characters",
			reply:           `{"error":"invalid_request\r\nlevel=ERROR","error_description":"bad\nrequest\u0000 here"}`,
			wantCode:        "invalid_request  level=ERROR",
			wantDescription: "bad request  here",
		},
		{
			name:            "long description",
			reply:           `{"error":"invalid_request","error_description":"` + long + `"}`,
			wantCode:        "invalid_request",
			wantDescription: strings.Repeat("é", 100) + "...",
		},
		{
			name:            "numeric code",
			reply:           `{"error":{"code":17841405793187219,"message":"x"}}`,
			wantCode:        "17841405793187219",
			wantDescription: "x",
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			server := newProviderServer(t, map[string]http.HandlerFunc{
				"/token": replyJSON(http.StatusBadRequest, test.reply),
			})
			p := newProvider(t, "example", exampleSpec(server.URL))

			_, err := p.Exchange(context.Background(), testCode, "", "")
			var perr *ProviderError
			if !errors.As(err, &perr) {
				t.Fatalf("error = %v (%T), want *ProviderError", err, err)
			}
			if perr.Code != test.wantCode {
				t.Errorf("Code = %q, want %q", perr.Code, test.wantCode)
			}
			if perr.Description != test.wantDescription {
				t.Errorf("Description = %q, want %q", perr.Description, test.wantDescription)
			}
			if !utf8.ValidString(perr.Description) {
				t.Errorf("Description %q is not valid UTF-8", perr.Description)
			}
			if strings.ContainsAny(err.Error(), "\r\n\x00") {
				t.Errorf("error text contains control characters: %q", err)
			}
		})
	}
}

// An error field in a successful reply does not make it an error when it
// carries no value.
func TestExchangeEmptyErrorField(t *testing.T) {
	for _, fields := range []string{
		`"error":null`,
		`"error":false`,
		`"error":""`,
		`"error":{}`,
		`"errors":[]`,
		`"error_message":null,"error_type":""`,
	} {
		t.Run(fields, func(t *testing.T) {
			server := newProviderServer(t, map[string]http.HandlerFunc{
				"/token": replyJSON(http.StatusOK, `{"access_token":"AT",`+fields+`}`),
			})
			p := newProvider(t, "example", exampleSpec(server.URL))

			tok, err := p.Exchange(context.Background(), testCode, "", "")
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if tok.AccessToken != "AT" {
				t.Errorf("AccessToken = %q, want AT", tok.AccessToken)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{
			name: "provider error with every field",
			err: &ProviderError{
				Provider: "threads", Endpoint: "exchange", Status: 400,
				Code: "190", Type: "OAuthException", Subcode: "463", TraceID: "AbC",
				Description: "Session has expired.",
			},
			want: "providers: threads exchange endpoint returned error 190 (OAuthException, subcode 463): Session has expired. [HTTP 400]",
		},
		{
			name: "provider error with code only",
			err:  &ProviderError{Provider: "github", Endpoint: "token", Code: "bad_verification_code"},
			want: "providers: github token endpoint returned error bad_verification_code",
		},
		{
			name: "reply error",
			err:  &ReplyError{Provider: "threads", Endpoint: "userinfo", Status: 500, ContentType: "text/html", Err: ErrUnexpectedStatus},
			want: "providers: threads userinfo endpoint: unexpected HTTP status [HTTP 500, text/html]",
		},
		{
			name: "reply error without status",
			err:  &ReplyError{Provider: "threads", Endpoint: "userinfo", Err: ErrMissingUserID},
			want: "providers: threads userinfo endpoint: profile has no user id",
		},
		{
			name: "request error",
			err:  &RequestError{Provider: "threads", Endpoint: "refresh", Err: errors.New("timed out after 10s")},
			want: "providers: threads refresh request failed: timed out after 10s",
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			if got := test.err.Error(); got != test.want {
				t.Errorf("Error() = %q\nwant       %q", got, test.want)
			}
		})
	}
}
