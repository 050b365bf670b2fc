package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/twmb/avro"
	"github.com/twmb/avro/ocf"
)

const testEntrySchema = `{"type":"record","name":"manifest_entry","fields":[
 {"name":"status","type":"int"},
 {"name":"snapshot_id","type":["null","long"],"default":null},
 %s
 {"name":"data_file","type":{"type":"record","name":"r2","fields":[
   {"name":"content","type":"int"},{"name":"file_path","type":"string"}]}}]}`

func writeEntries(t *testing.T, v2 bool, meta map[string][]byte, contents ...int32) []byte {
	t.Helper()
	seq := ""
	if v2 {
		seq = `{"name":"sequence_number","type":["null","long"],"default":null},`
	}
	schema := avro.MustParse(fmt.Sprintf(testEntrySchema, seq))
	var buf bytes.Buffer
	opts := []ocf.WriterOpt{ocf.WithCodec(ocf.DeflateCodec(-1))}
	if meta != nil {
		opts = append(opts, ocf.WithMetadata(meta))
	}
	w, err := ocf.NewWriter(&buf, schema, opts...)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range contents {
		entry := map[string]any{"status": int32(1), "snapshot_id": int64(7), "data_file": map[string]any{
			"content": c, "file_path": "/data/f" + string(rune('a'+i))}}
		if v2 {
			entry["sequence_number"] = int64(3)
		}
		if err := w.Encode(entry); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readBack(t *testing.T, b []byte) (map[string][]byte, []string) {
	t.Helper()
	rd, err := ocf.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var paths []string
	for {
		var e map[string]any
		if err := rd.Decode(&e); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatal(err)
		}
		paths = append(paths, e["data_file"].(map[string]any)["file_path"].(string))
	}
	return rd.Metadata(), paths
}

func TestCompleteManifestHeader(t *testing.T) {
	for _, tc := range []struct {
		name     string
		v2       bool
		meta     map[string][]byte
		contents []int32
		want     string // expected content key; "" = file left unchanged
	}{
		{"v2 deletes", true, nil, []int32{1, 1}, "deletes"},
		{"v2 equality deletes", true, nil, []int32{2}, "deletes"},
		{"v2 data", true, nil, []int32{0, 0, 0}, "data"},
		{"v2 empty", true, nil, nil, "data"},
		{"v1 left alone", false, nil, []int32{0}, ""},
		{"header complete", true, map[string][]byte{"content": []byte("deletes"), "format-version": []byte("2")}, []int32{1}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := writeEntries(t, tc.v2, tc.meta, tc.contents...)
			out := completeManifestHeader(in)
			if tc.want == "" {
				if !bytes.Equal(in, out) {
					t.Fatal("file changed")
				}
				return
			}
			meta, paths := readBack(t, out)
			if string(meta["content"]) != tc.want || string(meta["format-version"]) != "2" {
				t.Errorf("content %q format-version %q, want %q and 2", meta["content"], meta["format-version"], tc.want)
			}
			if string(meta["avro.codec"]) != "deflate" {
				t.Errorf("avro.codec %q lost", meta["avro.codec"])
			}
			if len(paths) != len(tc.contents) {
				t.Errorf("%d entries read back, want %d", len(paths), len(tc.contents))
			}
		})
	}
	if got := completeManifestHeader([]byte("not avro")); string(got) != "not avro" {
		t.Error("non-Avro input changed")
	}
	truncated := writeEntries(t, true, nil, 1)[:20]
	if got := completeManifestHeader(truncated); !bytes.Equal(got, truncated) {
		t.Error("truncated input changed")
	}
}

func TestRemapperQualifiedAndUnqualifiedPaths(t *testing.T) {
	r := NewRemapper(map[string]string{
		"/test-warehouse/ice/t":                    "file:///fx/t",
		"hdfs://localhost:20500/test-warehouse/v3": "file:///fx/v3",
		"s3://bucket/wh":                           "file:///fx/wh",
	})
	for loc, want := range map[string]string{
		"/test-warehouse/ice/t/data/a.parquet":                       "file:///fx/t/data/a.parquet",
		"hdfs://localhost:20500/test-warehouse/ice/t/data/a.parquet": "file:///fx/t/data/a.parquet",
		"hdfs://localhost:20500/test-warehouse/v3/data/b.parquet":    "file:///fx/v3/data/b.parquet",
		"/test-warehouse/v3/data/b.parquet":                          "file:///fx/v3/data/b.parquet",
		"s3://bucket/wh/x.parquet":                                   "file:///fx/wh/x.parquet",
		"s3://other/wh/x.parquet":                                    "s3://other/wh/x.parquet", // another bucket is not the same place
		"hdfs://localhost:20500/test-warehouse/other/c.parquet":      "hdfs://localhost:20500/test-warehouse/other/c.parquet",
	} {
		if got := r.Location(loc); got != want {
			t.Errorf("Location(%q) = %q, want %q", loc, got, want)
		}
	}
}
