package schema

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// MaxFileSize is the size limit of a deployment or preset file. Real ones
// are a few KiB.
const MaxFileSize = 1 << 20

// maxSecretFileSize is the size limit of a client_secret_file.
const maxSecretFileSize = 64 << 10

var (
	// ErrNotRegularFile reports a config file that is a device, a FIFO,
	// a folder or another non-regular file.
	ErrNotRegularFile = errors.New("not a regular file")

	// ErrFileTooLarge reports a config file over its size limit.
	ErrFileTooLarge = errors.New("file is too large")
)

// ReadFile reads a deployment or preset file of at most [MaxFileSize]
// bytes. It rejects non-regular files, such as /dev/zero or a FIFO, before
// opening them, and reads at most one byte past the limit. Its errors are
// *fs.PathError values that wrap [ErrNotRegularFile], [ErrFileTooLarge] or
// the error of the file system.
func ReadFile(name string) ([]byte, error) {
	return readLimited(osFS{}, name, MaxFileSize)
}

// ReadFileFS is [ReadFile] for a file of fsys, such as a preset folder.
// Symbolic links are followed when fsys follows them, as os.DirFS does.
func ReadFileFS(fsys fs.FS, name string) ([]byte, error) {
	return readLimited(fsys, name, MaxFileSize)
}

// osFS opens names as the os package does, relative to the working folder
// or absolute, which os.DirFS does not allow.
type osFS struct{}

func (osFS) Open(name string) (fs.File, error) { return os.Open(name) }

func (osFS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

func readLimited(fsys fs.FS, name string, limit int64) ([]byte, error) {
	// Opening a FIFO for reading blocks until a writer opens it, so the
	// type is checked before the open and again on the opened file.
	// NOTE: a file replaced by a FIFO between the two checks still blocks.
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: ErrNotRegularFile}
	}

	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err = f.Stat(); err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: ErrNotRegularFile}
	}

	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	if int64(len(data)) > limit {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("%w: the limit is %d bytes", ErrFileTooLarge, limit)}
	}
	return data, nil
}
