package main

import (
	"encoding/json"
	"html/template"
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
	return mux
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

type button struct {
	Name, Path, Background, Text string
}

func (a *demoApp) home(w http.ResponseWriter, r *http.Request) {
	var buttons []button
	for _, p := range a.providers {
		b := button{Name: p.Name(), Path: a.auth.SignInPath(p.ID), Background: "#1f2937", Text: "#ffffff"}
		if p.Spec.Style.Background != "" {
			b.Background = p.Spec.Style.Background
		}
		if p.Spec.Style.Text != "" {
			b.Text = p.Spec.Style.Text
		}
		buttons = append(buttons, b)
	}
	render(w, homeTemplate, map[string]any{"Buttons": buttons, "SignedIn": a.current(r) != nil})
}

func (a *demoApp) profilePage(w http.ResponseWriter, r *http.Request) {
	res := a.current(r)
	if res == nil {
		http.Redirect(w, r, "/", http.StatusFound)
		return
	}
	extra, _ := json.MarshalIndent(toProfileJSON(res).Extra, "", "  ")
	render(w, profileTemplate, map[string]any{"P": toProfileJSON(res), "Extra": string(extra), "Expiry": res.Token.Expiry})
}

func render(w http.ResponseWriter, t *template.Template, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src https: http:; style-src 'unsafe-inline'; form-action 'self'")
	_ = t.Execute(w, data)
}

const pageStyle = `<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
.button{display:block;padding:.8rem 1rem;margin:.6rem 0;border-radius:.5rem;text-decoration:none;font-weight:600;text-align:center}
img.avatar{width:96px;height:96px;border-radius:50%}pre{background:#f3f4f6;padding:.8rem;overflow:auto}</style>`

var homeTemplate = template.Must(template.New("home").Parse(`<!doctype html><html lang="en"><head>` + pageStyle + `<title>presetauth demo</title></head><body>
<h1>presetauth demo</h1>
{{if .SignedIn}}<p>You are signed in. <a href="/profile">See your profile</a>.</p>{{end}}
{{range .Buttons}}<a class="button" href="{{.Path}}" style="background:{{.Background}};color:{{.Text}}">Sign in with {{.Name}}</a>
{{else}}<p>No providers are configured.</p>{{end}}
</body></html>
`))

var profileTemplate = template.Must(template.New("profile").Parse(`<!doctype html><html lang="en"><head>` + pageStyle + `<title>Your profile</title></head><body>
<h1>Signed in</h1>
{{if .P.Image}}<img class="avatar" id="avatar" src="{{.P.Image}}" alt="Profile picture">{{end}}
<p>Name: <strong id="name">{{.P.Name}}</strong></p>
<p>Provider: <span id="provider">{{.P.Provider}}</span>, user id <span id="user-id">{{.P.ID}}</span></p>
{{if .P.Email}}<p>Email: {{.P.Email}}</p>{{end}}
{{if not .Expiry.IsZero}}<p>Access token expires {{.Expiry.Format "2006-01-02 15:04 MST"}}.</p>{{end}}
<pre id="extra">{{.Extra}}</pre>
<form method="post" action="/signout"><button type="submit">Sign out</button></form>
<p><a href="/api/profile">The same as JSON</a></p>
</body></html>
`))
