package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"
	"github.com/parquet-go/parquet-go"
	"golang.org/x/sync/errgroup"
)

// The table: 50 days of sales partitioned by day(ts). Each day has 200 data files
// committed in 4 appends of 50 files, so each append adds one manifest: 10,000 files
// in 200 manifests. File j of day d holds 200 rows i = 0..199:
//
//	product_id = j*100 + i/2   (each file covers 100 products; each row group 50)
//	ts         = day d + j*200 + i seconds
//
// so a product id lies in one file per day, and in one of that file's two row groups.
const (
	days              = 50
	manifestsPerDay   = 4
	filesPerManifest  = 50
	filesPerDay       = manifestsPerDay * filesPerManifest
	rowsPerFile       = 200
	rowsPerGroup      = 100
	partitionFieldID  = 1000
	benchNamespace    = "bench"
	benchTable        = "sales"
	firstDayUnixMicro = 1735689600_000000 // 2025-01-01
)

var schema = iceberg.NewSchema(0,
	iceberg.NestedField{ID: 1, Name: "sale_id", Type: iceberg.PrimitiveTypes.Int64, Required: true},
	iceberg.NestedField{ID: 2, Name: "product_id", Type: iceberg.PrimitiveTypes.Int64, Required: true},
	iceberg.NestedField{ID: 3, Name: "store_id", Type: iceberg.PrimitiveTypes.Int32, Required: true},
	iceberg.NestedField{ID: 4, Name: "ts", Type: iceberg.PrimitiveTypes.Timestamp, Required: true},
	iceberg.NestedField{ID: 5, Name: "qty", Type: iceberg.PrimitiveTypes.Int32, Required: true},
	iceberg.NestedField{ID: 6, Name: "amount", Type: iceberg.PrimitiveTypes.Float64, Required: true},
)

// saleRow is one row as parquet-go writes it, with the Iceberg field ids.
type saleRow struct {
	SaleID    int64   `parquet:"sale_id,id(1)"`
	ProductID int64   `parquet:"product_id,id(2)"`
	StoreID   int32   `parquet:"store_id,id(3)"`
	TS        int64   `parquet:"ts,id(4),timestamp(microsecond)"`
	Qty       int32   `parquet:"qty,id(5)"`
	Amount    float64 `parquet:"amount,id(6)"`
}

func dayStart(d int) time.Time {
	return time.UnixMicro(firstDayUnixMicro).UTC().AddDate(0, 0, d)
}

func catalogURI(dir string) string { return "file:" + filepath.Join(dir, "catalog.db") }
func warehouse(dir string) string  { return "file://" + filepath.Join(dir, "warehouse") }

func rowsOf(d, j int) []saleRow {
	rows := make([]saleRow, rowsPerFile)
	start := dayStart(d).UnixMicro()
	for i := range rows {
		rows[i] = saleRow{
			SaleID:    int64((d*filesPerDay+j)*rowsPerFile + i),
			ProductID: int64(j*100 + i/2),
			StoreID:   int32(i % 20),
			TS:        start + int64(j*rowsPerFile+i)*1e6,
			Qty:       int32(1 + i%5),
			Amount:    float64(i%100) + 0.25,
		}
	}
	return rows
}

func build(ctx context.Context, dir string) error {
	props := iceberg.Properties{"type": "sql", "uri": catalogURI(dir), "sql.driver": "sqlite", "sql.dialect": "sqlite",
		"warehouse": warehouse(dir)}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ice, err := icecat.Load(ctx, "bench", props)
	if err != nil {
		return err
	}
	if err := ice.CreateNamespace(ctx, table.Identifier{benchNamespace}, nil); err != nil {
		return err
	}
	spec := iceberg.NewPartitionSpec(iceberg.PartitionField{SourceIDs: []int{4}, FieldID: partitionFieldID, Name: "ts_day", Transform: iceberg.DayTransform{}})
	tbl, err := ice.CreateTable(ctx, table.Identifier{benchNamespace, benchTable}, schema, icecat.WithPartitionSpec(&spec))
	if err != nil {
		return err
	}
	dataDir := filepath.Join(dir, "warehouse", "data")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return err
	}
	spec = tbl.Spec()
	for c := 0; c < days*manifestsPerDay; c++ {
		d, first := c/manifestsPerDay, (c%manifestsPerDay)*filesPerManifest
		files := make([]iceberg.DataFile, filesPerManifest)
		g, _ := errgroup.WithContext(ctx)
		g.SetLimit(runtime.NumCPU())
		for k := range files {
			g.Go(func() error {
				df, err := writeFile(spec, dataDir, d, first+k)
				files[k] = df
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
		tx := tbl.NewTransaction()
		if err := tx.AddDataFiles(ctx, files, nil, table.WithoutDuplicateCheck()); err != nil {
			return err
		}
		if tbl, err = tx.Commit(ctx); err != nil {
			return err
		}
	}
	return nil
}

// writeFile writes file j of day d with parquet-go and describes it for the manifest,
// with the column bounds the layout implies.
func writeFile(spec iceberg.PartitionSpec, dataDir string, d, j int) (iceberg.DataFile, error) {
	path := filepath.Join(dataDir, fmt.Sprintf("d%02d-f%03d.parquet", d, j))
	rows := rowsOf(d, j)
	if err := parquet.WriteFile(path, rows, parquet.MaxRowsPerRowGroup(rowsPerGroup)); err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	day := iceberg.DayTransform{}.Apply(iceberg.Optional[iceberg.Literal]{Valid: true, Val: iceberg.NewLiteral(iceberg.Timestamp(rows[0].TS))})
	b, err := iceberg.NewDataFileBuilder(spec, iceberg.EntryContentData, "file://"+path, iceberg.ParquetFile,
		map[int]any{partitionFieldID: day.Val.Any()}, map[int]string{partitionFieldID: "date"}, nil, rowsPerFile, st.Size())
	if err != nil {
		return nil, err
	}
	last := rows[len(rows)-1]
	lower := map[int]iceberg.Literal{1: iceberg.NewLiteral(rows[0].SaleID), 2: iceberg.NewLiteral(rows[0].ProductID),
		3: iceberg.NewLiteral(int32(0)), 4: iceberg.NewLiteral(iceberg.Timestamp(rows[0].TS)), 5: iceberg.NewLiteral(int32(1)), 6: iceberg.NewLiteral(0.25)}
	upper := map[int]iceberg.Literal{1: iceberg.NewLiteral(last.SaleID), 2: iceberg.NewLiteral(last.ProductID),
		3: iceberg.NewLiteral(int32(19)), 4: iceberg.NewLiteral(iceberg.Timestamp(last.TS)), 5: iceberg.NewLiteral(int32(5)), 6: iceberg.NewLiteral(99.25)}
	lb, ub := map[int][]byte{}, map[int][]byte{}
	counts, nulls := map[int]int64{}, map[int]int64{}
	for id := 1; id <= 6; id++ {
		if lb[id], err = lower[id].MarshalBinary(); err != nil {
			return nil, err
		}
		if ub[id], err = upper[id].MarshalBinary(); err != nil {
			return nil, err
		}
		counts[id], nulls[id] = rowsPerFile, 0
	}
	return b.LowerBoundValues(lb).UpperBoundValues(ub).ValueCounts(counts).NullValueCounts(nulls).Build(), nil
}
