package main

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/presetauth/presetauth/oauth"
	"github.com/presetauth/presetauth/presets/logos"
	"github.com/presetauth/presetauth/providers"
)

// Button colors of a provider whose preset sets no style.
const (
	defaultBackground = "#1f2937"
	defaultText       = "#ffffff"
)

// avatarPath serves the emulated user's picture, so that the demo's
// profile page loads nothing from outside this machine.
const avatarPath = "/demo/avatar.svg"

// button is a provider's sign-in button in the style of its preset.
type button struct {
	ID         string
	Name       string
	Path       string
	Background string
	Text       string
	Border     string
	LogoSVG    template.HTML // a built-in logo, inlined so it takes the text color
	LogoImage  template.URL  // a data:image URI from the spec
	Letter     string        // shown when there is no logo
}

// newButton builds the button of p from its spec's style. A logo that is
// neither a built-in name nor a data:image URI of an allowed type is left
// out, and the button shows the first letter of the name instead.
func (a *demoApp) newButton(p *providers.Provider) button {
	style := p.Spec.Style
	b := button{
		ID:         p.ID,
		Name:       p.Name(),
		Path:       a.auth.SignInPath(p.ID),
		Background: defaultBackground,
		Text:       defaultText,
		Border:     "transparent",
	}
	if style.Background != "" {
		b.Background = style.Background
	}
	if style.Text != "" {
		b.Text = style.Text
	}
	if style.Border != "" {
		b.Border = style.Border
	}

	switch {
	case style.Logo == "":
	case isImageDataURI(style.Logo):
		// The URI is checked to be a base64 PNG or SVG image, which an
		// img element shows without running scripts.
		b.LogoImage = template.URL(style.Logo)
	default:
		if svg, ok := logos.SVG(style.Logo); ok {
			// Built-in logos are files of this module, checked by the
			// logos package tests to hold no script or link.
			b.LogoSVG = template.HTML(svg)
		} else {
			a.logger.Warn("unknown logo; showing the first letter of the name", "provider", p.ID, "logo", style.Logo, "known", strings.Join(logos.Names(), ", "))
		}
	}
	if b.LogoSVG == "" && b.LogoImage == "" {
		r, _ := utf8.DecodeRuneInString(b.Name)
		b.Letter = string(unicode.ToUpper(r))
	}
	return b
}

func isImageDataURI(s string) bool {
	return strings.HasPrefix(s, "data:image/png;base64,") || strings.HasPrefix(s, "data:image/svg+xml;base64,")
}

func (a *demoApp) home(w http.ResponseWriter, r *http.Request) {
	buttons := make([]button, 0, len(a.providers))
	for _, p := range a.providers {
		buttons = append(buttons, a.newButton(p))
	}
	render(w, http.StatusOK, homeTemplate, map[string]any{
		"Buttons":  buttons,
		"SignedIn": a.current(r) != nil,
		"Emulated": a.emulated,
	})
}

func (a *demoApp) profilePage(w http.ResponseWriter, r *http.Request) {
	res := a.current(r)
	if res == nil {
		http.Redirect(w, r, "/", http.StatusFound)
		return
	}
	profile := toProfileJSON(res)
	extra, _ := json.MarshalIndent(profile.Extra, "", "  ")
	render(w, http.StatusOK, profileTemplate, map[string]any{
		"P":            profile,
		"ProviderName": a.providerName(res.Provider),
		"Extra":        string(extra),
		"Expiry":       res.Token.Expiry,
	})
}

func (a *demoApp) providerName(id string) string {
	for _, p := range a.providers {
		if p.ID == id {
			return p.Name()
		}
	}
	return id
}

// signInFailed is the demo's OnError: the sign-in page's look with the
// handler's fixed sentence, which holds no request input.
func (a *demoApp) signInFailed(w http.ResponseWriter, r *http.Request, err error) {
	render(w, oauth.ErrorStatus(err), errorTemplate, oauth.ErrorMessage(err))
}

func render(w http.ResponseWriter, status int, t *template.Template, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src 'self' https: data:; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_ = t.Execute(w, data)
}

// avatarSVG is the emulated user's picture: a head and shoulders.
const avatarSVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96" width="96" height="96">` +
	`<rect width="96" height="96" fill="#6366f1"/>` +
	`<circle cx="48" cy="38" r="17" fill="#eef2ff"/>` +
	`<path d="M16 96c2-20 15-31 32-31s30 11 32 31z" fill="#eef2ff"/></svg>`

