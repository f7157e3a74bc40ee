//go:build unix

package schema

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// specialFiles returns a folder with a FIFO, a sparse file of size bytes
// and a subfolder, and the path of /dev/zero when the system has it.
func specialFiles(t *testing.T, size int64) (dir, devZero string) {
	t.Helper()
	dir = t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "sparse"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Mkdir(filepath.Join(dir, "folder"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		devZero = "/dev/zero"
	}
	return dir, devZero
}

func TestReadFileRejects(t *testing.T) {
	dir, devZero := specialFiles(t, MaxFileSize+1)
	tests := []struct {
		name string
		file string
		want error
	}{
		{"fifo", filepath.Join(dir, "fifo"), ErrNotRegularFile},
		{"folder", filepath.Join(dir, "folder"), ErrNotRegularFile},
		{"over the limit", filepath.Join(dir, "sparse"), ErrFileTooLarge},
		{"device", devZero, ErrNotRegularFile},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			if test.file == "" {
				t.Skip("no /dev/zero")
			}
			data, err := ReadFile(test.file)
			if !errors.Is(err, test.want) {
				t.Errorf("ReadFile = %d bytes, %v; want %v", len(data), err, test.want)
			}
		})
	}

	name := filepath.Join(dir, "limit.yaml")
	if err := os.WriteFile(name, make([]byte, MaxFileSize), 0o600); err != nil {
		t.Fatal(err)
	}
	if data, err := ReadFile(name); err != nil || len(data) != MaxFileSize {
		t.Errorf("a file at the limit: %d bytes, %v", len(data), err)
	}
}

func TestLoadDeploymentFileRejectsFIFO(t *testing.T) {
	dir, _ := specialFiles(t, 0)
	_, err := LoadDeploymentFile(filepath.Join(dir, "fifo"))
	if !errors.Is(err, ErrNotRegularFile) {
		t.Errorf("error = %v, want ErrNotRegularFile", err)
	}
}

func TestSecretFileRejects(t *testing.T) {
	dir, devZero := specialFiles(t, maxSecretFileSize+1)
	tests := []struct{ name, file, contains string }{
		{"fifo", "fifo", "not a regular file"},
		{"over the limit", "sparse", "too large"},
		{"device", devZero, "not a regular file"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			if test.file == "" {
				t.Skip("no /dev/zero")
			}
			doc := mustParse(t, "auth.yaml", presetYAML+"client_id: a\nclient_secret_file: "+test.file+"\n")
			_, err := doc.Resolve(ResolveOptions{Dir: dir, Lookup: env(nil)})
			errs := Errors(err)
			if len(errs) != 1 {
				t.Fatalf("errors = %v, want one", err)
			}
			if errs[0].Path != "client_secret_file" || !strings.Contains(errs[0].Msg, test.contains) {
				t.Errorf("error = %v, want client_secret_file: ...%s", errs[0], test.contains)
			}
		})
	}
}
