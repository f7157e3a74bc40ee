package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/markbates/goth/providers/github"
	"github.com/presetauth/presetauth/providers"
)

// The benchmarks compare like with like only if each flow signs in the
// same user. These tests run each flow once and compare the results.

func TestThreadsFlowsAgree(t *testing.T) {
	ctx := context.Background()
	threads := threadsProvider(t)
	handWritten := newHandWrittenThreads(t)
	codes := codes(t, threads, threadsRedirectURL, 2)

	ourToken, ours, err := threads.Finish(ctx, codes[0], threadsRedirectURL, "")
	if err != nil {
		t.Fatalf("presetauth: %v", err)
	}
	theirToken, theirs, err := handWritten.finish(ctx, codes[1])
	if err != nil {
		t.Fatalf("hand-written: %v", err)
	}

	if ours.ID == "" || ours.ID != theirs.ID {
		t.Errorf("id: presetauth %q, hand-written %q", ours.ID, theirs.ID)
	}
	if ours.Name != theirs.Name {
		t.Errorf("name: presetauth %q, hand-written %q", ours.Name, theirs.Name)
	}
	if ours.Image != theirs.Image {
		t.Errorf("image: presetauth %q, hand-written %q", ours.Image, theirs.Image)
	}
	for _, key := range []string{"username", "biography", "verified"} {
		if ours.Extra[key] != theirs.Extra[key] {
			t.Errorf("extra.%s: presetauth %v, hand-written %v", key, ours.Extra[key], theirs.Extra[key])
		}
	}
	if ourToken.ExpiresIn != theirToken.ExpiresIn || ourToken.ExpiresIn == 0 {
		t.Errorf("expires_in: presetauth %d, hand-written %d; want the long-lived token's",
			ourToken.ExpiresIn, theirToken.ExpiresIn)
	}
}

func TestGitHubFlowsAgree(t *testing.T) {
	ctx := context.Background()
	gitHub := githubProvider(t)
	goth := gothGitHub(t)
	codes := codes(t, gitHub, githubRedirectURL, 2)

	_, ours, err := gitHub.Finish(ctx, codes[0], githubRedirectURL, "")
	if err != nil {
		t.Fatalf("presetauth: %v", err)
	}
	session := &github.Session{}
	if _, err := session.Authorize(goth, url.Values{"code": {codes[1]}}); err != nil {
		t.Fatalf("goth: %v", err)
	}
	theirs, err := goth.FetchUser(session)
	if err != nil {
		t.Fatalf("goth: %v", err)
	}

	tests := []struct{ field, ours, goth string }{
		{"id", ours.ID, theirs.UserID},
		{"name", ours.Name, theirs.Name},
		{"email", ours.Email, theirs.Email},
		{"image", ours.Image, theirs.AvatarURL},
		{"login", ours.Extra["login"].(string), theirs.NickName},
	}
	for _, test := range tests {
		if test.ours == "" || test.ours != test.goth {
			t.Errorf("%s: presetauth %q, goth %q", test.field, test.ours, test.goth)
		}
	}
}

func TestAuthCodeURLsAgree(t *testing.T) {
	tests := []struct {
		name       string
		ours, them string
	}{
		{
			"threads",
			threadsProvider(t).AuthCodeURL(providers.AuthRequest{State: benchState}),
			newHandWrittenThreads(t).authCodeURL(benchState),
		},
		{
			"github",
			githubProvider(t).AuthCodeURL(providers.AuthRequest{State: benchState}),
			mustAuthURL(t, gothGitHub(t)),
		},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			ours, err := url.Parse(test.ours)
			if err != nil {
				t.Fatal(err)
			}
			them, err := url.Parse(test.them)
			if err != nil {
				t.Fatal(err)
			}
			if ours.Host+ours.Path != them.Host+them.Path {
				t.Errorf("endpoint: presetauth %s, baseline %s", ours.Host+ours.Path, them.Host+them.Path)
			}
			for _, key := range []string{"client_id", "redirect_uri", "response_type", "scope", "state"} {
				if ours.Query().Get(key) != them.Query().Get(key) {
					t.Errorf("%s: presetauth %q, baseline %q", key, ours.Query().Get(key), them.Query().Get(key))
				}
			}
		})
	}
}

func mustAuthURL(t *testing.T, p *github.Provider) string {
	t.Helper()
	session, err := p.BeginAuth(benchState)
	if err != nil {
		t.Fatal(err)
	}
	u, err := session.GetAuthURL()
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestHandlerCallbackSignsIn(t *testing.T) {
	var signedIn int
	h := handlerFor(t, threadsProvider(t), &signedIn)
	for _, req := range startSignIns(t, h, "threads", 3) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusNoContent {
			t.Errorf("callback: status %d, want 204: %s", rec.Code, rec.Body)
		}
	}
	if signedIn != 3 {
		t.Errorf("%d sign-ins completed, want 3", signedIn)
	}
}
