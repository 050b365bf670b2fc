package pushdown

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/apache/iceberg-go/table"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/lakegate/lakegate/cache"
)

// footer is what row-group pruning needs from a Parquet footer: per row group, the
// statistics of each top-level primitive column that carries an Iceberg field id. It
// is cached by data file location (data files are immutable).
type footer struct {
	columns   map[int]columnType // by Iceberg field id
	rowGroups []rowGroup
}

// columnType describes how a column's statistics are encoded.
type columnType struct {
	index    int // leaf column index in the row groups
	physical format.Type
	required bool
	unsigned bool  // unsigned integer annotation: Iceberg has no such type
	decimal  bool  // DECIMAL annotation
	scale    int32 // decimal scale
	timeUnit int64 // timestamp unit in nanoseconds (0 = no timestamp annotation)
}

// rowGroup holds one row group's statistics by Iceberg field id.
type rowGroup struct {
	rows  int64
	stats map[int]columnStats
}

// columnStats are one column chunk's raw (PLAIN-encoded) statistics.
type columnStats struct {
	min, max  []byte // nil when absent
	nullCount int64
}

// footerFor returns the footer summary of a data file, from the shared cache or read
// with parquet-go through the table's IO (the remapped, read-only file system).
// opened reports whether the file itself was opened.
func footerFor(ctx context.Context, t *table.Table, location string, size int64) (*footer, bool, error) {
	var opened atomic.Bool
	v, err := cache.Footers.Get(ctx, location, func() (any, int64, error) {
		opened.Store(true)
		// The load is shared by concurrent callers: it must not stop when the first
		// caller's context ends.
		return readFooter(context.WithoutCancel(ctx), t, location, size)
	})
	if err != nil {
		return nil, opened.Load(), err
	}
	return v.(*footer), opened.Load(), nil
}

func readFooter(ctx context.Context, t *table.Table, location string, size int64) (*footer, int64, error) {
	fsys, err := t.FS(ctx)
	if err != nil {
		return nil, 0, err
	}
	file, err := fsys.Open(location)
	if err != nil {
		return nil, 0, err
	}
	defer file.Close()
	if size <= 0 {
		st, err := file.Stat()
		if err != nil {
			return nil, 0, err
		}
		size = st.Size()
	}
	pf, err := parquet.OpenFile(file, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, 0, fmt.Errorf("reading Parquet footer of %s: %w", location, err)
	}
	return summarize(pf.Metadata())
}

// summarize keeps the statistics of top-level, non-repeated primitive columns with a
// field id; nested columns are left out (their rows are then never pruned by them).
func summarize(md *format.FileMetaData) (*footer, int64, error) {
	f := &footer{columns: map[int]columnType{}}
	size := int64(64)
	schema := md.Schema
	if len(schema) == 0 {
		return f, size, nil
	}
	leaf := 0
	// Walk the depth-first flattened schema, counting leaves: the n-th leaf is the
	// n-th column chunk of every row group.
	var walk func(i, depth int, repeated bool) int
	walk = func(i, depth int, repeated bool) int {
		el := &schema[i]
		rep, _ := el.RepetitionType.Get()
		isRepeated := repeated || rep == format.Repeated
		n, hasChildren := el.NumChildren.Get()
		if hasChildren && !el.Type.Valid {
			next := i + 1
			for c := int32(0); c < n && next < len(schema); c++ {
				next = walk(next, depth+1, isRepeated)
			}
			return next
		}
		if depth == 1 && !isRepeated && el.FieldID > 0 {
			f.columns[int(el.FieldID)] = columnTypeOf(el, leaf, rep == format.Required)
		}
		leaf++
		return i + 1
	}
	root, _ := schema[0].NumChildren.Get()
	next := 1
	for c := int32(0); c < root && next < len(schema); c++ {
		next = walk(next, 1, false)
	}
	for _, rg := range md.RowGroups {
		g := rowGroup{rows: rg.NumRows, stats: make(map[int]columnStats, len(f.columns))}
		for id, ct := range f.columns {
			if ct.index >= len(rg.Columns) {
				continue
			}
			st := rg.Columns[ct.index].MetaData.Statistics
			// Only min_value/max_value: the deprecated min/max used signed byte order.
			cs := columnStats{min: st.MinValue, max: st.MaxValue, nullCount: st.NullCount}
			g.stats[id] = cs
			size += int64(len(cs.min)+len(cs.max)) + 48
		}
		f.rowGroups = append(f.rowGroups, g)
		size += 32
	}
	size += int64(len(f.columns)) * 64
	return f, size, nil
}

func columnTypeOf(el *format.SchemaElement, leaf int, required bool) columnType {
	ct := columnType{index: leaf, physical: el.Type.V, required: required}
	switch lt := el.LogicalType.Value.(type) {
	case *format.IntType:
		ct.unsigned = !lt.IsSigned
	case *format.DecimalType:
		ct.decimal, ct.scale = true, lt.Scale
	case *format.TimestampType:
		if lt.Unit.Value != nil {
			ct.timeUnit = int64(lt.Unit.Value.Duration())
		}
	case nil:
		if conv, ok := el.ConvertedType.Get(); ok {
			switch conv {
			case deprecated.Decimal:
				ct.decimal = true
				ct.scale, _ = el.Scale.Get()
			case deprecated.TimestampMillis:
				ct.timeUnit = 1e6
			case deprecated.TimestampMicros:
				ct.timeUnit = 1e3
			case deprecated.Uint8, deprecated.Uint16, deprecated.Uint32, deprecated.Uint64:
				ct.unsigned = true
			}
		}
	}
	return ct
}
