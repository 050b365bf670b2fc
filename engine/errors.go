package engine

import (
	"errors"
	"fmt"
	"regexp"
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
	msg, hint := firstLineAndHint(msg)
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
	if m := unknownColumn.FindStringSubmatch(msg); m != nil && code == pgerr.UndefinedColumn {
		msg = fmt.Sprintf("column %s does not exist", m[1])
	}
	if m := badInput.FindStringSubmatch(msg); m != nil && code == pgerr.InvalidTextRepresentation {
		if name, ok := pgTypeNames[m[2]]; ok {
			msg = fmt.Sprintf("invalid input syntax for type %s: \"%s\"", name, m[1])
		}
	}
	e := pgerr.Wrap(err, code, "%s", msg)
	if hint != "" {
		e = e.WithHint("%s", hint)
	}
	return e
}

// unknownColumn is DuckDB's message for a column no relation in scope has.
var unknownColumn = regexp.MustCompile(`^Referenced column ("[^"]*") not found in FROM clause!?$`)

// badInput is DuckDB's message for text that does not convert to a type.
var badInput = regexp.MustCompile(`^Could not convert string '(.*)' to ([A-Z0-9]+)( when casting from source column .*)?$`)

// pgTypeNames names DuckDB's internal type names as PostgreSQL's messages do.
var pgTypeNames = map[string]string{
	"INT16": "smallint", "INT32": "integer", "INT64": "bigint", "FLOAT": "real", "DOUBLE": "double precision",
	"BOOL": "boolean", "DATE": "date", "UUID": "uuid", "INTERVAL": "interval",
}

// firstLineAndHint keeps the first line of a DuckDB message. The lines after it show
// the statement DuckDB ran ("LINE 1: ..." and a caret): that is the planner's
// rewritten SQL, with file paths, not what the client sent, so it is left out. The
// columns a binder error lists as candidates become the hint.
func firstLineAndHint(msg string) (string, string) {
	first, rest, ok := strings.Cut(msg, "\n")
	if !ok {
		return msg, ""
	}
	_, cands, ok := strings.Cut(rest, "Candidate bindings: ")
	if !ok {
		return strings.TrimSpace(first), ""
	}
	cands, _, _ = strings.Cut(cands, "\n")
	return strings.TrimSpace(first), "Similar columns: " + strings.TrimSpace(cands)
}
