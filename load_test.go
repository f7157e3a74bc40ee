package presetauth_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/presetauth/presetauth"
	"github.com/presetauth/presetauth/oauth"
	"github.com/presetauth/presetauth/oauthtest"
	"golang.org/x/oauth2"
)

var fullLoad = flag.Bool("presetauth.load", false,
	"run TestLoadRoundRobin with 10,000 sign-ins instead of 500")

// Sizes of TestLoadRoundRobin.
const (
	loadSignIns      = 500    // default go test run
	loadSignInsShort = 100    // with -short
	loadSignInsFull  = 10_000 // with -presetauth.load
	loadConcurrency  = 64
	loadStraddlers   = 16 // sign-ins held open across the key rotation
)

// loadInstance is one handler instance of the site, on its own loopback
// server.
type loadInstance struct {
	handler *oauth.Handler
	server  *httptest.Server
	served  atomic.Int64
}

// loadSite is two handler instances of one site, sharing one key set,
// behind a round-robin reverse proxy on loopback, with the Threads
// emulator as the provider.
type loadSite struct {
	emulator    *oauthtest.Server
	instances   []*loadInstance
	proxy       *httptest.Server
	callbackURL *url.URL
	transport   *http.Transport

	signIns atomic.Int64
	errors  atomic.Int64
	errMu   sync.Mutex
	errText []string
}

func newLoadSite(t *testing.T, secret []byte) *loadSite {
	t.Helper()
	site := &loadSite{emulator: startEmulator(t, "threads")}

	// One pooled transport for the browsers, the proxy and the provider
	// requests, so that thousands of sign-ins reuse connections instead of
	// running out of loopback ports. It keeps the loopback-only dialer
	// that TestMain installs.
	site.transport = http.DefaultTransport.(*http.Transport).Clone()
	site.transport.MaxIdleConns = 4 * loadConcurrency
	site.transport.MaxIdleConnsPerHost = 2 * loadConcurrency
	t.Cleanup(site.transport.CloseIdleConnections)
	providerClient := &http.Client{Transport: site.transport}

	var next atomic.Uint64
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			backend := site.instances[next.Add(1)%uint64(len(site.instances))]
			r.SetURL(mustURL(t, backend.server.URL))
			r.Out.Host = r.In.Host
		},
		Transport: site.transport,
	}
	site.proxy = httptest.NewServer(proxy)
	t.Cleanup(site.proxy.Close)
	site.callbackURL = mustURL(t, site.proxy.URL+"/auth/callback/threads")

	deployment := emulatorDeployment(t, site.emulator, "threads", "", "threads")
	for range 2 {
		sealer, err := presetauth.NewSealer(secret)
		if err != nil {
			t.Fatal(err)
		}
		instance := &loadInstance{}
		instance.handler = newDeploymentHandler(t, deployment, oauth.Options{
			Sealer:    sealer,
			PublicURL: site.proxy.URL,
			OnSignIn: func(w http.ResponseWriter, r *http.Request, res *oauth.Result) {
				site.signIns.Add(1)
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(res.Profile)
			},
			OnError: func(w http.ResponseWriter, r *http.Request, err error) {
				site.fail(fmt.Errorf("OnError: %w", err))
				http.Error(w, oauth.ErrorMessage(err), oauth.ErrorStatus(err))
			},
		})
		instance.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			instance.served.Add(1)
			ctx := context.WithValue(r.Context(), oauth2.HTTPClient, providerClient)
			instance.handler.ServeHTTP(w, r.WithContext(ctx))
		}))
		t.Cleanup(instance.server.Close)
		site.instances = append(site.instances, instance)
	}
	return site
}

// fail counts an error and keeps the text of the first few.
func (site *loadSite) fail(err error) {
	site.errors.Add(1)
	site.errMu.Lock()
	defer site.errMu.Unlock()
	if len(site.errText) < 10 {
		site.errText = append(site.errText, err.Error())
	}
}

// setSealers gives every instance a sealer for secrets, one instance at a
// time, as a rolling deploy does.
func (site *loadSite) setSealers(t *testing.T, secrets ...[]byte) {
	for _, instance := range site.instances {
		sealer, err := oauth.NewSealer(secrets...)
		if err != nil {
			t.Error(err)
			return
		}
		instance.handler.SetSealer(sealer)
	}
}

// loadUser is one sign-in of the run: the browser of a user who picks the
// account user on the provider's side.
type loadUser struct {
	site       *loadSite
	user       string
	client     *http.Client
	cookieName string // the state cookie set when the sign-in started
	cookie     string
}

