package providers

import (
	"github.com/presetauth/presetauth/schema"
	"github.com/tidwall/gjson"
)

// errorMapping reads a provider error from a JSON reply.
type errorMapping struct {
	markers,
	code, description, kind, subcode, traceID []string
}

// Default paths. They read RFC 6749 §5.2 replies and both Meta shapes
// (Threads "Get access tokens" error replies and the Graph API's
// "Handling errors" page).
var (
	defaultCode        = []string{"error.code", "error", "code"}
	defaultDescription = []string{"error.message", "error_description", "error_message", "error.error_user_msg", "message"}
	defaultType        = []string{"error.type", "error_type"}
	defaultSubcode     = []string{"error.error_subcode", "error_subcode"}
	defaultTraceID     = []string{"error.fbtrace_id", "fbtrace_id"}

	// errorMarkers make a reply an error reply. A bare "code" or "message"
	// does not, since profiles may carry such fields.
	errorMarkers = []string{"error", "error_message", "error_type", "errors"}
)

func newErrorMapping(m schema.ErrorMapping) errorMapping {
	pick := func(spec schema.Paths, fallback []string) []string {
		if len(spec) > 0 {
			return spec
		}
		return fallback
	}
	return errorMapping{
		markers:     pick(m.Markers, errorMarkers),
		code:        pick(m.Code, defaultCode),
		description: pick(m.Description, defaultDescription),
		kind:        pick(m.Type, defaultType),
		subcode:     pick(m.Subcode, defaultSubcode),
		traceID:     pick(m.TraceID, defaultTraceID),
	}
}

// read returns the provider error in root, or nil when root is no error
// reply.
func (m errorMapping) read(root gjson.Result) *ProviderError {
	if !root.IsObject() {
		return nil
	}
	marked := false
	for _, path := range m.markers {
		if hasValue(root.Get(path)) {
			marked = true
			break
		}
	}
	if !marked {
		return nil
	}
	return &ProviderError{
		Code:        cleanText(firstScalar(root, m.code)),
		Description: cleanText(firstScalar(root, m.description)),
		Type:        cleanText(firstScalar(root, m.kind)),
		Subcode:     cleanText(firstScalar(root, m.subcode)),
		TraceID:     cleanText(firstScalar(root, m.traceID)),
	}
}

// hasValue reports whether v carries a value. A missing field, null,
// false, "" and an empty list or object do not, so a successful reply with
// "error": "" or "errors": [] is not read as an error.
func hasValue(v gjson.Result) bool {
	switch v.Type {
	case gjson.Null, gjson.False:
		return false
	case gjson.String:
		return v.Str != ""
	case gjson.JSON:
		empty := true
		v.ForEach(func(_, _ gjson.Result) bool {
			empty = false
			return false
		})
		return !empty
	}
	return true
}

// firstScalar returns the first path that holds a string or a number, with
// numbers in their exact digits.
func firstScalar(root gjson.Result, paths []string) string {
	return first(&pathValues{root: root}, paths)
}
