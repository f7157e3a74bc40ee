package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/presetauth/presetauth/oauth"
	"github.com/presetauth/presetauth/providers"
)

const (
	sessionCookie = "presetauth_demo_session"
	sessionTTL    = 24 * time.Hour
	maxSessions   = 10000
)

// demoApp is the demo's own site: a start page, a profile page and
// in-memory sessions. A real application keeps sessions in its own store.
type demoApp struct {
	providers []*providers.Provider
	auth      *oauth.Handler
	logger    *slog.Logger

	// emulated is set when the providers sign in against the emulator.
	emulated bool

	// canonicalHost, when set, is the only host:port that the site serves.
	// Requests for other hosts are redirected to it, so that the state
	// cookie and the redirect URL share one origin.
	canonicalHost string

	mu       sync.Mutex
	sessions map[string]*session
}

type session struct {
	result  *oauth.Result
	expires time.Time
}

// profileJSON is the body of GET /api/profile.
type profileJSON struct {
	Provider string         `json:"provider"`
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	Email    string         `json:"email"`
	Image    string         `json:"image"`
	Extra    map[string]any `json:"extra"`
}

func newDemoApp(list []*providers.Provider, logger *slog.Logger) *demoApp {
	return &demoApp{providers: list, logger: logger, sessions: map[string]*session{}}
}

func (a *demoApp) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/auth/", a.auth)
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /profile", a.profilePage)
	mux.HandleFunc("GET /api/profile", a.profileAPI)
	mux.HandleFunc("POST /signout", a.signOut)
	mux.HandleFunc("GET "+avatarPath, serveAvatar)
	return a.redirectToCanonicalHost(mux)
}

// redirectToCanonicalHost sends requests for another host, such as
// localhost in place of 127.0.0.1, to the canonical one.
func (a *demoApp) redirectToCanonicalHost(next http.Handler) http.Handler {
	if a.canonicalHost == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host == a.canonicalHost {
			next.ServeHTTP(w, r)
			return
		}
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		http.Redirect(w, r, scheme+"://"+a.canonicalHost+r.URL.RequestURI(), http.StatusPermanentRedirect)
	})
}

// signedIn is the OnSignIn of the demo: it starts a session and goes to the
// profile page, or to the page the sign-in started from.
func (a *demoApp) signedIn(w http.ResponseWriter, r *http.Request, res *oauth.Result) {
	id := randomSecret()
	a.mu.Lock()
	a.pruneLocked(time.Now())
	if len(a.sessions) >= maxSessions {
		a.mu.Unlock()
		a.logger.Warn("session store full; sign-in not kept", "provider", res.Provider)
		http.Error(w, "Too many sessions; try again later.", http.StatusServiceUnavailable)
		return
	}
	a.sessions[id] = &session{result: res, expires: time.Now().Add(sessionTTL)}
	a.mu.Unlock()

	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    id,
		Path:     "/",
		MaxAge:   int(sessionTTL / time.Second),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
	a.logger.Info("signed in", "provider", res.Provider, "user", res.Profile.ID)
	target := res.ReturnTo
	if target == "/" {
		target = "/profile"
	}
	http.Redirect(w, r, target, http.StatusFound)
}

func (a *demoApp) pruneLocked(now time.Time) {
	for id, s := range a.sessions {
		if now.After(s.expires) {
			delete(a.sessions, id)
		}
	}
}

func (a *demoApp) current(r *http.Request) *oauth.Result {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[c.Value]
	if !ok || time.Now().After(s.expires) {
		return nil
	}
	return s.result
}

func (a *demoApp) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		a.mu.Lock()
		delete(a.sessions, c.Value)
		a.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1, HttpOnly: true})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *demoApp) profileAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	res := a.current(r)
	if res == nil {
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "not signed in"})
		return
	}
	_ = json.NewEncoder(w).Encode(toProfileJSON(res))
}

func toProfileJSON(res *oauth.Result) profileJSON {
	extra := res.Profile.Extra
	if extra == nil {
		extra = map[string]any{}
	}
	return profileJSON{
		Provider: res.Provider,
		ID:       res.Profile.ID,
		Name:     res.Profile.Name,
		Email:    res.Profile.Email,
		Image:    res.Profile.Image,
		Extra:    extra,
	}
}
