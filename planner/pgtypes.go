package planner

import (
	"fmt"
	"strings"

	"github.com/lakegate/lakegate/catalog"
)

// pgTypeRow is one of PostgreSQL 15's own pg_type rows.
type pgTypeRow struct {
	oid      uint32
	name     string
	len      int
	byval    bool
	typtype  string // b base, p pseudo
	category string
	array    uint32 // the array type's OID, 0 for none
	io       string // stem of the I/O functions: io+"in", io+"out", io+"recv", io+"send"
	align    string
	storage  string
	coll     int    // typcollation: 100 for collatable types, 950 for name
	format   string // format_type(oid, NULL)
	modin    string // typmodin function, "" for none
	pref     bool   // typispreferred
}

// Extra OIDs of PostgreSQL's pg_type, next to the ones catalog declares.
const (
	oidChar         = 18
	oidName         = 19
	oidInt2Vector   = 22
	oidRegproc      = 24
	oidOid          = 26
	oidOidVector    = 30
	oidUnknown      = 705
	oidBpchar       = 1042
	oidVarchar      = 1043
	oidInterval     = 1186
	oidTimetz       = 1266
	oidRegclass     = 2205
	oidRegtype      = 2206
	oidRecord       = 2249
	oidVoid         = 2278
	oidJSONB        = 3802
	oidRegnamespace = 4089
)

// pgBaseTypes are the scalar types lakegate shows, with PostgreSQL's own attributes.
var pgBaseTypes = []pgTypeRow{
	{catalog.OIDBool, "bool", 1, true, "b", "B", 1000, "bool", "c", "p", 0, "boolean", "", true},
	{catalog.OIDBytea, "bytea", -1, false, "b", "U", 1001, "bytea", "i", "x", 0, "bytea", "", false},
	{oidChar, "char", 1, true, "b", "Z", 1002, "char", "c", "p", 0, `"char"`, "", false},
	{oidName, "name", 64, false, "b", "S", 1003, "name", "c", "p", 950, "name", "", false},
	{catalog.OIDInt8, "int8", 8, true, "b", "N", 1016, "int8", "d", "p", 0, "bigint", "", false},
	{catalog.OIDInt2, "int2", 2, true, "b", "N", 1005, "int2", "s", "p", 0, "smallint", "", false},
	{oidInt2Vector, "int2vector", -1, false, "b", "A", 1006, "int2vector", "i", "p", 0, "int2vector", "", false},
	{catalog.OIDInt4, "int4", 4, true, "b", "N", 1007, "int4", "i", "p", 0, "integer", "", false},
	{oidRegproc, "regproc", 4, true, "b", "N", 1008, "regproc", "i", "p", 0, "regproc", "", false},
	{catalog.OIDText, "text", -1, false, "b", "S", 1009, "text", "i", "x", 100, "text", "", true},
	{oidOid, "oid", 4, true, "b", "N", 1028, "oid", "i", "p", 0, "oid", "", true},
	{oidOidVector, "oidvector", -1, false, "b", "A", 1013, "oidvector", "i", "p", 0, "oidvector", "", false},
	{catalog.OIDJSON, "json", -1, false, "b", "U", 199, "json_", "i", "x", 0, "json", "", false},
	{catalog.OIDFloat4, "float4", 4, true, "b", "N", 1021, "float4", "i", "p", 0, "real", "", false},
	{catalog.OIDFloat8, "float8", 8, true, "b", "N", 1022, "float8", "d", "p", 0, "double precision", "", true},
	{oidUnknown, "unknown", -2, false, "p", "X", 0, "unknown", "c", "p", 0, "unknown", "", false},
	{oidBpchar, "bpchar", -1, false, "b", "S", 1014, "bpchar", "i", "x", 100, "bpchar", "bpchartypmodin", false},
	{oidVarchar, "varchar", -1, false, "b", "S", 1015, "varchar", "i", "x", 100, "character varying", "varchartypmodin", false},
	{catalog.OIDDate, "date", 4, true, "b", "D", 1182, "date_", "i", "p", 0, "date", "", false},
	{catalog.OIDTime, "time", 8, true, "b", "D", 1183, "time_", "d", "p", 0, "time without time zone", "timetypmodin", false},
	{catalog.OIDTimestamp, "timestamp", 8, true, "b", "D", 1115, "timestamp_", "d", "p", 0, "timestamp without time zone", "timestamptypmodin", false},
	{catalog.OIDTimestamptz, "timestamptz", 8, true, "b", "D", 1185, "timestamptz_", "d", "p", 0, "timestamp with time zone", "timestamptztypmodin", true},
	{oidInterval, "interval", 16, false, "b", "T", 1187, "interval_", "d", "p", 0, "interval", "intervaltypmodin", true},
	{oidTimetz, "timetz", 12, false, "b", "D", 1270, "timetz_", "d", "p", 0, "time with time zone", "timetztypmodin", false},
	{catalog.OIDNumeric, "numeric", -1, false, "b", "N", 1231, "numeric_", "i", "m", 0, "numeric", "numerictypmodin", false},
	{oidRegclass, "regclass", 4, true, "b", "N", 2210, "regclass", "i", "p", 0, "regclass", "", false},
	{oidRegtype, "regtype", 4, true, "b", "N", 2211, "regtype", "i", "p", 0, "regtype", "", false},
	{oidRecord, "record", -1, false, "p", "P", 2287, "record_", "d", "x", 0, "record", "", false},
	{oidVoid, "void", 4, true, "p", "P", 0, "void_", "i", "p", 0, "void", "", false},
	{catalog.OIDUUID, "uuid", 16, false, "b", "U", 2951, "uuid_", "c", "p", 0, "uuid", "", false},
	{oidJSONB, "jsonb", -1, false, "b", "U", 3807, "jsonb_", "i", "x", 0, "jsonb", "", false},
	{oidRegnamespace, "regnamespace", 4, true, "b", "N", 4090, "regnamespace", "i", "p", 0, "regnamespace", "", false},
}

