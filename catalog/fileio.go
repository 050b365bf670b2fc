package catalog

import (
	"context"
	"errors"
	"io/fs"
	"os"

	icebergio "github.com/apache/iceberg-go/io"
)

// readOnlyIO is the file system every table is read through: local files only, after
// the remap rules, and nothing can be written or removed.
type readOnlyIO struct{ remap *Remapper }

var errReadOnly = errors.New("lakegate reads only")

func (r readOnlyIO) Open(name string) (icebergio.File, error) {
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
