package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/presetauth/presetauth"
	"github.com/presetauth/presetauth/oauth"
	"github.com/presetauth/presetauth/oauthtest"
	"github.com/presetauth/presetauth/providers"
)

// demoClientID is the Threads app id of the emulated app; Threads app ids
// are numeric strings.
const demoClientID = "990602627938098"

// Default listen addresses of serve.
const (
	defaultAddr    = "127.0.0.1:8080"
	defaultTLSAddr = "127.0.0.1:8443"
)

// serveOptions are the flags of serve.
type serveOptions struct {
	addr      string
	config    string
	secret    string
	publicURL string
	tls       bool
	certFile  string
	keyFile   string
	saveCert  string
	consent   bool
}

func runServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stdout, stderr)
	var opts serveOptions
	fs.StringVar(&opts.addr, "addr", "", "address to listen on, host:port (default "+defaultAddr+", or "+defaultTLSAddr+" with TLS)")
	fs.StringVar(&opts.config, "config", "", "deployment file; without it, sign in with the built-in Threads preset against an emulated Threads")
	fs.StringVar(&opts.secret, "secret", "", "secret that seals the state cookie, at least 32 bytes (default $PRESETAUTH_SECRET, which keeps it out of the process list)")
	fs.StringVar(&opts.publicURL, "public-url", "", "origin of the site for redirect URLs, such as https://app.example (default: the listen address when it is a loopback address, else the request's host)")
	fs.BoolVar(&opts.tls, "tls", false, "serve HTTPS with a self-signed certificate for 127.0.0.1 and ::1 made at start")
	fs.StringVar(&opts.certFile, "cert", "", "PEM certificate chain to serve HTTPS with, instead of a generated one; needs --key")
	fs.StringVar(&opts.keyFile, "key", "", "PEM private key of --cert")
	fs.BoolVar(&opts.consent, "consent", false, "show the emulated Threads' consent screen (Allow / Cancel) instead of approving at once; without --config only")
	fs.StringVar(&opts.saveCert, "save-cert", "", "write the generated certificate (not its key) to this PEM file, for curl --cacert")
	positional, err := parseFlags(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return usageError(fs, "unexpected argument %q", positional[0])
	}
	if opts.consent && opts.config != "" {
		return usageError(fs, "--consent applies to the emulated Threads only; drop --consent or --config")
	}
	if (opts.certFile != "") != (opts.keyFile != "") {
		return usageError(fs, "--cert and --key go together; pass both")
	}
	if opts.saveCert != "" && (!opts.tls || opts.certFile != "") {
		return usageError(fs, "--save-cert saves the certificate that --tls generates; pass --tls without --cert")
	}

	logger := slog.New(slog.NewTextHandler(stderr, nil))
	server, err := newDemoServer(opts, logger)
	if err != nil {
		return printProblems(err, stderr)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return server.serve(ctx)
}

// demoServer is the demo site, listening but not yet serving.
type demoServer struct {
	server   *http.Server
	listener net.Listener
	url      string           // base URL, such as https://127.0.0.1:8443
	cert     *tls.Certificate // nil without TLS
	emulator *oauthtest.Server
	logger   *slog.Logger
}

// newDemoServer checks opts, loads the providers (or starts the emulated
// Threads), and listens. The caller must call serve, which closes it.
func newDemoServer(opts serveOptions, logger *slog.Logger) (*demoServer, error) {
	d := &demoServer{logger: logger}
	useTLS := opts.tls || opts.certFile != ""
	if opts.addr == "" {
		opts.addr = defaultAddr
		if useTLS {
			opts.addr = defaultTLSAddr
		}
	}

	loopback, err := isLoopbackListenAddr(opts.addr)
	if err != nil {
		return nil, err
	}
	if !loopback && opts.config == "" {
		return nil, fmt.Errorf("--addr %q is not a loopback address, but the emulated Threads approves every sign-in; listen on 127.0.0.1 or pass --config", opts.addr)
	}
	if !loopback && !useTLS {
		logger.Warn("serving plain http on a non-loopback address; put TLS in front of it, because browsers send the session cookie unencrypted", "addr", opts.addr)
	}

	// The deployment file loads first, so that its problems are reported
	// before a missing secret.
	var providerList []*providers.Provider
	if opts.config != "" {
		cfg, err := presetauth.LoadFile(opts.config, presetauth.WithProviderOptions(providers.WithLogger(logger)))
		if err != nil {
			return nil, err
		}
		providerList = cfg.Providers
	}

	sealer, err := demoSealer(opts, logger)
	if err != nil {
		return nil, err
	}
	if useTLS {
		if err := d.setupTLS(opts); err != nil {
			return nil, err
		}
	}

	d.listener, err = net.Listen("tcp", opts.addr)
	if err != nil {
		d.close()
		return nil, err
	}
	scheme := "http"
	if useTLS {
		scheme = "https"
	}
	d.url = scheme + "://" + d.listener.Addr().String()

	// On a loopback address the listen address is the site's origin, so
	// that the redirect URL uses 127.0.0.1, which Threads accepts, rather
	// than localhost, which it rejects.
	canonical := ""
	publicURL := opts.publicURL
	if publicURL == "" && isLoopbackAddr(d.listener.Addr()) {
		publicURL = d.url
		canonical = d.listener.Addr().String()
	}

	if opts.config == "" {
		p, err := d.startEmulator(useTLS, opts.consent, d.url+avatarPath)
		if err != nil {
			d.close()
			return nil, err
		}
		providerList = []*providers.Provider{p}
	}

	app := newDemoApp(providerList, logger)
	app.emulated = d.emulator != nil
	app.canonicalHost = canonical
	handler, err := oauth.NewHandler(oauth.Options{
		Providers: providerList,
		Sealer:    sealer,
		BasePath:  "/auth",
		PublicURL: publicURL,
		OnSignIn:  app.signedIn,
		OnError:   app.signInFailed,
		Logger:    logger,
	})
	if err != nil {
		d.close()
		return nil, err
	}
	app.auth = handler

	d.server = &http.Server{
		Handler:           app.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	if d.cert != nil {
		d.server.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*d.cert}, MinVersion: tls.VersionTLS12}
	}
	return d, nil
}

