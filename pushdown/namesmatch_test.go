package pushdown

import (
	"testing"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
)

func TestNamesMatch(t *testing.T) {
	sc := iceberg.NewSchema(0,
		iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64, Required: true},
		iceberg.NestedField{ID: 2, Name: "day", Type: iceberg.PrimitiveTypes.Date})
	meta := func(t *testing.T, sc *iceberg.Schema, props iceberg.Properties) table.Metadata {
		t.Helper()
		md, err := table.NewMetadata(sc, iceberg.UnpartitionedSpec, table.UnsortedSortOrder, "file:///tmp/t", props)
		if err != nil {
			t.Fatal(err)
		}
		return md
	}
	v2 := iceberg.Properties{table.PropertyFormatVersion: "2"}
	if md := meta(t, sc, v2); !namesMatch(md, md.CurrentSchema()) {
		t.Error("a v2 table with one primitive schema must be read by name")
	}
	if md := meta(t, sc, iceberg.Properties{table.PropertyFormatVersion: "1"}); namesMatch(md, md.CurrentSchema()) {
		t.Error("format v1 tables (often migrated) must keep the field-id schema map")
	}
	trivial := `[{"field-id":1,"names":["id"]},{"field-id":2,"names":["day"]}]`
	if md := meta(t, sc, iceberg.Properties{table.PropertyFormatVersion: "2", table.DefaultNameMappingKey: trivial}); !namesMatch(md, md.CurrentSchema()) {
		t.Error("the name mapping iceberg-go records (each field from its own name) must not stop reading by name")
	}
	for _, m := range []string{
		`[{"field-id":1,"names":["id","ID"]},{"field-id":2,"names":["day"]}]`, // adopted files named ID
		`[{"field-id":1,"names":["key"]},{"field-id":2,"names":["day"]}]`,     // adopted files named key
		`not json`,
	} {
		if md := meta(t, sc, iceberg.Properties{table.PropertyFormatVersion: "2", table.DefaultNameMappingKey: m}); namesMatch(md, md.CurrentSchema()) {
			t.Errorf("name mapping %s must keep the field-id schema map", m)
		}
	}
	nested := iceberg.NewSchema(0, iceberg.NestedField{ID: 1, Name: "tags", Type: &iceberg.ListType{ElementID: 2, Element: iceberg.PrimitiveTypes.String}})
	if md := meta(t, nested, v2); namesMatch(md, md.CurrentSchema()) {
		t.Error("nested columns must keep the field-id schema map")
	}
	// An evolved schema: a second schema in the metadata.
	md := meta(t, sc, v2)
	b, err := table.MetadataBuilderFromBase(md, "")
	if err != nil {
		t.Fatal(err)
	}
	evolved := iceberg.NewSchema(1, append(sc.Fields(), iceberg.NestedField{ID: 3, Name: "note", Type: iceberg.PrimitiveTypes.String})...)
	if err := b.AddSchema(evolved); err != nil {
		t.Fatal(err)
	}
	if err := b.SetCurrentSchemaID(1); err != nil {
		t.Fatal(err)
	}
	md2, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if namesMatch(md2, md2.CurrentSchema()) {
		t.Error("a table whose schema evolved must keep the field-id schema map")
	}
}
