package presetauth_test

import (
	"strings"
	"testing"

	"github.com/presetauth/presetauth"
)

func TestProviderOverridesNamePreset(t *testing.T) {
	lookup := presetauth.WithLookup(func(string) (string, bool) { return "", false })
	overrides := func(extra string) presetauth.Option {
		return presetauth.WithOverrides([]byte("client_id: \"1\"\nclient_secret: s\n" + extra))
	}

	_, err := presetauth.Provider("threads", overrides("preset: github\n"), lookup)
	if err == nil || !strings.Contains(err.Error(), `the overrides set preset "github"`) {
		t.Errorf("preset: github in the overrides of threads: error = %v, want it rejected", err)
	}

	for _, extra := range []string{"", "preset: threads\n"} {
		if _, err := presetauth.Provider("threads", overrides(extra), lookup); err != nil {
			t.Errorf("overrides %q: %v", extra, err)
		}
	}
}
