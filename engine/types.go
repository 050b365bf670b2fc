package engine

import (
	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/lakegate/lakegate/catalog"
)

// paramOID maps the DuckDB type DuckDB inferred for a parameter to a PostgreSQL OID;
// 0 (unspecified) when DuckDB could not tell, so the client sends text.
func paramOID(t duckdb.Type) uint32 {
	switch t {
	case duckdb.TYPE_BOOLEAN:
		return catalog.OIDBool
	case duckdb.TYPE_TINYINT, duckdb.TYPE_SMALLINT, duckdb.TYPE_UTINYINT:
		return catalog.OIDInt2
	case duckdb.TYPE_INTEGER, duckdb.TYPE_USMALLINT:
		return catalog.OIDInt4
	case duckdb.TYPE_BIGINT, duckdb.TYPE_UINTEGER:
		return catalog.OIDInt8
	case duckdb.TYPE_UBIGINT, duckdb.TYPE_HUGEINT, duckdb.TYPE_UHUGEINT, duckdb.TYPE_DECIMAL:
		return catalog.OIDNumeric
	case duckdb.TYPE_FLOAT:
		return catalog.OIDFloat4
	case duckdb.TYPE_DOUBLE:
		return catalog.OIDFloat8
	case duckdb.TYPE_VARCHAR:
		return catalog.OIDText
	case duckdb.TYPE_BLOB:
		return catalog.OIDBytea
	case duckdb.TYPE_DATE:
		return catalog.OIDDate
	case duckdb.TYPE_TIME:
		return catalog.OIDTime
	case duckdb.TYPE_TIMESTAMP, duckdb.TYPE_TIMESTAMP_MS, duckdb.TYPE_TIMESTAMP_NS, duckdb.TYPE_TIMESTAMP_S:
		return catalog.OIDTimestamp
	case duckdb.TYPE_TIMESTAMP_TZ:
		return catalog.OIDTimestamptz
	case duckdb.TYPE_UUID:
		return catalog.OIDUUID
	}
	return 0
}
