// Package pgerr is the one place that names the SQLSTATE codes lakegate sends and
// turns any error into a PostgreSQL ErrorResponse's fields.
package pgerr
