package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/markbates/goth/providers/github"
	"github.com/presetauth/presetauth"
	"github.com/presetauth/presetauth/presets"
	"github.com/presetauth/presetauth/providers"
	"github.com/presetauth/presetauth/schema"
)

// Benchmark names end in the implementation: "presetauth" and
// "presetauth-handler" are this module, every other name is a baseline.
// scripts/benchplot reads them that way.

// benchState is a state parameter of the length the handler makes.
const benchState = "Yx3Gm0kQ9c2r7VwZpL5tN8bH1sD4fJ6aE0uC3iO9yRq"

// deploymentOverride is a Threads deployment entry as a user writes it,
// with a ${VAR} reference so that loading expands a variable.
const deploymentOverride = `
client_id: "990602627938098"
client_secret: ${THREADS_APP_SECRET}
redirect_url: https://app.example/auth/callback/threads
scopes: [threads_basic, threads_content_publish]
`

func deploymentLookup(name string) (string, bool) {
	if name == "THREADS_APP_SECRET" {
		return "benchmark-app-secret", true
	}
	return "", false
}

// BenchmarkLoadPreset measures loading the Threads preset with a
// deployment override: parsing the YAML, merging, resolving (variables,
// decoding, validation), and all of it plus building the runtime provider.
// This happens once per process start, never per request.
func BenchmarkLoadPreset(b *testing.B) {
	catalogue, err := presets.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	source, ok := catalogue.Source("threads")
	if !ok {
		b.Fatal("no threads preset")
	}
	preset, err := schema.ParseSpec("threads.yaml", source)
	if err != nil {
		b.Fatal(err)
	}
	override, err := schema.ParseSpec("auth.yaml", []byte(deploymentOverride))
	if err != nil {
		b.Fatal(err)
	}
	merged := schema.Merge(preset, override)
	resolve := schema.ResolveOptions{Lookup: deploymentLookup}

	b.Run("parse/presetauth", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := schema.ParseSpec("threads.yaml", source); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("merge/presetauth", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			schema.Merge(preset, override)
		}
	})
	b.Run("resolve/presetauth", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := merged.Resolve(resolve); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("provider/presetauth", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, err := presetauth.Provider("threads",
				presetauth.WithOverrides([]byte(deploymentOverride)),
				presetauth.WithLookup(deploymentLookup),
				presetauth.WithProviderOptions(providers.WithLogger(discardLogger)))
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAuthCodeURL measures building the authorization URL alone.
func BenchmarkAuthCodeURL(b *testing.B) {
	threads := threadsProvider(b)
	handWritten := newHandWrittenThreads(b)
	gitHub := githubProvider(b)
	goth := gothGitHub(b)

	b.Run("threads/presetauth", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			threads.AuthCodeURL(providers.AuthRequest{State: benchState})
		}
	})
	b.Run("threads/oauth2-by-hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			handWritten.authCodeURL(benchState)
		}
	})
	b.Run("github/presetauth", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			gitHub.AuthCodeURL(providers.AuthRequest{State: benchState})
		}
	})
	b.Run("github/goth", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			session, err := goth.BeginAuth(benchState)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := session.GetAuthURL(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSignIn measures the handler's sign-in step: a new state,
// the sealed state cookie and the redirect to the provider.
func BenchmarkSignIn(b *testing.B) {
	var signedIn int
	h := handlerFor(b, threadsProvider(b), &signedIn)
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8443"+h.SignInPath("threads"), nil)

	b.Run("threads/presetauth-handler", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusFound {
				b.Fatalf("status %d", rec.Code)
			}
		}
	})
}

// BenchmarkCallback measures a whole callback against the emulators on
// loopback: the code exchange, Threads' long-lived token exchange, the
// userinfo request and the profile mapping. Each iteration spends a fresh
// code, which is fetched before the timer starts. presetauth-handler also
// opens and checks the state cookie, as the callback endpoint does.
func BenchmarkCallback(b *testing.B) {
	ctx := context.Background()
	threads := threadsProvider(b)
	handWritten := newHandWrittenThreads(b)
	gitHub := githubProvider(b)
	goth := gothGitHub(b)
	var signedIn int
	handler := handlerFor(b, threads, &signedIn)

	b.Run("threads/presetauth", func(b *testing.B) {
		codes := codes(b, threads, threadsRedirectURL, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		start, _ := processCPU()
		defer measureCPU(b, start)
		for i := 0; i < b.N; i++ {
			if _, _, err := threads.Finish(ctx, codes[i], threadsRedirectURL, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("threads/presetauth-handler", func(b *testing.B) {
		callbacks := startSignIns(b, handler, "threads", b.N)
		b.ReportAllocs()
		b.ResetTimer()
		start, _ := processCPU()
		defer measureCPU(b, start)
		for i := 0; i < b.N; i++ {
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, callbacks[i])
			if rec.Code != http.StatusNoContent {
				b.Fatalf("callback: status %d: %s", rec.Code, rec.Body)
			}
		}
	})
	b.Run("threads/oauth2-by-hand", func(b *testing.B) {
		codes := codes(b, threads, threadsRedirectURL, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		start, _ := processCPU()
		defer measureCPU(b, start)
		for i := 0; i < b.N; i++ {
			if _, _, err := handWritten.finish(ctx, codes[i]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("github/presetauth", func(b *testing.B) {
		codes := codes(b, gitHub, githubRedirectURL, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		start, _ := processCPU()
		defer measureCPU(b, start)
		for i := 0; i < b.N; i++ {
			if _, _, err := gitHub.Finish(ctx, codes[i], githubRedirectURL, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("github/goth", func(b *testing.B) {
		codes := codes(b, gitHub, githubRedirectURL, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		start, _ := processCPU()
		defer measureCPU(b, start)
		for i := 0; i < b.N; i++ {
			session := &github.Session{}
			if _, err := session.Authorize(goth, url.Values{"code": {codes[i]}}); err != nil {
				b.Fatal(err)
			}
			if _, err := goth.FetchUser(session); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// measureCPU reports the CPU time that this process used per iteration
// since start, as cpu-ns/op. Over loopback, ns/op includes the emulator's
// turn and the waits on a busy machine. cpu-ns/op counts the client's own
// work.
func measureCPU(b *testing.B, start int64) {
	if end, ok := processCPU(); ok {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkProfileMapping measures mapping the Threads profile reply onto
// a Profile: with the preset's gjson paths, and with a hand-written struct
// decoded by encoding/json that builds the same Profile.
func BenchmarkProfileMapping(b *testing.B) {
	threads := threadsProvider(b)
	raw := threadsReply(b, threads)

	b.Run("threads/presetauth", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := threads.MapProfile(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("threads/json-struct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var u threadsUser
			if err := json.Unmarshal(raw, &u); err != nil {
				b.Fatal(err)
			}
			u.profile(raw)
		}
	})
}

// threadsReply returns the profile reply the Threads emulator serves for
// the preset's fields.
func threadsReply(tb testing.TB, p *providers.Provider) []byte {
	tb.Helper()
	code := codes(tb, p, threadsRedirectURL, 1)[0]
	_, profile, err := p.Finish(context.Background(), code, threadsRedirectURL, "")
	if err != nil {
		tb.Fatal(err)
	}
	return profile.Raw
}
