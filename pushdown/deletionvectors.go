package pushdown

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/iceberg-go"
	iceio "github.com/apache/iceberg-go/io"
	"github.com/apache/iceberg-go/table/dv"
	"github.com/parquet-go/parquet-go"
	"golang.org/x/sync/singleflight"

	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/pgerr"
)

// A format v3 deletion vector is a roaring bitmap of deleted row positions, stored
// as a blob of a Puffin file. The engine applies position deletes as an anti-join
// against Parquet files of (file_path, pos); so each deletion vector is decoded once
// (with iceberg-go's reader, which checks the blob's CRC, type, referenced data file
// and cardinality) and written as such a Parquet file in a local directory, named by
// the blob it came from. Puffin files are immutable, so the file stays valid for as
// long as the blob exists, and later queries reuse it.

const (
	// deletionVectorRowsPerWrite bounds the rows buffered per Parquet write.
	deletionVectorRowsPerWrite = 64 << 10
	// deletionVectorTouch is how stale a file's modification time may get before a
	// use refreshes it.
	deletionVectorTouch = time.Hour
)

var deletionVectors struct {
	mu     sync.Mutex
	dir    string
	flight singleflight.Group
}

// SetDeletionVectorDir sets the directory that decoded deletion vectors are written
// to. The engine must be allowed to read it. The default is a directory under
// os.TempDir.
func SetDeletionVectorDir(dir string) {
	deletionVectors.mu.Lock()
	deletionVectors.dir = dir
	deletionVectors.mu.Unlock()
}

// DeletionVectorDir is the directory decoded deletion vectors are written to.
func DeletionVectorDir() string {
	deletionVectors.mu.Lock()
	defer deletionVectors.mu.Unlock()
	if deletionVectors.dir == "" {
		return filepath.Join(os.TempDir(), "lakegate-deletion-vectors")
	}
	return deletionVectors.dir
}

// deletionVectorRow is one deleted position, in the columns of an Iceberg position
// delete file.
type deletionVectorRow struct {
	FilePath string `parquet:"file_path,dict"`
	Pos      int64  `parquet:"pos,delta"`
}

// uniqueBlobs drops repeated entries for the same blob (Puffin file and offset): as
// iceberg-go's reader, lakegate reads a blob listed twice once, and refuses only two
// different deletion vectors for one data file.
func uniqueBlobs(dvs []iceberg.DataFile) []iceberg.DataFile {
	if len(dvs) < 2 {
		return dvs
	}
	seen := map[string]bool{}
	var out []iceberg.DataFile
	for _, d := range dvs {
		key := d.FilePath()
		if off := d.ContentOffset(); off != nil {
			key += "#" + strconv.FormatInt(*off, 10)
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, d)
		}
	}
	return out
}

