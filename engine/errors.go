package engine

import (
	"errors"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/lakegate/lakegate/pgerr"
)

// Error turns a DuckDB error into a PostgreSQL error with the closest SQLSTATE.
func Error(err error) error {
	var de *duckdb.Error
	if !errors.As(err, &de) {
		return err
	}
	msg := de.Msg
	if i := strings.Index(msg, " Error: "); i >= 0 && i < 40 {
		msg = msg[i+len(" Error: "):]
	}
	code := pgerr.Internal
	switch de.Type {
	case duckdb.ErrorTypeParser, duckdb.ErrorTypeSyntax:
		code = pgerr.SyntaxError
	case duckdb.ErrorTypeCatalog:
		switch {
		case strings.Contains(msg, "Function") || strings.Contains(msg, "function") || strings.Contains(msg, "Macro"):
			code = pgerr.UndefinedFunction
		case strings.Contains(msg, "Schema"):
			code = pgerr.InvalidSchemaName
		case strings.Contains(msg, "Type"):
			code = pgerr.UndefinedObject
		default:
			code = pgerr.UndefinedTable
		}
	case duckdb.ErrorTypeBinder:
		switch {
		case strings.Contains(msg, "Ambiguous reference to column"):
			code = pgerr.AmbiguousColumn
		case strings.Contains(msg, "Referenced column") || strings.Contains(msg, "column"):
			code = pgerr.UndefinedColumn
		case strings.Contains(msg, "No function matches") || strings.Contains(msg, "function"):
			code = pgerr.UndefinedFunction
		default:
			code = pgerr.SyntaxError
		}
	case duckdb.ErrorTypeConversion, duckdb.ErrorTypeInvalidType, duckdb.ErrorTypeMismatchType:
		code = pgerr.InvalidTextRepresentation
	case duckdb.ErrorTypeOutOfRange, duckdb.ErrorTypeDecimal:
		code = pgerr.NumericValueOutOfRange
	case duckdb.ErrorTypeDivideByZero:
		code = pgerr.DivisionByZero
	case duckdb.ErrorTypeInterrupt:
		code = pgerr.QueryCanceled
		msg = "canceling statement due to user request"
	case duckdb.ErrorTypePermission:
		code = pgerr.InsufficientPrivilege
	case duckdb.ErrorTypeOutOfMemory:
		code = pgerr.OutOfMemory
	case duckdb.ErrorTypeIO:
		code = pgerr.IOError
	case duckdb.ErrorTypeInvalidInput:
		code = pgerr.InvalidParameterValue
		if strings.Contains(msg, "arquet") || strings.Contains(msg, "magic") || strings.Contains(msg, "footer") {
			code = pgerr.DataCorrupted
		}
	case duckdb.ErrorTypeNotImplemented:
		code = pgerr.FeatureNotSupported
	case duckdb.ErrorTypeParameterNotResolved:
		code = "42P18" // indeterminate_datatype
	}
	// error('division by zero') in SQL, or the numeric division function (Go
	// functions' errors arrive prefixed by duckdb-go's "database/sql/driver: API error: ").
	if strings.HasPrefix(msg, "division by zero") || strings.HasSuffix(msg, "API error: "+errDivisionByZero.Error()) {
		code, msg = pgerr.DivisionByZero, "division by zero"
	}
	// Raised by the planner's regclass/regtype lookups (planner/pgfuncs.go).
	if strings.HasSuffix(msg, "\" does not exist") {
		switch {
		case strings.HasPrefix(msg, "relation \""):
			code = pgerr.UndefinedTable
		case strings.HasPrefix(msg, "type \""):
			code = pgerr.UndefinedObject
		}
	}
	return pgerr.Wrap(err, code, "%s", msg)
}
