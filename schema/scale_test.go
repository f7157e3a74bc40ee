package schema

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// deploymentWithProviders returns a deployment file of n providers, each
// starting from the preset "example".
func deploymentWithProviders(n int) []byte {
	var b strings.Builder
	b.WriteString("providers:\n")
	for i := range n {
		fmt.Fprintf(&b, "  p%d:\n    preset: example\n    client_id: app-%d\n    client_secret: ${SECRET}\n    scopes: [openid, email]\n", i, i)
	}
	return []byte(b.String())
}

// loadDeployment parses and resolves data the way presetauth.Load does,
// with a fresh preset document for each entry.
func loadDeployment(data []byte) ([]*Provider, error) {
	dd, err := ParseDeployment("auth.yaml", data)
	if err != nil {
		return nil, err
	}
	presets := func(name string) (*Document, bool) {
		if name != "example" {
			return nil, false
		}
		doc, err := ParseSpec("example.yaml", []byte(presetYAML))
		return doc, err == nil
	}
	return dd.Resolve(presets, env(map[string]string{"SECRET": "s"}))
}

// allocatedBytes returns the bytes that loading data allocates.
func allocatedBytes(t *testing.T, data []byte) uint64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	providers, err := loadDeployment(data)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(providers) == 0 {
		t.Fatal("no providers loaded")
	}
	return after.TotalAlloc - before.TotalAlloc
}

// TestLoadScalesLinearly loads 1,000 and 2,000 providers. Twice the
// providers must cost about twice the memory: a per-entry copy of the
// file's node map made it four times as much, 1.8 GB for 2,000.
func TestLoadScalesLinearly(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 3,000 providers")
	}
	small := allocatedBytes(t, deploymentWithProviders(1000))
	large := allocatedBytes(t, deploymentWithProviders(2000))
	t.Logf("1,000 providers: %d MB; 2,000 providers: %d MB", small>>20, large>>20)

	if ratio := float64(large) / float64(small); ratio > 2.6 {
		t.Errorf("2,000 providers allocate %.1f times what 1,000 do, want about 2", ratio)
	}
	// A plain run allocated about 85 MB here and a -race run about 210 MB.
	const limit = 400 << 20
	if large > limit {
		t.Errorf("2,000 providers allocate %d MB, want under %d MB", large>>20, limit>>20)
	}
}

func BenchmarkLoadDeployment(b *testing.B) {
	data := deploymentWithProviders(2000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := loadDeployment(data); err != nil {
			b.Fatal(err)
		}
	}
}
