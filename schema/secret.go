package schema

import (
	"encoding/json"
	"log/slog"
)

const redacted = "[redacted]"

// Secret is a value such as a client secret that must not appear in logs,
// errors or printed configs. Every printing path (fmt, slog, YAML, JSON)
// shows "[redacted]"; [Secret.Value] returns the value.
type Secret string

// Value returns the secret itself, for sending it to the provider.
func (s Secret) Value() string { return string(s) }

// String returns "[redacted]" for a non-empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return `schema.Secret("` + s.String() + `")` }

// LogValue keeps log/slog from printing the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalYAML writes the redacted form.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalJSON writes the redacted form.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }
