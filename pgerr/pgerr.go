package pgerr

import (
	"context"
	"errors"
	"fmt"
)

// SQLSTATE codes lakegate sends. See PostgreSQL's errcodes.txt.
const (
	SuccessfulCompletion        = "00000"
	ProtocolViolation           = "08P01"
	FeatureNotSupported         = "0A000"
	InvalidTransactionState     = "25000"
	ReadOnlySQLTransaction      = "25006"
	InFailedSQLTransaction      = "25P02"
	InvalidAuthorization        = "28000"
	InvalidPassword             = "28P01"
	InvalidCatalogName          = "3D000"
	InvalidSchemaName           = "3F000"
	SyntaxError                 = "42601"
	InsufficientPrivilege       = "42501"
	UndefinedTable              = "42P01"
	UndefinedColumn             = "42703"
	AmbiguousColumn             = "42702"
	UndefinedFunction           = "42883"
	UndefinedObject             = "42704"
	DuplicatePreparedStatement  = "42P05"
	InvalidSQLStatementName     = "26000"
	InvalidCursorName           = "34000"
	DuplicateCursor             = "42P03"
	DataException               = "22000"
	InvalidParameterValue       = "22023"
	InvalidTextRepresentation   = "22P02"
	NumericValueOutOfRange      = "22003"
	DivisionByZero              = "22012"
	InvalidBinaryRepresentation = "22P03"
	CantChangeRuntimeParam      = "55P02"
	UndefinedParameter          = "42704"
	QueryCanceled               = "57014"
	AdminShutdown               = "57P01"
	TooManyConnections          = "53300"
	OutOfMemory                 = "53200"
	ProgramLimitExceeded        = "54000"
	ConnectionFailure           = "08006"
	ConnectionException         = "08000"
	ExternalRoutineException    = "38000"
	DataCorrupted               = "XX001"
	Internal                    = "XX000"
	IOError                     = "58030"
	IdleInTransactionTimeout    = "25P03"
	IdleSessionTimeout          = "57P05"
	DatatypeMismatch            = "42804"
)

// Error is an error a client sees as an ErrorResponse.
type Error struct {
	Severity string // ERROR unless set (FATAL for connection-ending errors)
	Code     string
	Message  string
	Detail   string
	Hint     string
	Position int32 // 1-based character position in the statement, 0 if unknown
	Err      error // the internal cause, never sent to the client
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s (SQLSTATE %s): %v", e.Message, e.Code, e.Err)
	}
	return fmt.Sprintf("%s (SQLSTATE %s)", e.Message, e.Code)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an Error with a formatted message.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an Error with a message that keeps cause for logs.
func Wrap(cause error, code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: cause}
}

// WithDetail sets Detail and returns e.
func (e *Error) WithDetail(format string, args ...any) *Error {
	e.Detail = fmt.Sprintf(format, args...)
	return e
}

// WithHint sets Hint and returns e.
func (e *Error) WithHint(format string, args ...any) *Error {
	e.Hint = fmt.Sprintf(format, args...)
	return e
}

// From turns any error into an *Error: a wrapped *Error is returned as is, a cancelled
// or timed-out context becomes 57014, anything else an internal error.
func From(err error) *Error {
	if err == nil {
		return nil
	}
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	if errors.Is(err, context.Canceled) {
		return &Error{Code: QueryCanceled, Message: "canceling statement due to user request", Err: err}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Code: QueryCanceled, Message: "canceling statement due to statement timeout", Err: err}
	}
	return &Error{Code: Internal, Message: err.Error(), Err: err}
}

// Code returns the SQLSTATE of err, as From would assign it.
func Code(err error) string {
	if err == nil {
		return ""
	}
	return From(err).Code
}

// Codes added for the wire layer's parameter decoding.
const (
	InvalidDatetimeFormat    = "22007"
	DatetimeFieldOverflow    = "22008"
	CharacterNotInRepertoire = "22021"
)
