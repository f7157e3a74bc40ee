// Package bench holds the benchmarks of presetauth against hand-written
// x/oauth2 code and markbates/goth, and the memory checks of the sign-in
// handler. It has test files only, so goth stays a test dependency.
//
// The emulated providers run in a child process of the test binary, on
// loopback, so that -benchmem counts the allocations of the client side
// alone and the emulator's garbage does not slow the client's collector.
// BENCHMARKS.md at the repository root has the command and the figures.
package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/presetauth/presetauth/oauthtest"
)

// emulatorEnv names the provider that the test binary serves when it runs
// as an emulator child process.
const emulatorEnv = "PRESETAUTH_BENCH_EMULATOR"

// The clients registered with the emulators.
const (
	threadsClientID     = "990602627938098"
	threadsClientSecret = "emulated-app-secret"
	githubClientID      = "Iv1.0123456789abcdef"
	githubClientSecret  = "emulated-github-secret"
)

func TestMain(m *testing.M) {
	if name := os.Getenv(emulatorEnv); name != "" {
		os.Exit(serveEmulator(name))
	}
	code := m.Run()
	stopEmulators()
	os.Exit(code)
}

// emulatorInfo is what the child process sends its parent: the override
// that points a preset at it, and the URL of each endpoint.
type emulatorInfo struct {
	Override  string                        `json:"override"`
	Endpoints map[oauthtest.Endpoint]string `json:"endpoints"`
}

// serveEmulator runs in the child process. It starts the emulator, writes
// its emulatorInfo as one JSON line, and serves until its standard input
// closes, which happens when the parent exits.
func serveEmulator(name string) int {
	var (
		p      *oauthtest.Provider
		client oauthtest.Client
		err    error
	)
	switch name {
	case "threads":
		p, err = oauthtest.Builtin("threads")
		client = oauthtest.Client{ID: threadsClientID, Secret: threadsClientSecret}
	case "github":
		p, err = oauthtest.LoadProvider(os.DirFS("testdata"), "github")
		client = oauthtest.Client{ID: githubClientID, Secret: githubClientSecret}
	default:
		err = fmt.Errorf("unknown emulator %q", name)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench emulator:", err)
		return 1
	}

	s := oauthtest.NewServer(p, client)
	defer s.Close()
	info := emulatorInfo{Override: string(s.Override()), Endpoints: map[oauthtest.Endpoint]string{}}
	for _, e := range []oauthtest.Endpoint{
		oauthtest.EndpointAuthorize, oauthtest.EndpointToken, oauthtest.EndpointExchange,
		oauthtest.EndpointRefresh, oauthtest.EndpointUserinfo,
	} {
		info.Endpoints[e] = s.EndpointURL(e)
	}
	if err := json.NewEncoder(os.Stdout).Encode(info); err != nil {
		fmt.Fprintln(os.Stderr, "bench emulator:", err)
		return 1
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// emulatorProcess is a running child process and what it reported.
type emulatorProcess struct {
	info  emulatorInfo
	cmd   *exec.Cmd
	stdin io.Closer
	err   error
}

var (
	emulatorsMu sync.Mutex
	emulators   = map[string]*emulatorProcess{}
)

// emulator returns the child process that emulates provider name, starting
// it on first use. One child per provider serves the whole test binary.
func emulator(tb testing.TB, name string) emulatorInfo {
	tb.Helper()
	emulatorsMu.Lock()
	defer emulatorsMu.Unlock()

	e, ok := emulators[name]
	if !ok {
		e = startEmulator(name)
		emulators[name] = e
	}
	if e.err != nil {
		tb.Fatalf("emulator %s: %v", name, e.err)
	}
	return e.info
}

func startEmulator(name string) *emulatorProcess {
	e := &emulatorProcess{}
	e.cmd = exec.Command(os.Args[0], "-test.run=^$")
	e.cmd.Env = append(os.Environ(), emulatorEnv+"="+name)
	e.cmd.Stderr = os.Stderr
	stdin, err := e.cmd.StdinPipe()
	if err != nil {
		e.err = err
		return e
	}
	stdout, err := e.cmd.StdoutPipe()
	if err != nil {
		e.err = err
		return e
	}
	if e.err = e.cmd.Start(); e.err != nil {
		return e
	}
	e.stdin = stdin

	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		e.err = fmt.Errorf("reading the emulator's endpoints: %w", err)
		return e
	}
	if err := json.Unmarshal(line, &e.info); err != nil {
		e.err = fmt.Errorf("decoding the emulator's endpoints: %w", err)
	}
	return e
}

// stopEmulators closes the standard input of each child, which makes it
// shut its server down and exit, and waits for it.
func stopEmulators() {
	emulatorsMu.Lock()
	defer emulatorsMu.Unlock()
	for name, e := range emulators {
		if e.stdin != nil {
			_ = e.stdin.Close()
			_ = e.cmd.Wait()
		}
		delete(emulators, name)
	}
}
