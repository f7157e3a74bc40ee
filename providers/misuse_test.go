package providers

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/presetauth/presetauth/schema"
	"golang.org/x/oauth2"
)

// Nil arguments to exported functions and methods return an error or a
// zero value, never a panic, and send no request.
func TestNilArguments(t *testing.T) {
	server := newProviderServer(t, nil)

	t.Run("New with a nil spec", func(t *testing.T) {
		p, err := New("x", nil)
		if p != nil {
			t.Errorf("provider = %v, want nil", p)
		}
		if err == nil || !strings.HasPrefix(err.Error(), "providers: x: nil spec") {
			t.Errorf("error = %v, want one that starts with providers: x: nil spec", err)
		}
	})

	t.Run("New with nil options", func(t *testing.T) {
		p, err := New("example", exampleSpec(server.URL), nil, WithLogger(nil), WithClock(nil))
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		if p.logger == nil {
			t.Error("logger is nil, want slog.Default()")
		}
		if p.now == nil {
			t.Error("clock is nil, want time.Now")
		}
	})

	var nilContext context.Context
	// Each call returns an error, as its last result.
	calls := []struct {
		name string
		spec func() *schema.Spec
		call func(p *Provider) error
	}{
		{name: "Userinfo with a nil token", call: func(p *Provider) error {
			_, err := p.Userinfo(context.Background(), nil)
			return err
		}},
		{name: "Exchange with a nil context", call: func(p *Provider) error {
			_, err := p.Exchange(nilContext, testCode, "", "")
			return err
		}},
		{name: "Userinfo with a nil context", call: func(p *Provider) error {
			_, err := p.Userinfo(nilContext, &oauth2.Token{AccessToken: "AT"})
			return err
		}},
		{name: "Refresh with a nil context", call: func(p *Provider) error {
			_, err := p.Refresh(nilContext, &oauth2.Token{AccessToken: "AT", RefreshToken: "RT"})
			return err
		}},
		{name: "RunStep with a nil step", call: func(p *Provider) error {
			_, err := p.RunStep(context.Background(), "exchange", nil, &oauth2.Token{AccessToken: "AT"})
			return err
		}},
		{name: "TokenSource with a nil context", call: func(p *Provider) error {
			_, err := p.TokenSource(nilContext, &oauth2.Token{AccessToken: "AT", RefreshToken: "RT", Expiry: testNow}).Token()
			return err
		}},
		{name: "Complete with a nil context", call: func(p *Provider) error {
			_, _, err := p.Complete(nilContext, Callback{Code: testCode})
			return err
		}},
		{name: "Discover with a nil context", spec: func() *schema.Spec {
			spec := exampleSpec(server.URL)
			spec.Type, spec.Issuer = "oidc", server.URL
			return spec
		}, call: func(p *Provider) error {
			return p.Discover(nilContext)
		}},
		{name: "MapProfile with nil", call: func(p *Provider) error {
			_, err := p.MapProfile(nil)
			return err
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			spec := exampleSpec(server.URL)
			if c.spec != nil {
				spec = c.spec()
			}
			p := newProvider(t, "example", spec)

			err := c.call(p)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "providers: example") {
				t.Errorf("error %q lacks the package and provider prefix", err)
			}
		})
	}

	t.Run("Apply of a nil mapping", func(t *testing.T) {
		var m *Mapping
		if _, err := m.Apply([]byte(`{"id":"1"}`)); err == nil {
			t.Error("no error")
		}
	})

	t.Run("Scopes of a nil token", func(t *testing.T) {
		p := newProvider(t, "example", exampleSpec(server.URL))
		if got := p.Scopes(nil); got != nil {
			t.Errorf("Scopes(nil) = %q, want nil", got)
		}
	})

	if n := server.count(); n != 0 {
		t.Errorf("server got %d requests, want 0", n)
	}
}

// count returns the number of requests received on any path.
func (s *providerServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// An empty authorization code is rejected before any request, since the
// token endpoint can only reject it.
func TestEmptyCode(t *testing.T) {
	server := newProviderServer(t, nil)
	spec := exampleSpec(server.URL)
	spec.Type, spec.Issuer = "oidc", server.URL // Complete would first fetch discovery
	p := newProvider(t, "example", spec)

	calls := map[string]func() error{
		"Exchange": func() error {
			_, err := p.Exchange(context.Background(), "", "", "")
			return err
		},
		"Complete": func() error {
			_, _, err := p.Complete(context.Background(), Callback{})
			return err
		},
		"Finish": func() error {
			_, _, err := p.Finish(context.Background(), "", "", "")
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			want := "providers: example: empty authorization code; pass the code parameter of the callback"
			if err == nil || err.Error() != want {
				t.Errorf("error = %v, want %q", err, want)
			}
			var rerr *RequestError
			if errors.As(err, &rerr) {
				t.Errorf("error %v is a *RequestError; no request should be sent", err)
			}
		})
	}
	if n := server.count(); n != 0 {
		t.Errorf("server got %d requests, want 0", n)
	}
}
