package bench

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/presetauth/presetauth"
)

// TestPendingSignInsKeepNoServerState starts 100,000 sign-ins that never
// come back and checks that the live heap does not grow with them: the
// state of a pending sign-in lives in its sealed cookie, not in the server.
func TestPendingSignInsKeepNoServerState(t *testing.T) {
	const (
		signIns   = 100_000
		maxGrowth = 1 << 20 // bytes across all sign-ins, about 10 bytes each
	)
	var signedIn int
	h := handlerFor(t, threadsProvider(t), &signedIn)
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8443"+h.SignInPath("threads"), nil)

	// One sign-in first, so that anything built on first use exists
	// before the first reading.
	signIn := func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusFound || !strings.Contains(rec.Header().Get("Set-Cookie"), "presetauth-") {
			t.Fatalf("sign-in: status %d, Set-Cookie %q; want a redirect that sets the state cookie",
				rec.Code, rec.Header().Get("Set-Cookie"))
		}
	}
	signIn()

	before := liveHeap()
	for range signIns {
		signIn()
	}
	after := liveHeap()

	growth := int64(after) - int64(before)
	t.Logf("live heap %d B before, %d B after %d sign-ins: %+.3f B per pending sign-in",
		before, after, signIns, float64(growth)/signIns)
	if growth > maxGrowth {
		t.Errorf("live heap grew by %d B across %d pending sign-ins, want at most %d B",
			growth, signIns, maxGrowth)
	}
}

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// forbiddenPerRequest are the functions that must never run while a
// request is served, because each belongs to loading: YAML parsing,
// reflection-based validation and regular expression compilation.
var forbiddenPerRequest = []string{
	"gopkg.in/yaml",
	"github.com/go-playground/validator/",
	"regexp.Compile",
	"regexp.MustCompile",
	"regexp/syntax.",
}

// TestRequestsSkipLoadingWork records every allocation (MemProfileRate 1)
// while sign-ins and callbacks run through the handler, and checks that no
// allocation made on their behalf comes from YAML parsing, validation or
// regexp compilation. Each of those allocates, so each would show.
func TestRequestsSkipLoadingWork(t *testing.T) {
	defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
	runtime.MemProfileRate = 1

	var signedIn int
	h := handlerFor(t, threadsProvider(t), &signedIn)
	callbacks := startSignIns(t, h, "threads", 20)

	// Control: loading a deployment parses YAML and validates, so the
	// check must find both there. A check that misses them here would
	// prove nothing about the requests below.
	before := allocationStacks(t)
	if _, err := presetauth.Load("auth.yaml", []byte("providers:\n  threads:"+indent(deploymentOverride)), presetauth.WithLookup(deploymentLookup)); err != nil {
		t.Fatal(err)
	}
	control := newStacks(before, allocationStacks(t), "github.com/presetauth/presetauth.Load")
	for _, want := range []string{"gopkg.in/yaml", "github.com/go-playground/validator/"} {
		if !anyFrame(control, want) {
			t.Errorf("control: loading a deployment shows no allocation from %s; the check cannot see it", want)
		}
	}

	before = allocationStacks(t)
	for _, req := range callbacks {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8443"+h.SignInPath("threads"), nil))
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusNoContent {
			t.Fatalf("callback: status %d: %s", rec.Code, rec.Body)
		}
	}
	served := newStacks(before, allocationStacks(t), "github.com/presetauth/presetauth/oauth.(*Handler).ServeHTTP")
	if len(served) == 0 {
		t.Fatal("no allocation was recorded under the handler")
	}
	for _, bad := range forbiddenPerRequest {
		for _, stack := range served {
			if hasFrame(stack, bad) {
				t.Errorf("a request allocated in %s:\n%s", bad, strings.Join(stack, "\n"))
				break
			}
		}
	}
}

// indent indents every line of s by four spaces, for nesting a YAML
// mapping under a key.
func indent(s string) string {
	return strings.ReplaceAll(s, "\n", "\n    ")
}

// allocationStacks returns the allocation count of each stack in the heap
// profile, keyed by the stack's function names joined by newlines. Two
// collections publish the allocations made since the last reading.
func allocationStacks(tb testing.TB) map[string]int64 {
	tb.Helper()
	runtime.GC()
	runtime.GC()
	n, _ := runtime.MemProfile(nil, true)
	records := make([]runtime.MemProfileRecord, n+100)
	n, ok := runtime.MemProfile(records, true)
	if !ok {
		tb.Fatalf("the heap profile grew past %d records while it was read", len(records))
	}

	out := map[string]int64{}
	for _, r := range records[:n] {
		var names []string
		frames := runtime.CallersFrames(r.Stack())
		for {
			frame, more := frames.Next()
			names = append(names, frame.Function)
			if !more {
				break
			}
		}
		out[strings.Join(names, "\n")] += r.AllocObjects
	}
	return out
}

// newStacks returns the stacks that allocated between two readings and
// pass through the function named through.
func newStacks(before, after map[string]int64, through string) [][]string {
	var out [][]string
	for key, count := range after {
		if count <= before[key] {
			continue
		}
		stack := strings.Split(key, "\n")
		if hasFrame(stack, through) {
			out = append(out, stack)
		}
	}
	return out
}

func hasFrame(stack []string, prefix string) bool {
	for _, name := range stack {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

func anyFrame(stacks [][]string, prefix string) bool {
	for _, stack := range stacks {
		if hasFrame(stack, prefix) {
			return true
		}
	}
	return false
}
