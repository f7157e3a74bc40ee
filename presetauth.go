// Package presetauth signs users in with OAuth 2.0 and OpenID Connect
// providers declared as YAML presets. This package contains the short entry
// points. The work is done by the packages schema (the config language),
// presets (the built-in catalogue), providers (the runtime) and oauth (the
// browser flow).
//
// A single provider from a built-in preset:
//
//	p, err := presetauth.Provider("threads", presetauth.WithOverrides(yamlBytes))
//
// Every provider of a deployment file, served under /auth/:
//
//	cfg, err := presetauth.LoadFile("auth.yaml")
//	h, err := cfg.Handler(presetauth.HandlerOptions{Sealer: sealer, OnSignIn: saveSession})
//	mux.Handle("/auth/", h)
package presetauth

import (
	"errors"
	"fmt"
	"os"

	"github.com/presetauth/presetauth/oauth"
	"github.com/presetauth/presetauth/presets"
	"github.com/presetauth/presetauth/providers"
	"github.com/presetauth/presetauth/schema"
)

// Option changes how a provider or a deployment is loaded.
type Option func(*options)

type options struct {
	overrides []byte
	file      string
	lookup    schema.Lookup
	dirs      []string
	runtime   []providers.Option
}

// WithOverrides merges a deployment's YAML for one provider into the preset.
func WithOverrides(yaml []byte) Option {
	return func(o *options) { o.overrides = yaml }
}

// WithLookup sets where ${NAME} references are looked up; the default is
// the environment.
func WithLookup(lookup schema.Lookup) Option {
	return func(o *options) { o.lookup = lookup }
}

// WithPresetDir adds a folder of preset files to the built-in catalogue.
func WithPresetDir(dir string) Option {
	return func(o *options) { o.dirs = append(o.dirs, dir) }
}

// WithProviderOptions passes options such as a timeout to each provider.
func WithProviderOptions(opts ...providers.Option) Option {
	return func(o *options) { o.runtime = append(o.runtime, opts...) }
}

func collect(opts []Option) *options {
	o := &options{file: "overrides", lookup: os.LookupEnv}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// Catalogue returns the built-in presets plus the folders given with
// [WithPresetDir].
func Catalogue(opts ...Option) (*presets.Catalogue, error) {
	return catalogue(collect(opts).dirs)
}

func catalogue(dirs []string) (*presets.Catalogue, error) {
	c, err := presets.Builtin()
	if err != nil {
		return nil, err
	}
	for _, dir := range dirs {
		if c, err = c.Load(dir); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Provider returns a runtime provider built from the named preset with the
// overrides of [WithOverrides] merged in.
func Provider(name string, opts ...Option) (*providers.Provider, error) {
	o := collect(opts)
	c, err := catalogue(o.dirs)
	if err != nil {
		return nil, err
	}
	doc, ok := c.Document(name)
	if !ok {
		return nil, fmt.Errorf("presetauth: unknown preset %q; known presets are %v", name, c.Names())
	}
	if o.overrides != nil {
		override, err := schema.ParseSpec(o.file, o.overrides)
		if err != nil {
			return nil, err
		}
		doc = schema.Merge(doc, override)
	}
	spec, err := doc.Resolve(schema.ResolveOptions{Lookup: o.lookup})
	if err != nil {
		return nil, err
	}
	// A preset key in the overrides names a second preset, which Provider
	// would not merge in.
	if o.overrides != nil && spec.Preset != "" && spec.Preset != name {
		return nil, fmt.Errorf("presetauth: the overrides set preset %q, but the provider is built from preset %q; remove preset from the overrides or call Provider(%q, ...)", spec.Preset, name, spec.Preset)
	}
	spec.Preset = name
	return providers.New(name, spec, o.runtime...)
}

// Config is a loaded deployment: its providers, ready to sign in with.
type Config struct {
	Providers []*providers.Provider
	Resolved  []*schema.Provider // specs with their merged documents, for display
}

// LoadFile reads a deployment file and builds its providers.
func LoadFile(name string, opts ...Option) (*Config, error) {
	data, err := schema.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("presetauth: cannot read deployment file: %w", err)
	}
	return Load(name, data, opts...)
}

// Load parses a deployment file's contents; file names it in errors and is
// the base of relative paths.
func Load(file string, data []byte, opts ...Option) (*Config, error) {
	o := collect(opts)
	dd, err := schema.ParseDeployment(file, data)
	if err != nil {
		return nil, err
	}
	c, err := catalogue(append(o.dirs, dd.Presets...))
	if err != nil {
		return nil, err
	}
	resolved, err := dd.Resolve(c.Document, o.lookup)
	if err != nil {
		return nil, err
	}

	cfg := &Config{Resolved: resolved}
	for _, r := range resolved {
		p, err := providers.New(r.ID, r.Spec, o.runtime...)
		if err != nil {
			return nil, err
		}
		cfg.Providers = append(cfg.Providers, p)
	}
	return cfg, nil
}

// HandlerOptions configure the sign-in handler; see [oauth.Options].
// Providers is filled from the Config.
type HandlerOptions = oauth.Options

// Result is a completed sign-in, as handed to HandlerOptions.OnSignIn. It
// is [oauth.Result], so an application can write OnSignIn without
// importing package oauth.
type Result = oauth.Result

// Handler returns the sign-in and callback handler for the deployment's
// providers. It returns an error when c is nil.
func (c *Config) Handler(opts HandlerOptions) (*oauth.Handler, error) {
	if c == nil {
		return nil, errors.New("presetauth: Config is nil; create it with Load or LoadFile")
	}
	opts.Providers = c.Providers
	return oauth.NewHandler(opts)
}

// NewSealer returns a state cookie sealer for the given secrets; see
// [oauth.NewSealer].
func NewSealer(secrets ...[]byte) (*oauth.Sealer, error) {
	return oauth.NewSealer(secrets...)
}
