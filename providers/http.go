package providers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// reply is a provider reply read in full, within the size limit.
type reply struct {
	status      int
	contentType string
	body        []byte
}

var errRedirect = errors.New("provider responded with a redirect; token and userinfo endpoints must respond directly")

// send runs req with the caller's HTTP client (from ctx, as x/oauth2 does),
// the provider's timeout and size limit, and without following redirects: a
// redirected token request would resend the code elsewhere.
func (p *Provider) send(ctx context.Context, endpoint string, req *http.Request) (*reply, error) {
	if ctx == nil {
		return nil, &RequestError{Provider: p.ID, Endpoint: endpoint, Err: errNilContext}
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()

	resp, err := p.client(ctx).Do(req.WithContext(ctx))
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("timed out after %v: %w", p.timeout, context.DeadlineExceeded)
		}
		if isClosed(err) {
			err = ErrConnectionClosed
		}
		return nil, &RequestError{Provider: p.ID, Endpoint: endpoint, Err: err}
	}
	defer resp.Body.Close()

	contentType := mediaType(resp.Header.Get("Content-Type"))
	r := &reply{status: resp.StatusCode, contentType: contentType}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return nil, &RequestError{Provider: p.ID, Endpoint: endpoint, Err: errRedirect}
	}

	body, err := io.ReadAll(io.LimitReader(resp.Body, p.maxReply+1))
	if err != nil {
		switch {
		case ctx.Err() != nil:
			err = fmt.Errorf("timed out after %v: %w", p.timeout, context.DeadlineExceeded)
		case isClosed(err):
			err = ErrConnectionClosed
		default:
			err = fmt.Errorf("reading the reply: %w", err)
		}
		return nil, &RequestError{Provider: p.ID, Endpoint: endpoint, Err: err}
	}
	if int64(len(body)) > p.maxReply {
		return nil, &ReplyError{Provider: p.ID, Endpoint: endpoint, Status: r.status, ContentType: contentType, Err: fmt.Errorf("%w of %d bytes", ErrReplyTooLarge, p.maxReply)}
	}
	r.body = body
	return r, nil
}

// errNilContext is the error for a nil context. net/http rejects one
// the same way, and it would panic in context.WithTimeout.
var errNilContext = errors.New("nil context; pass context.Background() or the request's context")

// isClosed reports whether err is the end of a connection that the
// provider closed early: io.EOF before the status line, and
// io.ErrUnexpectedEOF inside the headers or the body.
func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// maxMediaType caps the media type kept from a reply; real ones are a few
// dozen bytes, and errors quote it.
const maxMediaType = 100

// mediaType returns the media type of a Content-Type header, "" when it
// does not parse, cut to maxMediaType bytes.
func mediaType(header string) string {
	t, _, _ := mime.ParseMediaType(header)
	if len(t) > maxMediaType {
		t = t[:maxMediaType]
	}
	return t
}

// client returns the HTTP client from ctx, or the default one, with
// redirects turned off.
func (p *Provider) client(ctx context.Context) *http.Client {
	c, ok := ctx.Value(oauth2.HTTPClient).(*http.Client)
	if !ok || c == nil {
		c = http.DefaultClient
	}
	copied := *c
	copied.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	base := copied.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	copied.Transport = dropLocation{base: base}
	return &copied
}

// dropLocation removes the Location header of 3xx replies before
// http.Client reads it. The client parses Location before it calls
// CheckRedirect, and its error for a Location that fails to parse quotes
// the header. A provider that echoes the request's query into Location
// would thus put the client secret or a token into that error.
type dropLocation struct{ base http.RoundTripper }

func (t dropLocation) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err == nil && resp.StatusCode >= 300 && resp.StatusCode < 400 {
		resp.Header.Del("Location")
	}
	return resp, err
}

// newRequest builds a GET with params in the query or a POST with params
// in a form body, plus the given headers.
func newRequest(method, endpoint string, params url.Values, headers map[string]string) (*http.Request, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, err
	}
	var body io.Reader
	if method == http.MethodGet {
		query := u.Query()
		for name, values := range params {
			query[name] = values
		}
		u.RawQuery = query.Encode()
	} else {
		body = strings.NewReader(params.Encode())
	}

	req, err := http.NewRequest(method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	for name, value := range headers {
		req.Header.Set(name, value)
	}
	return req, nil
}

// isJSON reports whether a reply should be read as JSON: by its content
// type, or by its first byte when the type is missing or generic.
func (r *reply) isJSON() bool {
	if strings.HasSuffix(r.contentType, "json") {
		return true
	}
	trimmed := strings.TrimLeft(string(r.body[:min(len(r.body), 64)]), " \t\r\n")
	return strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[")
}

// isForm reports whether a reply is form data, as GitHub sends without an
// Accept header.
func (r *reply) isForm() bool {
	switch r.contentType {
	case "application/x-www-form-urlencoded", "text/plain", "":
		return !r.isJSON()
	}
	return false
}
