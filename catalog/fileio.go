package catalog

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	icebergio "github.com/apache/iceberg-go/io"

	"github.com/lakegate/lakegate/cache"
)

// readOnlyIO is the file system every table is read through: local files only, after
// the remap rules, and nothing can be written or removed.
type readOnlyIO struct{ remap *Remapper }

var errReadOnly = errors.New("lakegate reads only")

func (r readOnlyIO) Open(name string) (icebergio.File, error) {
	if cache.ImmutableMetadata(name) {
		b, err := r.cached(name)
		if err != nil {
			return nil, err
		}
		return &memFile{Reader: bytes.NewReader(b), name: name, size: int64(len(b))}, nil
	}
	p, err := r.remap.Local(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (r readOnlyIO) ReadFile(name string) ([]byte, error) {
	if cache.ImmutableMetadata(name) {
		b, err := r.cached(name)
		if err != nil {
			return nil, err
		}
		return bytes.Clone(b), nil // callers may modify what ReadFile returns
	}
	p, err := r.remap.Local(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return os.ReadFile(p)
}

func (r readOnlyIO) Remove(name string) error {
	return &fs.PathError{Op: "remove", Path: name, Err: errReadOnly}
}

func (r readOnlyIO) fsysF() func(context.Context) (icebergio.IO, error) {
	return func(context.Context) (icebergio.IO, error) { return r, nil }
}

// cached reads an immutable metadata file through the shared metadata cache, keyed by
// its location as written in metadata (before remapping).
func (r readOnlyIO) cached(name string) ([]byte, error) {
	return cache.Metadata.Get(context.Background(), name, func() ([]byte, int64, error) {
		p, err := r.remap.Local(name)
		if err != nil {
			return nil, 0, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		b, err := os.ReadFile(p)
		if err == nil && strings.HasSuffix(name, ".avro") {
			b = completeManifestHeader(b)
		}
		return b, int64(len(b)), err
	})
}

// memFile serves a cached metadata file; readers share the cached bytes read-only.
type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return memInfo{f}, nil }
func (f *memFile) Close() error               { return nil }

type memInfo struct{ f *memFile }

func (i memInfo) Name() string       { return path.Base(i.f.name) }
func (i memInfo) Size() int64        { return i.f.size }
func (i memInfo) Mode() fs.FileMode  { return 0o444 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
