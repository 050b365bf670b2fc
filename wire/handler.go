package wire

import (
	"context"
	"net"

	"github.com/apache/arrow-go/v18/arrow"
)

// Field describes one result column as RowDescription sends it.
type Field struct {
	Name         string
	TableOID     uint32 // 0 unless the column is a plain column of a catalog relation
	ColumnNumber int16  // attnum in that relation, 0 otherwise
	TypeOID      uint32
	TypeSize     int16 // pg_type.typlen: -1 for varlena
	TypeMod      int32 // -1 unless the type has a modifier (numeric(p,s): ((p<<16)|s)+4)
}

// Rows is a stream of result batches. Each arrow column of a batch matches the Field of
// the same position. Next returns (nil, io.EOF) at the end. Close releases the query and
// may be called at any time, also before the end.
type Rows interface {
	Next(ctx context.Context) (arrow.RecordBatch, error)
	Close() error
}

// Result is what one statement produced.
type Result struct {
	// Tag is the CommandComplete tag for statements without rows ("SET", "BEGIN").
	// For statements with rows, Tag is the verb ("SELECT", "FETCH", "SHOW") and the
	// wire layer appends the row count.
	Tag string
	// Fields and Rows are set for statements that return rows.
	Fields []Field
	Rows   Rows
	// ParameterStatus lists settings the client must be told about (ParameterStatus
	// messages), e.g. after SET application_name.
	ParameterStatus map[string]string
	// Copy asks the wire layer to send the rows as COPY ... TO STDOUT.
	Copy *CopyOut
}

// CopyOut describes a COPY (query) TO STDOUT.
type CopyOut struct {
	Format    string // "text", "csv" or "binary"
	Delimiter string // default "\t" for text and "," for csv
	Null      string // default `\N` for text and "" for csv
	Header    bool   // csv only
}

// Statement is one parsed and analysed statement, ready to be described and run.
type Statement interface {
	// ParamOIDs are the parameter types: those the client gave, the others inferred
	// (0 stays 0 only where nothing could be inferred; the value is then text).
	ParamOIDs() []uint32
	// Fields describes the result columns; nil means the statement returns no rows.
	Fields() []Field
	// Run executes the statement with parameter values already decoded by the wire
	// layer (nil for SQL NULL; int64, float64, bool, string, []byte, time.Time,
	// a decimal string for numeric, or []any of those for a one-dimensional array).
	Run(ctx context.Context, params []any) (*Result, error)
	// Close releases what the statement holds.
	Close()
}

// StartupInfo is what a client said in its StartupMessage.
type StartupInfo struct {
	User       string
	Database   string
	Parameters map[string]string // every startup parameter, including options
	RemoteAddr net.Addr
}

// Session is one client connection's SQL state: settings, transaction, cursors.
type Session interface {
	// Parse splits sql into statements and analyses each. paramOIDs are the types the
	// client declared (extended protocol), nil for the simple protocol.
	Parse(ctx context.Context, sql string, paramOIDs []uint32) ([]Statement, error)
	// TxStatus is the ReadyForQuery status byte: 'I', 'T' or 'E'.
	TxStatus() byte
	// FailTransaction marks an open transaction failed after an error ('E').
	FailTransaction()
	// Setting returns a session setting's current value ("" if unknown), e.g. TimeZone,
	// DateStyle, statement_timeout, extra_float_digits.
	Setting(name string) string
	// Close ends the session and releases what it holds.
	Close()
}

// Handler creates sessions. It is called after authentication.
type Handler interface {
	NewSession(ctx context.Context, info StartupInfo) (Session, error)
	// ServerParameters are the ParameterStatus values sent after authentication, for
	// the given session (server_version, server_encoding, client_encoding, DateStyle,
	// TimeZone, integer_datetimes, standard_conforming_strings, application_name, ...).
	ServerParameters(s Session) map[string]string
}
