package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
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

func runServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "[--addr ADDR] [--config FILE] [--secret SECRET]", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on, host:port")
	config := fs.String("config", "", "deployment file; without it, sign in with the built-in Threads preset against an emulated Threads")
	secret := fs.String("secret", "", "secret that seals the state cookie, at least 32 bytes (default $PRESETAUTH_SECRET)")
	publicURL := fs.String("public-url", "", "origin of the site for redirect URLs, such as https://app.example (default: from the request)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))

	if *secret == "" {
		*secret = os.Getenv("PRESETAUTH_SECRET")
	}
	if *secret == "" {
		if *config != "" {
			return errors.New("no secret: pass --secret or set PRESETAUTH_SECRET to at least 32 random bytes")
		}
		*secret = randomSecret()
		logger.Info("generated a state cookie secret for this run; sign-ins in progress end when the server stops")
	}
	sealer, err := presetauth.NewSealer([]byte(*secret))
	if err != nil {
		return err
	}

	var providerList []*providers.Provider
	if *config == "" {
		emulator, p, err := startDemo(logger)
		if err != nil {
			return err
		}
		defer emulator.Close()
		providerList = []*providers.Provider{p}
	} else {
		cfg, err := presetauth.LoadFile(*config, presetauth.WithProviderOptions(providers.WithLogger(logger)))
		if err != nil {
			return printProblems(err, stderr)
		}
		providerList = cfg.Providers
	}

	app := newDemoApp(providerList, logger)
	handler, err := oauth.NewHandler(oauth.Options{
		Providers: providerList,
		Sealer:    sealer,
		BasePath:  "/auth",
		PublicURL: *publicURL,
		OnSignIn:  app.signedIn,
		Logger:    logger,
	})
	if err != nil {
		return err
	}
	app.auth = handler

	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	return serveUntilSignal(listener, app.routes(), logger)
}

// startDemo starts an emulated Threads on loopback and builds the Threads
// preset against it.
func startDemo(logger *slog.Logger) (*oauthtest.Server, *providers.Provider, error) {
	threads, err := oauthtest.Builtin("threads")
	if err != nil {
		return nil, nil, err
	}
	emulator := oauthtest.NewServer(threads, oauthtest.Client{
		ID:                demoClientID,
		Secret:            randomSecret(),
		AllowHTTPLoopback: true,
	})
	p, err := presetauth.Provider("threads",
		presetauth.WithOverrides(emulator.Override()),
		presetauth.WithProviderOptions(providers.WithLogger(logger)))
	if err != nil {
		emulator.Close()
		return nil, nil, err
	}
	logger.Info("no --config given: signing in with the built-in Threads preset against an emulated Threads", "emulator", emulator.URL)
	return emulator, p, nil
}

func serveUntilSignal(listener net.Listener, handler http.Handler, logger *slog.Logger) error {
	server := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	errs := make(chan error, 1)
	go func() { errs <- server.Serve(listener) }()
	logger.Info("serving", "url", "http://"+listener.Addr().String()+"/")

	select {
	case err := <-errs:
		return err
	case <-ctx.Done():
	}
	logger.Info("stopping")
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := server.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	logger.Info("stopped")
	return nil
}

func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