// pgTypes returns every pg_type row: the base types and, for each, its array type.
func pgTypes() []pgTypeRow {
	out := append([]pgTypeRow(nil), pgBaseTypes...)
	for _, t := range pgBaseTypes {
		if t.array == 0 {
			continue
		}
		align := "i"
		if t.align == "d" {
			align = "d"
		}
		out = append(out, pgTypeRow{oid: t.array, name: "_" + t.name, len: -1, typtype: "b", category: "A",
			io: "array_", align: align, storage: "x", coll: t.coll, format: t.format + "[]", modin: t.modin})
	}
	return out
}

// elemOf maps an array type's OID to its element type's OID.
func elemOf(oid uint32) uint32 {
	for _, t := range pgBaseTypes {
		if t.array == oid {
			return t.oid
		}
	}
	return 0
}

// pgTypeView is lakegate_pg.pg_type: PostgreSQL 15's columns, OIDs, names and
// I/O functions (regproc columns hold the function's name, as PostgreSQL prints them).
func pgTypeView() string {
	rows := make([]string, 0, 2*len(pgBaseTypes))
	for _, t := range pgTypes() {
		elem := elemOf(t.oid)
		if t.oid == oidInt2Vector {
			elem = catalog.OIDInt2
		} else if t.oid == oidOidVector {
			elem = oidOid
		}
		subscript := "-"
		if t.category == "A" { // arrays, int2vector and oidvector
			subscript = "array_subscript_handler"
		}
		modin, modout := "-", "-"
		if t.modin != "" {
			modin, modout = t.modin, strings.TrimSuffix(t.modin, "in")+"out"
		}
		rows = append(rows, fmt.Sprintf("(%d, '%s', 11, 10, %d, %t, '%s', '%s', %t, true, ',', 0, '%s', %d, %d, '%sin', '%sout', '%srecv', '%ssend', '%s', '%s', '-', '%s', '%s', false, 0, -1, 0, %d)",
			t.oid, t.name, t.len, t.byval, t.typtype, t.category, t.pref, subscript, elem, t.array,
			t.io, t.io, t.io, t.io, modin, modout, t.align, t.storage, t.coll))
	}
	return "CREATE OR REPLACE VIEW " + pgSchema + ".pg_type AS SELECT oid::BIGINT AS oid, typname, typnamespace::BIGINT AS typnamespace, typowner::BIGINT AS typowner, typlen::SMALLINT AS typlen, typbyval, typtype, typcategory, typispreferred, typisdefined, typdelim, typrelid::BIGINT AS typrelid, typsubscript, typelem::BIGINT AS typelem, typarray::BIGINT AS typarray, typinput, typoutput, typreceive, typsend, typmodin, typmodout, typanalyze, typalign, typstorage, typnotnull, typbasetype::BIGINT AS typbasetype, typtypmod, typndims, typcollation::BIGINT AS typcollation, NULL::VARCHAR AS typdefaultbin, NULL::VARCHAR AS typdefault, NULL::VARCHAR[] AS typacl FROM (VALUES " + strings.Join(rows, ", ") +
		") t(oid, typname, typnamespace, typowner, typlen, typbyval, typtype, typcategory, typispreferred, typisdefined, typdelim, typrelid, typsubscript, typelem, typarray, typinput, typoutput, typreceive, typsend, typmodin, typmodout, typanalyze, typalign, typstorage, typnotnull, typbasetype, typtypmod, typndims, typcollation)"
}

