package catalog

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"strconv"

	"github.com/twmb/avro/ocf"
)

// ocfMagic starts every Avro object container file.
var ocfMagic = []byte("Obj\x01")

// completeManifestHeader repairs a v2 manifest whose Avro header lacks the Iceberg
// keys "format-version" and "content" (Impala's test tables carry only avro.schema
// and avro.codec). iceberg-go trusts the header: without "content" it takes a
// delete manifest for a data manifest and refuses it. The entry schema tells the
// format version (a v2 entry has sequence_number), the entries tell the content (a
// manifest holds only data files or only delete files, per the spec). Every other
// file, and any file that cannot be parsed, is returned unchanged.
func completeManifestHeader(b []byte) []byte {
	if !bytes.HasPrefix(b, ocfMagic) {
		return b
	}
	meta, keys, end, err := readOCFMetadata(b)
	if err != nil || len(b) < end+16 {
		return b
	}
	if _, ok := meta["content"]; ok {
		return b
	}
	if _, ok := meta["format-version"]; ok {
		return b
	}
	var schema struct {
		Name   string `json:"name"`
		Fields []struct {
			Name string `json:"name"`
		} `json:"fields"`
	}
	if json.Unmarshal(meta["avro.schema"], &schema) != nil || schema.Name != "manifest_entry" {
		return b
	}
	v2 := false
	for _, f := range schema.Fields {
		if f.Name == "sequence_number" {
			v2 = true
		}
	}
	if !v2 {
		return b // a v1 manifest needs neither key
	}
	content := "data"
	rd, err := ocf.NewReader(bytes.NewReader(b))
	if err != nil {
		return b
	}
	defer rd.Close()
	for {
		var entry map[string]any
		if err := rd.Decode(&entry); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return b
		}
		df, _ := entry["data_file"].(map[string]any)
		if c, err := strconv.Atoi(toString(df["content"])); err == nil && c != 0 {
			content = "deletes"
			break
		}
	}
	meta["format-version"] = []byte("2")
	meta["content"] = []byte(content)
	keys = append(keys, "format-version", "content")
	out := append([]byte{}, ocfMagic...)
	out = binary.AppendVarint(out, int64(len(keys)))
	for _, k := range keys {
		out = binary.AppendVarint(out, int64(len(k)))
		out = append(out, k...)
		out = binary.AppendVarint(out, int64(len(meta[k])))
		out = append(out, meta[k]...)
	}
	out = binary.AppendVarint(out, 0)
	return append(out, b[end:]...) // sync marker and data blocks as they were
}

func toString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// readOCFMetadata parses the metadata map after the magic bytes of an Avro object
// container file: the entries, their keys in file order, and the offset just past
// the map (where the 16-byte sync marker starts).
func readOCFMetadata(b []byte) (map[string][]byte, []string, int, error) {
	errBad := errors.New("malformed Avro header")
	pos := len(ocfMagic)
	long := func() (int64, error) {
		v, n := binary.Varint(b[pos:])
		if n <= 0 {
			return 0, errBad
		}
		pos += n
		return v, nil
	}
	bytesField := func() ([]byte, error) {
		n, err := long()
		if err != nil || n < 0 || int64(len(b)-pos) < n {
			return nil, errBad
		}
		v := b[pos : pos+int(n)]
		pos += int(n)
		return v, nil
	}
	meta := map[string][]byte{}
	var keys []string
	for {
		count, err := long()
		if err != nil {
			return nil, nil, 0, err
		}
		if count == 0 {
			return meta, keys, pos, nil
		}
		if count < 0 { // a negative count is followed by the block's size in bytes
			count = -count
			if _, err := long(); err != nil {
				return nil, nil, 0, err
			}
		}
		for i := int64(0); i < count; i++ {
			k, err := bytesField()
			if err != nil {
				return nil, nil, 0, err
			}
			v, err := bytesField()
			if err != nil {
				return nil, nil, 0, err
			}
			if _, dup := meta[string(k)]; !dup {
				keys = append(keys, string(k))
			}
			meta[string(k)] = v
		}
	}
}