// isLoopbackListenAddr reports whether a listen address such as
// 127.0.0.1:8080 binds to loopback only; an empty host binds to every
// interface.
func isLoopbackListenAddr(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("invalid --addr %q: %w", addr, err)
	}
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

// demoSealer returns the state cookie sealer. Without a deployment file a
// missing secret is generated, because the emulated sign-ins need no
// stable secret.
func demoSealer(opts serveOptions, logger *slog.Logger) (*oauth.Sealer, error) {
	secret := opts.secret
	if secret == "" {
		secret = os.Getenv("PRESETAUTH_SECRET")
	}
	if secret == "" {
		if opts.config != "" {
			return nil, errors.New("no secret: pass --secret or set PRESETAUTH_SECRET to at least 32 random bytes")
		}
		secret = randomSecret()
		logger.Info("generated a state cookie secret for this run; sign-ins in progress end when the server stops")
	}
	return presetauth.NewSealer([]byte(secret))
}

// setupTLS loads --cert and --key, or generates a certificate for --tls.
func (d *demoServer) setupTLS(opts serveOptions) error {
	if opts.certFile != "" {
		cert, err := loadCertificate(opts.certFile, opts.keyFile)
		if err != nil {
			return err
		}
		d.cert = &cert
		return nil
	}

	host, _, err := net.SplitHostPort(opts.addr)
	if err != nil {
		return fmt.Errorf("invalid --addr %q: %w", opts.addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--tls makes a certificate for 127.0.0.1 and ::1 only, but --addr is %q; listen on %s or pass --cert and --key", opts.addr, defaultTLSAddr)
	}
	cert, err := selfSignedCertificate(time.Now())
	if err != nil {
		return err
	}
	d.cert = &cert
	d.logger.Info("generated a self-signed certificate for 127.0.0.1 and ::1; browsers warn about it, so compare this fingerprint with the one they show",
		"sha256", fingerprint(cert.Leaf.Raw), "expires", cert.Leaf.NotAfter.Format(time.RFC3339))
	if opts.saveCert != "" {
		if err := saveCertificate(opts.saveCert, cert.Leaf.Raw); err != nil {
			return err
		}
		d.logger.Info("saved the certificate", "file", opts.saveCert)
	}
	return nil
}

// startEmulator starts an emulated Threads on loopback and builds the
// Threads preset against it. With consent, the emulator shows a consent
// page as Threads does. Without it, the emulator approves at once, so that
// a client such as curl -L completes the sign-in. Without TLS it accepts
// http://127.0.0.1 redirect URIs, which real Threads rejects. The user's picture is avatarURL, so the profile page
// loads nothing from outside this machine.
func (d *demoServer) startEmulator(useTLS, consent bool, avatarURL string) (*providers.Provider, error) {
	threads, err := oauthtest.Builtin("threads")
	if err != nil {
		return nil, err
	}
	d.emulator = oauthtest.NewServer(threads, oauthtest.Client{
		ID:                demoClientID,
		Secret:            randomSecret(),
		AllowHTTPLoopback: !useTLS,
		Consent:           consent,
	})
	user, err := withPicture(d.emulator.User(), avatarURL)
	if err != nil {
		return nil, err
	}
	d.emulator.SetUser(user)

	p, err := presetauth.Provider("threads",
		presetauth.WithOverrides(d.emulator.Override()),
		presetauth.WithProviderOptions(providers.WithLogger(d.logger)))
	if err != nil {
		return nil, err
	}
	d.logger.Info("no --config given: signing in with the built-in Threads preset against an emulated Threads", "emulator", d.emulator.URL)
	return p, nil
}

// withPicture returns the userinfo reply with its picture URL replaced.
// Numbers keep their digits.
func withPicture(user json.RawMessage, pictureURL string) (json.RawMessage, error) {
	decoder := json.NewDecoder(bytes.NewReader(user))
	decoder.UseNumber()
	var fields map[string]any
	if err := decoder.Decode(&fields); err != nil {
		return nil, fmt.Errorf("reading the emulated user: %w", err)
	}
	fields["threads_profile_picture_url"] = pictureURL
	return json.Marshal(fields)
}

// serve serves until ctx is done, then shuts down and closes the emulator.
func (d *demoServer) serve(ctx context.Context) error {
	defer d.close()
	errs := make(chan error, 1)
	go func() {
		if d.cert != nil {
			errs <- d.server.ServeTLS(d.listener, "", "")
			return
		}
		errs <- d.server.Serve(d.listener)
	}()
	d.logger.Info("serving", "url", d.url+"/")

	select {
	case err := <-errs:
		return err
	case <-ctx.Done():
	}
	d.logger.Info("stopping")
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.server.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	d.logger.Info("stopped")
	return nil
}

func (d *demoServer) close() {
	if d.listener != nil {
		_ = d.listener.Close()
	}
	if d.emulator != nil {
		d.emulator.Close()
	}
}

func isLoopbackAddr(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error since Go 1.24.
	return base64.RawURLEncoding.EncodeToString(b)
}
