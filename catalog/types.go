package catalog

import (
	"fmt"
	"strings"

	"github.com/apache/iceberg-go"
)

// PGType is a PostgreSQL type as RowDescription and pg_catalog describe it.
type PGType struct {
	OID    uint32
	Name   string // format_type spelling, e.g. "numeric(10,2)"
	Len    int16  // typlen
	TypMod int32
}

// PostgreSQL type OIDs lakegate uses.
const (
	OIDBool        = 16
	OIDBytea       = 17
	OIDInt8        = 20
	OIDInt2        = 21
	OIDInt4        = 23
	OIDText        = 25
	OIDJSON        = 114
	OIDFloat4      = 700
	OIDFloat8      = 701
	OIDDate        = 1082
	OIDTime        = 1083
	OIDTimestamp   = 1114
	OIDTimestamptz = 1184
	OIDNumeric     = 1700
	OIDUUID        = 2950
)

var arrayOIDs = map[uint32]uint32{
	OIDBool: 1000, OIDBytea: 1001, OIDInt8: 1016, OIDInt2: 1005, OIDInt4: 1007, OIDText: 1009,
	OIDJSON: 199, OIDFloat4: 1021, OIDFloat8: 1022, OIDDate: 1182, OIDTime: 1183,
	OIDTimestamp: 1115, OIDTimestamptz: 1185, OIDNumeric: 1231, OIDUUID: 2951,
}

// PostgresType maps an Iceberg type to the PostgreSQL type clients see.
func PostgresType(t iceberg.Type) PGType {
	switch t := t.(type) {
	case iceberg.BooleanType:
		return PGType{OIDBool, "boolean", 1, -1}
	case iceberg.Int32Type:
		return PGType{OIDInt4, "integer", 4, -1}
	case iceberg.Int64Type:
		return PGType{OIDInt8, "bigint", 8, -1}
	case iceberg.Float32Type:
		return PGType{OIDFloat4, "real", 4, -1}
	case iceberg.Float64Type:
		return PGType{OIDFloat8, "double precision", 8, -1}
	case iceberg.DecimalType:
		return PGType{OIDNumeric, fmt.Sprintf("numeric(%d,%d)", t.Precision(), t.Scale()), -1,
			int32(t.Precision()<<16|t.Scale()) + 4}
	case iceberg.DateType:
		return PGType{OIDDate, "date", 4, -1}
	case iceberg.TimeType:
		return PGType{OIDTime, "time without time zone", 8, -1}
	case iceberg.TimestampType, iceberg.TimestampNsType:
		return PGType{OIDTimestamp, "timestamp without time zone", 8, -1}
	case iceberg.TimestampTzType, iceberg.TimestampTzNsType:
		return PGType{OIDTimestamptz, "timestamp with time zone", 8, -1}
	case iceberg.StringType:
		return PGType{OIDText, "text", -1, -1}
	case iceberg.UUIDType:
		return PGType{OIDUUID, "uuid", 16, -1}
	case iceberg.BinaryType, iceberg.FixedType:
		return PGType{OIDBytea, "bytea", -1, -1}
	case *iceberg.ListType:
		el := PostgresType(t.Element)
		if oid, ok := arrayOIDs[el.OID]; ok {
			return PGType{oid, el.Name + "[]", -1, -1}
		}
		return PGType{OIDJSON, "json", -1, -1}
	default: // struct, map, variant, geometry: shown as JSON text
		return PGType{OIDJSON, "json", -1, -1}
	}
}

// DuckDBType maps an Iceberg type to the DuckDB type its column is read as.
func DuckDBType(t iceberg.Type) string {
	switch t := t.(type) {
	case iceberg.BooleanType:
		return "BOOLEAN"
	case iceberg.Int32Type:
		return "INTEGER"
	case iceberg.Int64Type:
		return "BIGINT"
	case iceberg.Float32Type:
		return "FLOAT"
	case iceberg.Float64Type:
		return "DOUBLE"
	case iceberg.DecimalType:
		return fmt.Sprintf("DECIMAL(%d,%d)", t.Precision(), t.Scale())
	case iceberg.DateType:
		return "DATE"
	case iceberg.TimeType:
		return "TIME"
	case iceberg.TimestampType:
		return "TIMESTAMP"
	case iceberg.TimestampNsType:
		return "TIMESTAMP_NS"
	case iceberg.TimestampTzType, iceberg.TimestampTzNsType:
		return "TIMESTAMPTZ"
	case iceberg.StringType:
		return "VARCHAR"
	case iceberg.UUIDType:
		return "UUID"
	case iceberg.BinaryType, iceberg.FixedType:
		return "BLOB"
	case *iceberg.ListType:
		return DuckDBType(t.Element) + "[]"
	case *iceberg.MapType:
		return fmt.Sprintf("MAP(%s, %s)", DuckDBType(t.KeyType), DuckDBType(t.ValueType))
	case *iceberg.StructType:
		parts := make([]string, len(t.FieldList))
		for i, f := range t.FieldList {
			parts[i] = QuoteIdent(f.Name) + " " + DuckDBType(f.Type)
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")"
	default:
		return "VARCHAR"
	}
}

// QuoteIdent quotes an identifier for SQL.
func QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// QuoteLiteral quotes a string literal for SQL.
func QuoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
