package oauthtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Reply is an HTTP response the emulator sends. A zero Status means 200 and
// an empty ContentType means application/json.
type Reply struct {
	Status      int
	Body        []byte
	ContentType string
	Header      http.Header
}

// Names of the reply members that carry credentials. The emulator replaces
// their fixture values with fresh ones on every grant.
const (
	accessTokenField  = "access_token"
	refreshTokenField = "refresh_token"
)

func (r Reply) clone() Reply {
	r.Body = bytes.Clone(r.Body)
	r.Header = r.Header.Clone()
	return r
}

func (r Reply) write(w http.ResponseWriter) {
	for key, values := range r.Header {
		w.Header()[key] = slices.Clone(values)
	}
	contentType := r.ContentType
	if contentType == "" {
		contentType = "application/json"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(r.Body)))

	status := r.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	// A failed write means the client has gone, and the client reports that itself.
	_, _ = w.Write(r.Body)
}

// isJSON reports whether a content type is JSON (application/json or a +json type).
func isJSON(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
}

func isForm(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && mediaType == "application/x-www-form-urlencoded"
}

// hasMember reports whether a JSON or form reply has a member named key.
func hasMember(r Reply, key string) bool {
	switch {
	case isJSON(r.ContentType):
		members, err := objectMembers(r.Body)
		return err == nil && slices.ContainsFunc(members, func(m member) bool { return m.key == key })
	case isForm(r.ContentType):
		values, err := url.ParseQuery(string(r.Body))
		return err == nil && values.Has(key)
	}
	return false
}

// withValues returns the reply with the members named in values replaced,
// keeping every other member, its position and its exact bytes. Only
// members that the fixture already has are replaced.
func (r Reply) withValues(values map[string]string) (Reply, error) {
	switch {
	case isJSON(r.ContentType):
		members, err := objectMembers(r.Body)
		if err != nil {
			return r, err
		}
		for i, m := range members {
			if v, ok := values[m.key]; ok {
				quoted, _ := json.Marshal(v)
				members[i].value = quoted
			}
		}
		r.Body = encodeObject(members)
	case isForm(r.ContentType):
		form, err := url.ParseQuery(string(r.Body))
		if err != nil {
			return r, err
		}
		for key, v := range values {
			if form.Has(key) {
				form.Set(key, v)
			}
		}
		r.Body = []byte(form.Encode())
	default:
		return r, fmt.Errorf("cannot replace values in a %s reply", r.ContentType)
	}
	return r, nil
}

// member is one member of a JSON object, with the value's raw bytes so that
// numbers above 2^53 keep their digits.
type member struct {
	key   string
	value json.RawMessage
}

// objectMembers splits a JSON object into its members in document order.
func objectMembers(body []byte) ([]member, error) {
	decoder := json.NewDecoder(bytes.NewReader(body))
	start, err := decoder.Token()
	if err != nil {
		return nil, err
	}
	if start != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}

	var members []member
	for decoder.More() {
		key, err := decoder.Token()
		if err != nil {
			return nil, err
		}
		var value json.RawMessage
		if err := decoder.Decode(&value); err != nil {
			return nil, err
		}
		members = append(members, member{key: key.(string), value: value})
	}
	if _, err := decoder.Token(); err != nil {
		return nil, err
	}
	if _, err := decoder.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return members, nil
}

func encodeObject(members []member) []byte {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			buf.WriteByte(',')
		}
		key, _ := json.Marshal(m.key)
		buf.Write(key)
		buf.WriteByte(':')
		buf.Write(m.value)
	}
	buf.WriteByte('}')
	return buf.Bytes()
}