// typeNamesTable is lakegate_pg.type_names: format_type's spelling of every type
// without a type modifier.
func typeNamesTable() string {
	rows := make([]string, 0, 2*len(pgBaseTypes))
	for _, t := range pgTypes() {
		rows = append(rows, fmt.Sprintf("(%d, '%s')", t.oid, strings.ReplaceAll(t.format, "'", "''")))
	}
	return "CREATE OR REPLACE TABLE " + pgSchema + ".type_names AS SELECT col0::BIGINT AS oid, col1 AS name FROM (VALUES " + strings.Join(rows, ", ") + ")"
}

// typeMacros map DuckDB type names to PostgreSQL type OIDs and typmods, and spell
// types as format_type does.
var typeMacros = []string{
	fmt.Sprintf(`CREATE OR REPLACE MACRO lakegate_pg_oid(t) AS CASE
		WHEN t = 'BOOLEAN' THEN %d WHEN t = 'BLOB' THEN %d WHEN t = 'BIGINT' THEN %d WHEN t IN ('SMALLINT', 'TINYINT') THEN %d
		WHEN t = 'INTEGER' THEN %d WHEN t = 'VARCHAR' THEN %d WHEN t = 'FLOAT' THEN %d WHEN t = 'DOUBLE' THEN %d
		WHEN t = 'DATE' THEN %d WHEN t = 'TIME' THEN %d WHEN t = 'TIMESTAMP WITH TIME ZONE' THEN %d
		WHEN t LIKE 'TIMESTAMP%%' THEN %d WHEN t = 'INTERVAL' THEN %d WHEN t LIKE 'DECIMAL%%' THEN %d
		WHEN t = 'UUID' THEN %d WHEN t = 'BIGINT[]' THEN 1016 WHEN t = 'INTEGER[]' THEN 1007 WHEN t = 'VARCHAR[]' THEN 1009
		WHEN t = 'DOUBLE[]' THEN 1022 WHEN t = 'FLOAT[]' THEN 1021 WHEN t = 'BOOLEAN[]' THEN 1000 WHEN t = 'DATE[]' THEN 1182
		WHEN t LIKE 'DECIMAL%%[]' THEN 1231 WHEN t LIKE 'TIMESTAMP[]' THEN 1115
		WHEN t LIKE 'STRUCT%%' OR t LIKE 'MAP%%' OR t LIKE '%%[]' THEN %d ELSE %d END`,
		catalog.OIDBool, catalog.OIDBytea, catalog.OIDInt8, catalog.OIDInt2, catalog.OIDInt4, catalog.OIDText,
		catalog.OIDFloat4, catalog.OIDFloat8, catalog.OIDDate, catalog.OIDTime, catalog.OIDTimestamptz,
		catalog.OIDTimestamp, oidInterval, catalog.OIDNumeric, catalog.OIDUUID, catalog.OIDJSON, catalog.OIDText),
	`CREATE OR REPLACE MACRO lakegate_pg_typmod(t, p, s) AS CASE WHEN t LIKE 'DECIMAL%' THEN ((p << 16) | s) + 4 ELSE -1 END`,
}

// formatTypeMacro is format_type(oid, typmod) as PostgreSQL spells types; it needs
// lakegate_pg.type_names.
const formatTypeMacro = `CREATE OR REPLACE MACRO format_type(t, typmod) AS CASE
	WHEN t IS NULL THEN NULL
	WHEN t = 1700 AND typmod > 4 THEN 'numeric(' || ((typmod - 4) >> 16) || ',' || ((typmod - 4) & 65535) || ')'
	WHEN t = 1231 AND typmod > 4 THEN 'numeric(' || ((typmod - 4) >> 16) || ',' || ((typmod - 4) & 65535) || ')[]'
	WHEN t = 1043 AND typmod > 4 THEN 'character varying(' || (typmod - 4) || ')'
	WHEN t = 1042 AND typmod > 4 THEN 'character(' || (typmod - 4) || ')'
	WHEN t = 1042 AND typmod IS NOT NULL THEN 'character'
	ELSE coalesce((SELECT min(n.name) FROM lakegate_pg.type_names n WHERE n.oid = t), '???') END`
