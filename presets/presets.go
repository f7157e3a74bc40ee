// Package presets is the built-in catalogue of provider presets: one embedded
// YAML file per provider. It finds presets by name, lists them, and loads
// extra preset folders. Provider behavior lives in the YAML files, never in
// Go code here.
package presets

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/presetauth/presetauth/schema"
)

//go:embed builtin/*.yaml
var builtin embed.FS

// Catalogue is a set of presets by name. The zero value is empty; use
// [Builtin] for the embedded presets.
type Catalogue struct {
	files map[string]preset
}

type preset struct {
	file string
	data []byte
}

var (
	builtinOnce      sync.Once
	builtinCatalogue *Catalogue
	builtinErr       error
)

// Builtin returns the embedded catalogue. Its presets are parsed and
// validated once per process.
func Builtin() (*Catalogue, error) {
	builtinOnce.Do(func() {
		builtinCatalogue, builtinErr = load(builtin, "builtin", "presets/")
	})
	return builtinCatalogue, builtinErr
}

// Load returns a copy of c with the presets of the folder dir added. A
// preset in dir replaces a built-in one of the same name as a whole: the
// two files are not merged.
func (c *Catalogue) Load(dir string) (*Catalogue, error) {
	extra, err := load(os.DirFS(dir), ".", dir+string(os.PathSeparator))
	if err != nil {
		return nil, err
	}
	out := &Catalogue{files: map[string]preset{}}
	for name, p := range c.files {
		out.files[name] = p
	}
	for name, p := range extra.files {
		out.files[name] = p
	}
	return out, nil
}

// load reads every *.yaml file of dir in fsys and checks that each parses
// and validates as a preset.
func load(fsys fs.FS, dir, prefix string) (*Catalogue, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("presets: cannot read folder %s: %w", prefix, err)
	}
	c := &Catalogue{files: map[string]preset{}}
	var list schema.ErrorList
	for _, e := range entries {
		if e.IsDir() || !(strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			continue
		}
		// A folder entry may be a symbolic link to a device or a FIFO,
		// which ReadFileFS rejects.
		data, err := schema.ReadFileFS(fsys, path.Join(dir, e.Name()))
		if pathErr := (*fs.PathError)(nil); errors.As(err, &pathErr) {
			// The message names the file already.
			err = pathErr.Err
		}
		if err != nil {
			return nil, fmt.Errorf("presets: cannot read %s%s: %w", prefix, e.Name(), err)
		}
		name := strings.TrimSuffix(strings.TrimSuffix(e.Name(), ".yaml"), ".yml")
		p := preset{file: prefix + e.Name(), data: data}
		if _, err := p.resolve(); err != nil {
			list = append(list, schema.Errors(err)...)
			if len(schema.Errors(err)) == 0 {
				return nil, err
			}
			continue
		}
		c.files[name] = p
	}
	if len(list) > 0 {
		return nil, list
	}
	return c, nil
}

func (p preset) document() (*schema.Document, error) {
	return schema.ParseSpec(p.file, p.data)
}

func (p preset) resolve() (*schema.Spec, error) {
	doc, err := p.document()
	if err != nil {
		return nil, err
	}
	return doc.Resolve(schema.ResolveOptions{Preset: true, Lookup: noVariables})
}

// noVariables replaces the deployment's variables when a preset is checked
// alone. Each ${NAME} reads as "x", which keeps a templated URL such as
// https://${TENANT}.example.com valid.
func noVariables(string) (string, bool) { return "x", true }

// Names lists the presets, sorted.
func (c *Catalogue) Names() []string {
	names := make([]string, 0, len(c.files))
	for name := range c.files {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Document returns the parsed preset for a merge. Each call returns a fresh
// document.
func (c *Catalogue) Document(name string) (*schema.Document, bool) {
	p, ok := c.files[name]
	if !ok {
		return nil, false
	}
	doc, err := p.document()
	if err != nil {
		// Every preset parsed when the catalogue was loaded.
		return nil, false
	}
	return doc, true
}

// Spec returns the preset itself, without deployment values.
func (c *Catalogue) Spec(name string) (*schema.Spec, error) {
	p, ok := c.files[name]
	if !ok {
		return nil, fmt.Errorf("presets: unknown preset %q; known presets are %s", name, strings.Join(c.Names(), ", "))
	}
	return p.resolve()
}

// Source returns the raw YAML of a preset.
func (c *Catalogue) Source(name string) ([]byte, bool) {
	p, ok := c.files[name]
	return p.data, ok
}
