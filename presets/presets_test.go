//go:build unix

package presets

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/presetauth/presetauth/schema"
)

func TestLoadRejectsSpecialFiles(t *testing.T) {
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		make func(path string) error
		want error
	}{
		{"fifo", func(path string) error { return syscall.Mkfifo(path, 0o600) }, schema.ErrNotRegularFile},
		{"link to a device", func(path string) error { return os.Symlink("/dev/zero", path) }, schema.ErrNotRegularFile},
		{"over the limit", func(path string) error { return os.WriteFile(path, make([]byte, schema.MaxFileSize+1), 0o600) }, schema.ErrFileTooLarge},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := test.make(filepath.Join(dir, "acme.yaml")); err != nil {
				t.Fatal(err)
			}
			_, err := c.Load(dir)
			if !errors.Is(err, test.want) {
				t.Errorf("Load = %v, want %v", err, test.want)
			}
		})
	}
}

func TestLoadReplacesBuiltin(t *testing.T) {
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	preset := "name: My Threads\nauthorization: https://a.example/auth\ntoken: https://a.example/token\nuserinfo: https://a.example/me\nprofile: {id: id}\n"
	if err := os.WriteFile(filepath.Join(dir, "threads.yaml"), []byte(preset), 0o600); err != nil {
		t.Fatal(err)
	}
	loaded, err := c.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := loaded.Spec("threads")
	if err != nil {
		t.Fatal(err)
	}
	if spec.Name != "My Threads" || spec.Exchange != nil || spec.ScopeSeparator != "" {
		t.Errorf("spec = name %q, exchange %v, separator %q; want the folder's file alone, not merged with the built-in", spec.Name, spec.Exchange, spec.ScopeSeparator)
	}
}
