package oauth

import (
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// unknownProviderWarnInterval is the minimum time between two warnings
// about requests for unknown providers. Anyone can send such requests, so
// each one is logged at debug level and at most one per interval at warn
// level.
const unknownProviderWarnInterval = time.Minute

// maxLoggedProviderID caps, in bytes, a requested provider id in the log.
const maxLoggedProviderID = 64

// unknownProviderLog rate-limits the warnings about requests for provider
// ids that the handler does not serve.
type unknownProviderLog struct {
	mu         sync.Mutex
	lastWarn   time.Time
	suppressed int // requests logged at debug level since lastWarn
}

// logUnknownProvider logs a request for an unknown provider id at warn
// level when no warning was logged in the last unknownProviderWarnInterval,
// and otherwise at debug level. A warning's since_last_warning counts the
// requests logged at debug level since the previous warning. The id is cut
// to maxLoggedProviderID bytes; the slog text and JSON handlers quote it
// where it contains spaces, quotes or control characters.
func (h *Handler) logUnknownProvider(action, id string) {
	id = cutLoggedText(id, maxLoggedProviderID)
	now := h.now()

	h.unknown.mu.Lock()
	warn := h.unknown.lastWarn.IsZero() || now.Sub(h.unknown.lastWarn) >= unknownProviderWarnInterval
	suppressed := h.unknown.suppressed
	if warn {
		h.unknown.lastWarn = now
		h.unknown.suppressed = 0
	} else {
		h.unknown.suppressed++
	}
	h.unknown.mu.Unlock()

	const msg = "oauth: request for an unknown provider"
	if warn {
		h.logger.Warn(msg, "action", action, "provider", id, "since_last_warning", suppressed)
		return
	}
	h.logger.Debug(msg, "action", action, "provider", id)
}

// cutLoggedText returns s, with invalid UTF-8 replaced, cut to at most max
// bytes at a rune boundary, with "..." appended when it was cut.
func cutLoggedText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
