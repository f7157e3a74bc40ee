package providers

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Errors a caller can test for with errors.Is. Each is wrapped in a
// *ReplyError that names the provider and endpoint that sent the reply.
var (
	ErrReplyTooLarge      = errors.New("reply exceeds the size limit")
	ErrMalformedReply     = errors.New("malformed reply")
	ErrUnexpectedStatus   = errors.New("unexpected HTTP status")
	ErrMissingAccessToken = errors.New("reply has no access_token")
	ErrMissingUserID      = errors.New("profile has no user id")
	ErrInvalidUserID      = errors.New("invalid user id")
)

// ErrConnectionClosed means the provider closed the connection before its
// reply was complete. It comes wrapped in a *RequestError.
var ErrConnectionClosed = errors.New("connection closed before the reply was complete")

// detailError is an error whose text gives more detail than the Err* value
// it wraps, without repeating that value's text.
type detailError struct {
	text string
	kind error
}

func (e *detailError) Error() string { return e.text }

func (e *detailError) Unwrap() error { return e.kind }

// ProviderError is an error that the provider itself reported, in any of
// the shapes the spec's error mapping reads: RFC 6749 §5.2
// (error, error_description), Meta's flat shape (error_message, error_type,
// code) and Meta's Graph shape (error{message, type, code, error_subcode,
// fbtrace_id}).
type ProviderError struct {
	Provider    string // provider id
	Endpoint    string // token, exchange, refresh or userinfo
	Status      int    // HTTP status of the reply
	Code        string // error code, such as invalid_grant or 190
	Description string // human-readable text from the provider, shortened
	Type        string // error type, such as OAuthException
	Subcode     string // Meta's error_subcode, such as 463 (token expired)
	TraceID     string // Meta's fbtrace_id, for support requests
}

func (e *ProviderError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "providers: %s %s endpoint returned error", e.Provider, e.Endpoint)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Type != "" {
		fmt.Fprintf(&b, " (%s", e.Type)
		if e.Subcode != "" {
			fmt.Fprintf(&b, ", subcode %s", e.Subcode)
		}
		b.WriteString(")")
	}
	if e.Description != "" {
		fmt.Fprintf(&b, ": %s", e.Description)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, " [HTTP %d]", e.Status)
	}
	return b.String()
}

// ReplyError is a reply that could not be used: a wrong status, a body too
// large, malformed or missing a required field. It never holds the body.
type ReplyError struct {
	Provider    string
	Endpoint    string
	Status      int
	ContentType string
	Err         error // one of the Err* values above
}

func (e *ReplyError) Error() string {
	msg := fmt.Sprintf("providers: %s %s endpoint: %v", e.Provider, e.Endpoint, e.Err)
	if e.Status != 0 {
		msg += fmt.Sprintf(" [HTTP %d", e.Status)
		if e.ContentType != "" {
			msg += ", " + e.ContentType
		}
		msg += "]"
	}
	return msg
}

func (e *ReplyError) Unwrap() error { return e.Err }

// RequestError is a request that did not get a reply: a connection
// failure, a timeout or a redirect. Its text never contains the request URL,
// which can carry a client secret or a token in its query.
type RequestError struct {
	Provider string
	Endpoint string
	Err      error
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("providers: %s %s request failed: %v", e.Provider, e.Endpoint, e.Err)
}

func (e *RequestError) Unwrap() error { return e.Err }

// maxDescription caps provider text copied into an error.
const maxDescription = 200

// cleanText shortens provider text and drops control characters, so that
// a reply cannot forge log lines or flood an error page.
func cleanText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return shorten(strings.TrimSpace(s), maxDescription)
}

// shorten cuts s to at most n bytes at a rune boundary and marks the cut
// with "...".
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
