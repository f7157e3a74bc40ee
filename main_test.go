package presetauth_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"testing"
)

// TestMain makes the default HTTP transport refuse every address but
// loopback, so a test that would reach a real provider fails at once
// instead of sending traffic off the machine.
func TestMain(m *testing.M) {
	dialer := &net.Dialer{}
	transport := http.DefaultTransport.(*http.Transport)
	transport.Proxy = nil
	transport.DialContext = func(ctx context.Context, network, address string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		ip := net.ParseIP(host)
		if ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("test dialed %s; tests may reach loopback addresses only", address)
		}
		return dialer.DialContext(ctx, network, address)
	}
	os.Exit(m.Run())
}