func (site *loadSite) newUser(n int) *loadUser {
	jar, _ := cookiejar.New(nil)
	return &loadUser{
		site: site,
		user: fmt.Sprintf("user-%05d", n),
		client: &http.Client{
			Jar:           jar,
			Transport:     site.transport,
			Timeout:       30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// start runs the sign-in up to the provider's redirect to the callback,
// choosing the user with login_hint, and returns the callback URL.
func (u *loadUser) start() (string, error) {
	resp, err := u.client.Get(u.site.proxy.URL + "/auth/signin/threads")
	if err != nil {
		return "", err
	}
	drain(resp)
	if resp.StatusCode != http.StatusFound {
		return "", fmt.Errorf("sign-in: status %d", resp.StatusCode)
	}
	authorize, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return "", err
	}
	query := authorize.Query()
	query.Set("login_hint", u.user)
	authorize.RawQuery = query.Encode()

	resp, err = u.client.Get(authorize.String())
	if err != nil {
		return "", err
	}
	drain(resp)
	if resp.StatusCode != http.StatusFound {
		return "", fmt.Errorf("authorize: status %d", resp.StatusCode)
	}
	for _, c := range u.client.Jar.Cookies(u.site.callbackURL) {
		u.cookieName, u.cookie = c.Name, c.Value
	}
	return resp.Header.Get("Location"), nil
}

// finish sends the callback and checks that the sign-in ended with this
// user and no other.
func (u *loadUser) finish(callback string) error {
	resp, err := u.client.Get(callback)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("callback: status %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	var profile struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal(body, &profile); err != nil {
		return fmt.Errorf("callback: %w", err)
	}
	if profile.ID != u.user || profile.Name != "User "+u.user {
		return fmt.Errorf("mixed-up user: %s signed in as %q (%q)", u.user, profile.ID, profile.Name)
	}
	return nil
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// TestLoadRoundRobin runs many sign-ins at concurrency 64 through a
// round-robin proxy in front of two handler instances that share a key
// set, and rotates that key halfway: first every instance opens the new
// key, then every instance seals with it. Sign-ins started under the old
// key, some held open across the rotation on purpose, must still finish.
// Every sign-in must end with its own user, and none may fail.
func TestLoadRoundRobin(t *testing.T) {
	total := loadSignIns
	switch {
	case *fullLoad:
		total = loadSignInsFull
	case testing.Short():
		total = loadSignInsShort
	}
	oldSecret := []byte(testSecret)
	newSecret := []byte("fedcba9876543210fedcba9876543210")
	site := newLoadSite(t, oldSecret)
	oldOnly, err := oauth.NewSealer(oldSecret)
	if err != nil {
		t.Fatal(err)
	}
	newOnly, err := oauth.NewSealer(newSecret)
	if err != nil {
		t.Fatal(err)
	}
	var sealedOld, sealedNew atomic.Int64

	// Sign-ins started under the old key and finished after the rotation.
	straddlers := make([]*loadUser, loadStraddlers)
	straddlerCallbacks := make([]string, loadStraddlers)
	for i := range straddlers {
		straddlers[i] = site.newUser(total + i)
		callback, err := straddlers[i].start()
		if err != nil {
			t.Fatalf("straddler %d: %v", i, err)
		}
		straddlerCallbacks[i] = callback
	}

	// The rotation, by completed sign-ins: every instance accepts the new
	// key, then every instance seals with it.
	steps := []struct {
		at      int64
		secrets [][]byte
	}{
		{int64(total) * 2 / 5, [][]byte{oldSecret, newSecret}},
		{int64(total) / 2, [][]byte{newSecret, oldSecret}},
	}
	var completed atomic.Int64
	var stepOnce [2]sync.Once
	var rotated atomic.Bool

	var latencyMu sync.Mutex
	latencies := make([]time.Duration, 0, total)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range loadConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := next.Add(1) - 1
				if n >= int64(total) {
					return
				}
				began := time.Now()
				u := site.newUser(int(n))
				callback, err := u.start()
				if err == nil {
					switch {
					case u.opensWith(newOnly):
						sealedNew.Add(1)
					case u.opensWith(oldOnly):
						sealedOld.Add(1)
					}
					err = u.finish(callback)
				}
				if err != nil {
					site.fail(fmt.Errorf("%s: %w", u.user, err))
				}
				latencyMu.Lock()
				latencies = append(latencies, time.Since(began))
				latencyMu.Unlock()

				done := completed.Add(1)
				for i, step := range steps {
					if done >= step.at {
						stepOnce[i].Do(func() {
							site.setSealers(t, step.secrets...)
							if i == len(steps)-1 {
								rotated.Store(true)
							}
						})
					}
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	if !rotated.Load() {
		t.Fatal("the key was never rotated")
	}
	for i, u := range straddlers {
		if err := u.finish(straddlerCallbacks[i]); err != nil {
			site.fail(fmt.Errorf("straddler %s: %w", u.user, err))
		}
	}

	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	percentile := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[int(float64(len(latencies)-1)*p)]
	}
	t.Logf("%d sign-ins (+%d across the key rotation) at concurrency %d in %v: %.0f sign-ins/s; latency p50 %v, p99 %v, max %v; instances served %d and %d requests; GOMAXPROCS %d",
		total, loadStraddlers, loadConcurrency, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(),
		percentile(0.5).Round(time.Millisecond), percentile(0.99).Round(time.Millisecond), percentile(1).Round(time.Millisecond),
		site.instances[0].served.Load(), site.instances[1].served.Load(), runtime.GOMAXPROCS(0))

	if n := site.errors.Load(); n != 0 {
		t.Errorf("%d of %d sign-ins failed; first errors:\n%s", n, total+loadStraddlers, strings.Join(site.errText, "\n"))
	}
	if got, want := site.signIns.Load(), int64(total+loadStraddlers); got != want {
		t.Errorf("OnSignIn ran %d times, want %d", got, want)
	}
	for i, instance := range site.instances {
		if instance.served.Load() < int64(total) {
			t.Errorf("instance %d served %d requests; the proxy did not spread the load", i, instance.served.Load())
		}
	}
	for i, u := range straddlers {
		if !u.opensWith(oldOnly) || u.opensWith(newOnly) {
			t.Errorf("straddler %d's state cookie was not sealed with the old key", i)
		}
	}
	t.Logf("state cookies sealed with the old key: %d, with the new key: %d", sealedOld.Load(), sealedNew.Load())
	if sealedOld.Load() == 0 || sealedNew.Load() == 0 {
		t.Errorf("sealed with the old key %d times and with the new key %d times; want both, since the key changed mid-run",
			sealedOld.Load(), sealedNew.Load())
	}
}

// opensWith reports whether s opens the user's state cookie.
func (u *loadUser) opensWith(s *oauth.Sealer) bool {
	_, err := s.Open(u.cookieName, u.cookie, time.Now())
	return err == nil
}
