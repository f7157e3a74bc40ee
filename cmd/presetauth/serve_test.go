package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startServe starts the demo server as serve would, on a free loopback
// port, and stops it when the test ends.
func startServe(t *testing.T, opts serveOptions) *demoServer {
	t.Helper()
	if opts.addr == "" {
		opts.addr = "127.0.0.1:0"
	}
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	d, err := newDemoServer(opts, logger)
	if err != nil {
		t.Fatalf("newDemoServer: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return d
}

// browserClient returns an HTTP client with a cookie jar that trusts the
// demo server's certificate, if it has one.
func browserClient(t *testing.T, d *demoServer) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if d.cert != nil {
		pool := x509.NewCertPool()
		pool.AddCert(d.cert.Leaf)
		transport.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	t.Cleanup(transport.CloseIdleConnections)
	return &http.Client{Jar: jar, Transport: transport, Timeout: 10 * time.Second}
}

func fetch(t *testing.T, client *http.Client, method, rawURL string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(data)
}

var consentToken = regexp.MustCompile(`name="consent_token" value="([^"]+)"`)

// openConsentPage starts a sign-in and returns the emulator's consent page
// URL and form token.
func openConsentPage(t *testing.T, client *http.Client, d *demoServer) (string, string) {
	t.Helper()
	resp, body := fetch(t, client, http.MethodGet, d.url+"/auth/signin/threads", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in start: status %d, want the consent page; body %s", resp.StatusCode, body)
	}
	m := consentToken.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no consent form at %s: %s", resp.Request.URL, body)
	}
	return resp.Request.URL.String(), m[1]
}

func TestServeTLSSignIn(t *testing.T) {
	d := startServe(t, serveOptions{tls: true, consent: true})
	client := browserClient(t, d)

	if !strings.HasPrefix(d.url, "https://127.0.0.1:") {
		t.Fatalf("url = %q, want https://127.0.0.1:PORT", d.url)
	}
	resp, body := fetch(t, client, http.MethodGet, d.url+"/", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Sign in with Threads") {
		t.Fatalf("home: status %d, body %s", resp.StatusCode, body)
	}
	if resp.TLS == nil {
		t.Fatal("home page was not served over TLS")
	}

	consentURL, token := openConsentPage(t, client, d)
	u, err := url.Parse(consentURL)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.Query().Get("redirect_uri"), d.url+"/auth/callback/threads"; got != want {
		t.Errorf("redirect_uri = %q, want %q", got, want)
	}

	resp, body = fetch(t, client, http.MethodPost, consentURL, url.Values{"consent_token": {token}, "decision": {"allow"}})
	if resp.StatusCode != http.StatusOK || resp.Request.URL.String() != d.url+"/profile" {
		t.Fatalf("after Allow: status %d at %s, want 200 at /profile; body %s", resp.StatusCode, resp.Request.URL, body)
	}
	if !strings.Contains(body, `<h1 id="name">Emulated User</h1>`) {
		t.Errorf("profile page does not show the user's name: %s", body)
	}

	resp, body = fetch(t, client, http.MethodGet, d.url+"/api/profile", nil)
	var profile profileJSON
	if err := json.Unmarshal([]byte(body), &profile); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("profile API: status %d, body %s, err %v", resp.StatusCode, body, err)
	}
	if profile.Name != "Emulated User" || profile.ID != "17841405793187218" {
		t.Errorf("profile = %+v", profile)
	}
	if profile.Image != d.url+avatarPath {
		t.Errorf("image = %q, want the demo's own %s", profile.Image, d.url+avatarPath)
	}

	resp, body = fetch(t, client, http.MethodGet, profile.Image, nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(body, "<svg") {
		t.Errorf("avatar: status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestServeCancelShowsError(t *testing.T) {
	d := startServe(t, serveOptions{consent: true})
	client := browserClient(t, d)

	consentURL, token := openConsentPage(t, client, d)
	resp, body := fetch(t, client, http.MethodPost, consentURL, url.Values{"consent_token": {token}, "decision": {"cancel"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status = %d, want 403", resp.StatusCode)
	}
	if resp.Request.URL.Path != "/auth/callback/threads" {
		t.Errorf("ended at %s, want the callback", resp.Request.URL)
	}
	if !strings.Contains(body, `<p class="lead" id="error-message">Sign-in was cancelled.</p>`) {
		t.Errorf("error page does not say the sign-in was cancelled: %s", body)
	}

	resp, _ = fetch(t, client, http.MethodGet, d.url+"/api/profile", nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("profile API after Cancel: status %d, want 401", resp.StatusCode)
	}
}

func TestServeCanonicalHost(t *testing.T) {
	d := startServe(t, serveOptions{consent: true})
	_, port, _ := net.SplitHostPort(d.listener.Addr().String())
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	req, err := http.NewRequest(http.MethodGet, d.url+"/profile?x=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "localhost:" + port
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusPermanentRedirect {
		t.Errorf("status = %d, want 308", resp.StatusCode)
	}
	if got, want := resp.Header.Get("Location"), "http://127.0.0.1:"+port+"/profile?x=1"; got != want {
		t.Errorf("Location = %q, want %q", got, want)
	}
}

func TestServeTLSNeedsLoopback(t *testing.T) {
	config := filepath.Join(t.TempDir(), "auth.yaml")
	deployment := "providers:\n  threads:\n    client_id: \"1\"\n    client_secret: s\n"
	if err := os.WriteFile(config, []byte(deployment), 0o600); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	opts := serveOptions{tls: true, addr: "0.0.0.0:0", config: config, secret: strings.Repeat("k", 32)}
	_, err := newDemoServer(opts, logger)
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1 and ::1 only") {
		t.Errorf("error = %v, want the loopback rule", err)
	}
}

func TestServeEmulatedNeedsLoopback(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		_, err := newDemoServer(serveOptions{addr: addr}, logger)
		if err == nil || !strings.Contains(err.Error(), "not a loopback address") {
			t.Errorf("--addr %s: error = %v, want the loopback rule of the emulated mode", addr, err)
		}
	}
}

func TestServeConsentNeedsEmulator(t *testing.T) {
	var stdout, stderr strings.Builder
	code := run([]string{"serve", "--consent", "--config", "auth.yaml"}, &stdout, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "--consent applies to the emulated Threads only") {
		t.Errorf("exit %d, stderr %q; want a usage error", code, stderr.String())
	}
}

func TestSelfSignedCertificate(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cert, err := selfSignedCertificate(now)
	if err != nil {
		t.Fatal(err)
	}
	leaf := cert.Leaf
	if _, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok {
		t.Errorf("public key is %T, want ECDSA", leaf.PublicKey)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	for _, host := range []string{"127.0.0.1", "::1"} {
		_, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: pool, CurrentTime: now})
		if err != nil {
			t.Errorf("certificate does not verify for %s: %v", host, err)
		}
	}
	for _, host := range []string{"localhost", "192.0.2.1"} {
		if err := leaf.VerifyHostname(host); err == nil {
			t.Errorf("certificate verifies for %s, want 127.0.0.1 and ::1 only", host)
		}
	}
	if !leaf.NotAfter.Equal(now.Add(certificateLifetime).Truncate(time.Second)) {
		t.Errorf("NotAfter = %v", leaf.NotAfter)
	}
	if fp := fingerprint(leaf.Raw); len(fp) != 95 || strings.Count(fp, ":") != 31 {
		t.Errorf("fingerprint = %q, want 32 colon-separated hex bytes", fp)
	}
}
