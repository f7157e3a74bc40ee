package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// chromiumPath is where Debian's chromium package installs the browser.
const chromiumPath = "/usr/bin/chromium"

var updateScreenshot = flag.Bool("update-screenshot", false, "also save the sign-in page screenshot to docs/signin.png")

// Phone-sized viewport of the browser test, in CSS pixels.
const (
	viewportWidth  = 390
	viewportHeight = 844
)

// requireChromium returns the browser path, or skips the test outside CI
// when the browser is missing. In CI (CI=true) a missing browser fails the
// test, because .ci/run installs it.
func requireChromium(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		msg := chromiumPath + " not found; install it with: apt-get update && apt-get install -y chromium"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (.ci/run does this)")
		}
		t.Skip(msg)
	}
	return chromiumPath
}

// newBrowser starts a headless Chromium that trusts only the certificate
// of d among untrusted ones, with a fresh profile and a phone-sized window.
func newBrowser(t *testing.T, d *demoServer) context.Context {
	t.Helper()
	spki := sha256.Sum256(d.cert.Leaf.RawSubjectPublicKeyInfo)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(requireChromium(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(viewportWidth, viewportHeight),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,AutofillServerCommunication"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		// Trust the generated certificate by its public key; this flag
		// works only together with a user data dir.
		chromedp.Flag("ignore-certificate-errors-spki-list", base64.StdEncoding.EncodeToString(spki[:])),
	}
	allocator, cancelAllocator := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocator, chromedp.WithLogf(t.Logf))
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelBrowser()
		cancelAllocator()
	})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(viewportWidth, viewportHeight, chromedp.EmulateScale(2))); err != nil {
		t.Fatalf("starting %s: %v", chromiumPath, err)
	}
	return ctx
}

// requestLog records the URL of every request the browser sends.
type requestLog struct {
	mu   sync.Mutex
	urls []string
}

func (l *requestLog) listen(t *testing.T, ctx context.Context) {
	t.Helper()
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			l.mu.Lock()
			l.urls = append(l.urls, e.Request.URL)
			l.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("listen to the browser's requests: %v", err)
	}
}

// offLoopback returns the requested URLs whose host is not 127.0.0.1.
func (l *requestLog) offLoopback() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, raw := range l.urls {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "data" && u.Hostname() != "127.0.0.1") {
			out = append(out, raw)
		}
	}
	return out
}

func screenshot(t *testing.T, ctx context.Context, name string) []byte {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return png
}

// signInButton finds the button by its label, as a person would.
const signInButton = chromedp.Search(`//a[contains(normalize-space(.), "Sign in with Threads")]`)

func TestBrowserSignIn(t *testing.T) {
	requireChromium(t)
	d := startServe(t, serveOptions{tls: true, consent: true})
	ctx := newBrowser(t, d)
	var requests requestLog
	requests.listen(t, ctx)

	// The sign-in page.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(d.url+"/"),
		chromedp.WaitVisible(signInButton),
	); err != nil {
		t.Fatalf("open the sign-in page: %v", err)
	}
	png := screenshot(t, ctx, "signin.png")
	if *updateScreenshot {
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "signin.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The emulated consent screen.
	if err := chromedp.Do(ctx,
		chromedp.Click(signInButton),
		chromedp.WaitVisible(chromedp.ID("allow")),
	); err != nil {
		t.Fatalf("open the consent screen: %v", err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(title, "Allow access?") {
		t.Errorf("consent page title = %q", title)
	}
	screenshot(t, ctx, "consent.png")

	// Allow, and land on the profile page with the user's name and picture.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("allow")),
		chromedp.WaitVisible(chromedp.ID("name")),
	); err != nil {
		t.Fatalf("allow and open the profile page: %v", err)
	}
	// Browsers keep the fragment across redirects, so the #_ that Threads
	// appends to the callback URL stays in the address bar.
	location := strings.TrimSuffix(browserValue(t, ctx, chromedp.Location()), "#_")
	if location != d.url+"/profile" {
		t.Errorf("landed on %s, want %s/profile", location, d.url)
	}
	if name := browserValue(t, ctx, chromedp.Text(chromedp.ID("name"))); name != "Emulated User" {
		t.Errorf("name shown = %q, want Emulated User", name)
	}
	if src := browserValue(t, ctx, chromedp.AttributeValue(chromedp.ID("avatar"), "src")); src.Value != d.url+avatarPath {
		t.Errorf("picture src = %q, want %s", src.Value, d.url+avatarPath)
	}
	loaded := `(() => { const img = document.getElementById("avatar"); return img.complete && img.naturalWidth > 0; })()`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](loaded, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Errorf("picture did not load: %v", err)
	}
	screenshot(t, ctx, "profile.png")

	// Cancel on the consent screen ends on the error page.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(d.url+"/"),
		chromedp.Click(signInButton),
		chromedp.WaitVisible(chromedp.ID("cancel")),
		chromedp.Click(chromedp.ID("cancel")),
		chromedp.WaitVisible(chromedp.ID("error-message")),
	); err != nil {
		t.Fatalf("cancel on the consent screen: %v", err)
	}
	if message := browserValue(t, ctx, chromedp.Text(chromedp.ID("error-message"))); message != "Sign-in was cancelled." {
		t.Errorf("error page says %q, want Sign-in was cancelled.", message)
	}
	screenshot(t, ctx, "cancelled.png")

	if off := requests.offLoopback(); len(off) > 0 {
		t.Errorf("the browser requested URLs off loopback: %s", strings.Join(slices.Compact(off), ", "))
	}
}

// browserValue runs one action that returns a value and fails the test on error.
func browserValue[T any](t *testing.T, ctx context.Context, action chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}
