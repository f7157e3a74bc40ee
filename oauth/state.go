package oauth

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// flowState is sealed into the state cookie of one sign-in. It binds the
// state to the provider, client and redirect URI, so a flow started for one
// provider cannot finish on another.
type flowState struct {
	Provider    string `json:"p"`
	ClientID    string `json:"c"`
	RedirectURL string `json:"r"`
	State       string `json:"s"`
	Verifier    string `json:"v,omitempty"`
	Nonce       string `json:"n,omitempty"`
	ReturnTo    string `json:"t,omitempty"`
	IssuedAt    int64  `json:"i,omitempty"` // Unix seconds; orders the pending sign-ins
}

// randomString returns n random bytes, base64url-encoded.
func randomString(n int) string {
	b := make([]byte, n)
	// crypto/rand.Read never returns an error since Go 1.24.
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// cookieName derives the state cookie's name from the state, so that two
// sign-ins in one browser (two tabs, two providers) each keep their own
// cookie, and the callback finds its cookie from the state parameter alone.
func cookieName(prefix, state string) string {
	sum := sha256.Sum256([]byte(state))
	return prefix + base64.RawURLEncoding.EncodeToString(sum[:9])
}

// encodeState returns s as JSON without the HTML escaping of json.Marshal,
// which writes each "<", ">" and "&" as 6 bytes. Without it, JSON at most
// doubles a return path, because '"' becomes 2 bytes and U+2028 and U+2029
// become 6 bytes in place of 3, so every path that SafeReturnPath accepts
// fits in the cookie.
func encodeState(s *flowState) ([]byte, error) {
	var buf bytes.Buffer
	encoder := json.NewEncoder(&buf)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(s); err != nil {
		return nil, fmt.Errorf("oauth: encoding state: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func (h *Handler) sealState(name string, s *flowState, now time.Time) (string, error) {
	data, err := encodeState(s)
	if err != nil {
		return "", err
	}
	return h.sealer.Load().Seal(name, data, now.Add(h.stateTTL))
}

func (h *Handler) openState(name, value string, now time.Time) (*flowState, error) {
	data, err := h.sealer.Load().Open(name, value, now)
	if err != nil {
		return nil, err
	}
	var s flowState
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%w: undecodable contents", ErrStateInvalid)
	}
	return &s, nil
}