func serveAvatar(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write([]byte(avatarSVG))
}

const pageHead = `<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<style>
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f4f6;color:#111827;line-height:1.5}
main{max-width:26rem;margin:0 auto;padding:2.5rem 1rem}
.card{background:#fff;border-radius:1rem;padding:1.75rem 1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.08),0 8px 24px rgba(0,0,0,.06)}
h1{font-size:1.6rem;margin:0 0 .25rem}
.lead{color:#4b5563;margin:0 0 1.5rem}
.button{display:flex;align-items:center;justify-content:center;gap:.7rem;min-height:3.1rem;padding:.65rem 1rem;margin:.75rem 0;border:1px solid transparent;border-radius:.65rem;text-decoration:none;font-weight:600;font-size:1.05rem}
.button:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
.logo{display:inline-flex;width:1.5rem;height:1.5rem;flex:none}
.logo svg,.logo img{width:100%;height:100%}
.letter{align-items:center;justify-content:center;border:2px solid currentColor;border-radius:50%;font-size:.85rem}
.note{color:#6b7280;font-size:.875rem;margin:1.25rem 0 0}
.avatar{width:96px;height:96px;border-radius:50%;display:block;margin:0 auto 1rem}
.center{text-align:center}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:1.25rem 0;overflow-wrap:anywhere}
dt{color:#6b7280}dd{margin:0}
pre{background:#f3f4f6;border-radius:.5rem;padding:.75rem;overflow:auto;font-size:.85rem;white-space:pre-wrap;overflow-wrap:anywhere}
.secondary{width:100%;min-height:2.75rem;border:1px solid #d1d5db;background:#fff;border-radius:.65rem;font-size:1rem;font-weight:600;color:#111827}
a{color:#1d4ed8}
</style>`

var homeTemplate = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="en"><head>` + pageHead + `<title>Sign in · presetauth demo</title></head><body><main>
<div class="card">
<h1>Sign in</h1>
<p class="lead">to the presetauth demo</p>
{{if .SignedIn}}<p id="signed-in">You are signed in. <a href="/profile">See your profile</a>.</p>{{end}}
{{range .Buttons}}<a class="button" id="signin-{{.ID}}" href="{{.Path}}" style="background:{{.Background}};color:{{.Text}};border-color:{{.Border}}">
{{- if .LogoSVG}}<span class="logo">{{.LogoSVG}}</span>
{{- else if .LogoImage}}<span class="logo"><img src="{{.LogoImage}}" alt=""></span>
{{- else}}<span class="logo letter" aria-hidden="true">{{.Letter}}</span>{{end -}}
<span>Sign in with {{.Name}}</span></a>
{{else}}<p>No providers are configured.</p>{{end}}
{{if .Emulated}}<p class="note" id="emulated">Threads is emulated on this machine: no real account is used, and the consent screen is the emulator's.</p>{{end}}
</div>
</main></body></html>
`))

var profileTemplate = template.Must(template.New("profile").Parse(`<!doctype html>
<html lang="en"><head>` + pageHead + `<title>Your profile · presetauth demo</title></head><body><main>
<div class="card">
<div class="center">
{{if .P.Image}}<img class="avatar" id="avatar" src="{{.P.Image}}" alt="Profile picture">{{end}}
<h1 id="name">{{.P.Name}}</h1>
<p class="lead">Signed in with <span id="provider">{{.ProviderName}}</span></p>
</div>
<dl>
<dt>User id</dt><dd id="user-id">{{.P.ID}}</dd>
{{if .P.Email}}<dt>Email</dt><dd id="email">{{.P.Email}}</dd>{{end}}
{{if not .Expiry.IsZero}}<dt>Token expires</dt><dd>{{.Expiry.Format "2006-01-02 15:04 MST"}}</dd>{{end}}
</dl>
<pre id="extra">{{.Extra}}</pre>
<form method="post" action="/signout"><button class="secondary" type="submit">Sign out</button></form>
<p class="note"><a href="/api/profile">The same as JSON</a></p>
</div>
</main></body></html>
`))

var errorTemplate = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head>` + pageHead + `<title>Sign-in failed · presetauth demo</title></head><body><main>
<div class="card">
<h1 id="error-title">Sign-in failed</h1>
<p class="lead" id="error-message">{{.}}</p>
<a class="button" href="/" style="background:#1f2937;color:#ffffff">Back to sign-in</a>
</div>
</main></body></html>
`))
