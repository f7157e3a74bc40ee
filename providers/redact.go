package providers

import (
	"cmp"
	"errors"
	"net/url"
	"slices"
	"strings"
)

// sentSecretParams are the request parameters whose values must not come
// back in an error, even when a provider's error text quotes them.
var sentSecretParams = []string{"code", "code_verifier", "client_secret", "access_token", "refresh_token"}

// minRedacted is the shortest value that redactSent replaces. Shorter
// values, which real codes, tokens and secrets never are, would replace
// ordinary words.
const minRedacted = 8

// redactSent replaces, in the text fields of a *ProviderError in err, every
// value of params named in sentSecretParams and every value of more, so
// that a provider that quotes the request in its error text, such as
// "code AQB... was already used", does not put the code into logs. Each
// value is replaced as sent and in its escaped forms (see
// [escapedForms]), because a provider may quote the encoded form body or
// query. A value that the 200-byte cut left at the end of the text is
// replaced too.
func redactSent(err error, params url.Values, more ...string) error {
	var perr *ProviderError
	if !errors.As(err, &perr) {
		return err
	}
	values := more
	for _, name := range sentSecretParams {
		values = append(values, params[name]...)
	}
	forms := escapedForms(values)
	for _, field := range []*string{&perr.Code, &perr.Description, &perr.Type, &perr.Subcode, &perr.TraceID} {
		for _, form := range forms {
			*field = redactValue(*field, form)
		}
	}
	return err
}

// escapedForms returns each value of at least minRedacted bytes as it is,
// form-encoded (url.QueryEscape, a space as "+", as in a form body or a
// query), form-encoded with a space as "%20", and path-escaped
// (url.PathEscape). The list is sorted longest first, so that a form that
// contains a shorter one is replaced whole.
func escapedForms(values []string) []string {
	forms := make([]string, 0, 4*len(values))
	for _, value := range values {
		if len(value) < minRedacted {
			continue
		}
		query := url.QueryEscape(value)
		forms = append(forms, value, query, strings.ReplaceAll(query, "+", "%20"), url.PathEscape(value))
	}
	slices.SortFunc(forms, func(a, b string) int {
		if n := cmp.Compare(len(b), len(a)); n != 0 {
			return n
		}
		return strings.Compare(a, b)
	})
	return slices.Compact(forms)
}

// redactValue replaces value in text, and a prefix of value that ends the
// text before a closing "...".
func redactValue(text, value string) string {
	if len(value) < minRedacted {
		return text
	}
	text = strings.ReplaceAll(text, value, redacted)
	body, cut := strings.CutSuffix(text, "...")
	if !cut {
		return text
	}
	for n := len(value) - 1; n >= minRedacted; n-- {
		if strings.HasSuffix(body, value[:n]) {
			return strings.TrimSuffix(body, value[:n]) + redacted + "..."
		}
	}
	return text
}

const redacted = "[redacted]"