// deletionVectorFile returns the position delete file that holds the deletion vector
// d of data file dataPath of table name: a Parquet file in DeletionVectorDir, written
// on first use. Errors carry a SQLSTATE: XX001 for a malformed deletion vector, 58030
// when a file cannot be read or written.
func deletionVectorFile(fsys iceio.IO, remap *catalog.Remapper, name string, d iceberg.DataFile, dataPath string) (DeleteFile, error) {
	off, size, ref := d.ContentOffset(), d.ContentSizeInBytes(), d.ReferencedDataFile()
	if off == nil || size == nil || ref == nil {
		return DeleteFile{}, pgerr.New(pgerr.DataCorrupted,
			"table %q: deletion vector %s lacks content_offset, content_size_in_bytes or referenced_data_file", name, d.FilePath())
	}
	if *ref != dataPath {
		return DeleteFile{}, pgerr.New(pgerr.DataCorrupted,
			"table %q: deletion vector %s references data file %s, not %s", name, d.FilePath(), *ref, dataPath)
	}
	local, err := remap.Local(d.FilePath())
	if err != nil {
		return DeleteFile{}, pgerr.Wrap(err, pgerr.IOError, "table %q: deletion vector %s: %v", name, d.FilePath(), err)
	}
	// The location names the blob (for grouping and messages); the key also holds
	// what the location is read from, so tables remapped from the same location to
	// different places never share a file.
	location := d.FilePath() + "#" + strconv.FormatInt(*off, 10) + "+" + strconv.FormatInt(*size, 10)
	sum := sha256.Sum256([]byte(location + "\x00" + local + "\x00" + dataPath + "\x00" + strconv.FormatInt(d.Count(), 10)))
	dir := DeletionVectorDir()
	path := filepath.Join(dir, "dv-"+hex.EncodeToString(sum[:16])+".parquet")
	_, err, _ = deletionVectors.flight.Do(path, func() (any, error) {
		if st, err := os.Stat(path); err == nil {
			// The modification time marks the last use, for PruneDeletionVectorDir.
			if now := time.Now(); now.Sub(st.ModTime()) > deletionVectorTouch {
				os.Chtimes(path, now, now)
			}
			return nil, nil
		}
		return nil, writeDeletionVector(fsys, d, dataPath, dir, path)
	})
	if err != nil {
		var corrupt *corruptDeletionVector
		if errors.As(err, &corrupt) {
			return DeleteFile{}, pgerr.Wrap(err, pgerr.DataCorrupted, "table %q: deletion vector %s is malformed: %v", name, location, corrupt.err)
		}
		return DeleteFile{}, pgerr.Wrap(err, pgerr.IOError, "table %q: could not read deletion vector %s: %v", name, location, err)
	}
	return DeleteFile{Location: location, Path: path}, nil
}

// corruptDeletionVector is a deletion vector that was read but does not decode.
type corruptDeletionVector struct{ err error }

func (e *corruptDeletionVector) Error() string { return e.err.Error() }
func (e *corruptDeletionVector) Unwrap() error { return e.err }

// writeDeletionVector decodes the deletion vector d and writes its positions as a
// position delete file at path, atomically (a temporary file, then a rename).
func writeDeletionVector(fsys iceio.IO, d iceberg.DataFile, dataPath, dir, path string) (err error) {
	bitmap, err := dv.ReadDV(fsys, d)
	if err != nil {
		// iceberg-go's reader fails on a file it cannot open or read with an I/O
		// error; anything else is about the bytes it read.
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return &corruptDeletionVector{err}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".dv-*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := parquet.NewGenericWriter[deletionVectorRow](tmp, parquet.Compression(&parquet.Snappy))
	rows := make([]deletionVectorRow, 0, min(bitmap.Cardinality(), deletionVectorRowsPerWrite))
	for pos := range bitmap.Positions() {
		if pos > 1<<63-1 {
			return &corruptDeletionVector{fmt.Errorf("position %d out of range", pos)}
		}
		rows = append(rows, deletionVectorRow{FilePath: dataPath, Pos: int64(pos)})
		if len(rows) == cap(rows) {
			if _, err := w.Write(rows); err != nil {
				return err
			}
			rows = rows[:0]
		}
	}
	if _, err := w.Write(rows); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// PruneDeletionVectorDir removes the decoded deletion vectors of DeletionVectorDir
// that no plan used for maxAge (their blobs likely belong to expired snapshots; one
// still in use is decoded again), and temporary files left by a crash. It returns
// how many files it removed.
func PruneDeletionVectorDir(maxAge time.Duration) (int, error) {
	entries, err := os.ReadDir(DeletionVectorDir())
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	removed := 0
	for _, e := range entries {
		name := e.Name()
		temp := strings.HasPrefix(name, ".dv-") && strings.HasSuffix(name, ".tmp")
		if e.IsDir() || !temp && !(strings.HasPrefix(name, "dv-") && strings.HasSuffix(name, ".parquet")) {
			continue
		}
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < maxAge {
			continue
		}
		if os.Remove(filepath.Join(DeletionVectorDir(), name)) == nil {
			removed++
		}
	}
	return removed, nil
}
