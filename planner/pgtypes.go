package planner

import (
	"fmt"
	"strings"
)

// pgTypeRows are PostgreSQL's own pg_type rows for the types lakegate returns:
// oid, name, length, category, element type, array type.
var pgTypeRows = []struct {
	oid      int
	name     string
	len      int
	category string
	elem     int
	array    int
}{
	{16, "bool", 1, "B", 0, 1000}, {17, "bytea", -1, "U", 0, 1001}, {18, "char", 1, "Z", 0, 1002},
	{19, "name", 64, "S", 0, 1003}, {20, "int8", 8, "N", 0, 1016}, {21, "int2", 2, "N", 0, 1005},
	{23, "int4", 4, "N", 0, 1007}, {24, "regproc", 4, "N", 0, 1008}, {25, "text", -1, "S", 0, 1009},
	{26, "oid", 4, "N", 0, 1028}, {114, "json", -1, "U", 0, 199}, {700, "float4", 4, "N", 0, 1021},
	{701, "float8", 8, "N", 0, 1022}, {1043, "varchar", -1, "S", 0, 1015}, {1082, "date", 4, "D", 0, 1182},
	{1083, "time", 8, "D", 0, 1183}, {1114, "timestamp", 8, "D", 0, 1115}, {1184, "timestamptz", 8, "D", 0, 1185},
	{1186, "interval", 16, "T", 0, 1187}, {1700, "numeric", -1, "N", 0, 1231}, {2950, "uuid", 16, "U", 0, 2951},
	{3802, "jsonb", -1, "U", 0, 3807}, {2205, "regclass", 4, "N", 0, 2210}, {2206, "regtype", 4, "N", 0, 2211},
	{1000, "_bool", -1, "A", 16, 0}, {1001, "_bytea", -1, "A", 17, 0}, {1002, "_char", -1, "A", 18, 0},
	{1003, "_name", -1, "A", 19, 0}, {1005, "_int2", -1, "A", 21, 0}, {1007, "_int4", -1, "A", 23, 0},
	{1009, "_text", -1, "A", 25, 0}, {1015, "_varchar", -1, "A", 1043, 0}, {1016, "_int8", -1, "A", 20, 0},
	{1021, "_float4", -1, "A", 700, 0}, {1022, "_float8", -1, "A", 701, 0}, {1028, "_oid", -1, "A", 26, 0},
	{1115, "_timestamp", -1, "A", 1114, 0}, {1182, "_date", -1, "A", 1082, 0}, {1183, "_time", -1, "A", 1083, 0},
	{1185, "_timestamptz", -1, "A", 1184, 0}, {1231, "_numeric", -1, "A", 1700, 0}, {2951, "_uuid", -1, "A", 2950, 0},
	{199, "_json", -1, "A", 114, 0},
}

// pgTypeView is lakegate_pg.pg_type: PostgreSQL's OIDs and names, so joins of
// pg_attribute.atttypid with pg_type give clients the names they know.
func pgTypeView() string {
	rows := make([]string, len(pgTypeRows))
	for i, t := range pgTypeRows {
		in, out := t.name+"in", t.name+"out"
		if t.category == "A" {
			in, out = "array_in", "array_out"
		}
		rows[i] = fmt.Sprintf("(%d, '%s', 11, 10, %d, true, 'b', '%s', false, true, ',', 0, 0, %d, %d, '%s', '%s', 'i', 'p', false, 0, -1, 0, %s)",
			t.oid, t.name, t.len, t.category, t.elem, t.array, in, out, map[bool]string{true: "100", false: "0"}[t.category == "S"])
	}
	return "CREATE OR REPLACE VIEW " + pgSchema + ".pg_type AS SELECT * FROM (VALUES " + strings.Join(rows, ", ") +
		") t(oid, typname, typnamespace, typowner, typlen, typbyval, typtype, typcategory, typispreferred, typisdefined, typdelim, typrelid, typsubscript, typelem, typarray, typinput, typoutput, typalign, typstorage, typnotnull, typbasetype, typtypmod, typndims, typcollation)"
}

// pgAttributeView is lakegate_pg.pg_attribute: DuckDB's, with PostgreSQL type OIDs
// and typmods derived from each column's DuckDB type.
func pgAttributeView(extra []string) string {
	sel := "a.* REPLACE (lakegate_pg_oid(c.data_type) AS atttypid, lakegate_pg_typmod(c.data_type, c.numeric_precision, c.numeric_scale) AS atttypmod, CASE lakegate_pg_oid(c.data_type) WHEN 20 THEN 8 WHEN 23 THEN 4 WHEN 16 THEN 1 WHEN 701 THEN 8 WHEN 1082 THEN 4 WHEN 1114 THEN 8 ELSE -1 END AS attlen)"
	if len(extra) > 0 {
		sel += ", " + strings.Join(extra, ", ")
	}
	return "CREATE OR REPLACE VIEW " + pgSchema + ".pg_attribute AS SELECT " + sel +
		" FROM pg_catalog.pg_attribute a LEFT JOIN duckdb_columns() c ON c.table_oid = a.attrelid AND c.column_index = a.attnum"
}

// typeMacros map DuckDB type names to PostgreSQL type OIDs and typmods.
var typeMacros = []string{
	`CREATE MACRO lakegate_pg_oid(t) AS CASE
		WHEN t = 'BOOLEAN' THEN 16 WHEN t = 'BLOB' THEN 17 WHEN t = 'BIGINT' THEN 20 WHEN t IN ('SMALLINT', 'TINYINT') THEN 21
		WHEN t = 'INTEGER' THEN 23 WHEN t = 'VARCHAR' THEN 25 WHEN t = 'FLOAT' THEN 700 WHEN t = 'DOUBLE' THEN 701
		WHEN t = 'DATE' THEN 1082 WHEN t = 'TIME' THEN 1083 WHEN t LIKE 'TIMESTAMP WITH TIME ZONE' THEN 1184
		WHEN t LIKE 'TIMESTAMP%' THEN 1114 WHEN t = 'INTERVAL' THEN 1186 WHEN t LIKE 'DECIMAL%' THEN 1700
		WHEN t = 'UUID' THEN 2950 WHEN t = 'BIGINT[]' THEN 1016 WHEN t = 'INTEGER[]' THEN 1007 WHEN t = 'VARCHAR[]' THEN 1009
		WHEN t = 'DOUBLE[]' THEN 1022 WHEN t = 'BOOLEAN[]' THEN 1000 WHEN t = 'DATE[]' THEN 1182
		WHEN t LIKE 'STRUCT%' OR t LIKE 'MAP%' OR t LIKE '%[]' THEN 114 ELSE 25 END`,
	`CREATE MACRO lakegate_pg_typmod(t, p, s) AS CASE WHEN t LIKE 'DECIMAL%' THEN ((p << 16) | s) + 4 ELSE -1 END`,
}
