package engine

import (
	"context"
	"fmt"
	"os"

	"github.com/parquet-go/parquet-go"

	"github.com/lakegate/lakegate/cache"
	"github.com/lakegate/lakegate/pushdown"
)

// fileColumns is what a data file's footer says about its top-level columns.
type fileColumns struct {
	hasIDs bool     // some top-level column carries a Parquet field id
	names  []string // top-level column names, in file order
}

// footerColumns caches fileColumns by local path (data files are immutable).
var footerColumns = cache.NewLRU[*fileColumns]("parquet-columns", 8<<20)

// filesWithoutIDs returns, by local path, the spec's data files written without
// Parquet field ids.
func filesWithoutIDs(spec *pushdown.ScanSpec) (map[string]*fileColumns, error) {
	var out map[string]*fileColumns
	for _, g := range spec.Groups {
		for _, f := range g.Files {
			fc, err := columnsOf(f.Path)
			if err != nil {
				return nil, err
			}
			if !fc.hasIDs {
				if out == nil {
					out = map[string]*fileColumns{}
				}
				out[f.Path] = fc
			}
		}
	}
	return out, nil
}

func columnsOf(path string) (*fileColumns, error) {
	return footerColumns.Get(context.Background(), path, func() (*fileColumns, int64, error) {
		file, err := os.Open(path)
		if err != nil {
			return nil, 0, err
		}
		defer file.Close()
		st, err := file.Stat()
		if err != nil {
			return nil, 0, err
		}
		pf, err := parquet.OpenFile(file, st.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
		if err != nil {
			return nil, 0, fmt.Errorf("reading Parquet footer of %s: %w", path, err)
		}
		fc := &fileColumns{}
		size := int64(64)
		for _, f := range pf.Schema().Fields() {
			fc.names = append(fc.names, f.Name())
			size += int64(len(f.Name())) + 16
		}
		schema := pf.Metadata().Schema
		// Top-level elements follow the root in the flattened schema; skip the
		// descendants of groups to look only at them.
		if len(schema) > 0 {
			next := 1
			var skip func(i int) int
			skip = func(i int) int {
				n, ok := schema[i].NumChildren.Get()
				j := i + 1
				if ok && !schema[i].Type.Valid {
					for c := int32(0); c < n && j < len(schema); c++ {
						j = skip(j)
					}
				}
				return j
			}
			root, _ := schema[0].NumChildren.Get()
			for c := int32(0); c < root && next < len(schema); c++ {
				if schema[next].FieldID > 0 {
					fc.hasIDs = true
				}
				next = skip(next)
			}
		}
		return fc, size, nil
	})
}
