package oauth

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"time"
)

// maxPendingSignIns is the number of pending sign-ins that a new sign-in
// leaves in place in one browser. Each one holds a state cookie of 400 to
// 600 bytes until the callback or StateTTL ends it. Without a cap,
// abandoned sign-ins fill the Cookie header, and servers such as nginx
// reject a header line over 8 KB by default. Four covers two tabs with two
// providers each.
//
// NOTE: a cookie with a return path near MaxReturnPathLength is up to about
// 3.4 KB, so five such cookies still exceed 8 KB on requests under
// BasePath.
const maxPendingSignIns = 4

// stateCookieNameLength is the length of the part of a state cookie's name
// after its prefix: the base64url encoding of 9 bytes (see cookieName).
const stateCookieNameLength = 12

// prunePendingSignIns deletes state cookies when the sign-in request
// carries more than maxPendingSignIns of them. It deletes each one that
// does not open, because it was altered, sealed with a retired secret or
// has expired, and then the oldest of the rest beyond maxPendingSignIns,
// by the issue time sealed in each. Up to maxPendingSignIns pending
// sign-ins are never touched, so a new sign-in never breaks one under way
// within the cap.
func (h *Handler) prunePendingSignIns(w http.ResponseWriter, r *http.Request, now time.Time) {
	cookies := stateCookies(r)
	if len(cookies) <= maxPendingSignIns {
		return
	}

	type pending struct {
		name     string
		secure   bool
		issuedAt int64
	}
	var open []pending
	for _, c := range cookies {
		secure := strings.HasPrefix(c.Name, secureCookiePrefix)
		fs, err := h.openState(c.Name, c.Value, now)
		if err != nil {
			h.deleteStateCookie(w, c.Name, secure, http.SameSiteLaxMode)
			continue
		}
		open = append(open, pending{name: c.Name, secure: secure, issuedAt: fs.IssuedAt})
	}
	if len(open) <= maxPendingSignIns {
		return
	}

	// Newest first; the name breaks ties so that the order is stable.
	slices.SortFunc(open, func(a, b pending) int {
		if c := cmp.Compare(b.issuedAt, a.issuedAt); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	for _, p := range open[maxPendingSignIns:] {
		h.deleteStateCookie(w, p.name, p.secure, http.SameSiteLaxMode)
	}
}

// stateCookies returns the request's cookies that are named like a state
// cookie, one per name. Other cookies that share the prefix, such as an
// application's session cookie, are left out.
func stateCookies(r *http.Request) []*http.Cookie {
	var found []*http.Cookie
	seen := map[string]bool{}
	for _, c := range r.Cookies() {
		if !isStateCookieName(c.Name) || seen[c.Name] {
			continue
		}
		seen[c.Name] = true
		found = append(found, c)
	}
	return found
}

func isStateCookieName(name string) bool {
	rest, ok := strings.CutPrefix(name, secureCookiePrefix)
	if !ok {
		rest, ok = strings.CutPrefix(name, plainCookiePrefix)
	}
	return ok && len(rest) == stateCookieNameLength && isBase64URL(rest)
}

// deleteStateCookie sets an expired state cookie with the same name and
// Path, which makes the browser delete it. A __Secure- cookie is replaced
// only by a Set-Cookie with the Secure attribute.
func (h *Handler) deleteStateCookie(w http.ResponseWriter, name string, secure bool, mode http.SameSite) {
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Path:     h.cookiePath(),
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   secure,
		SameSite: mode,
	})
}
