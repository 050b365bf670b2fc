// Package wire is lakegate's PostgreSQL v3 protocol server: startup, TLS,
// authentication (SCRAM-SHA-256 and -PLUS, md5, password, trust) chosen by
// pg_hba.conf-like rules, the simple and extended query protocols, cancellation,
// timeouts and COPY TO STDOUT, encoding Arrow result batches as DataRows.
//
// # Connection lifecycle
//
// Server.Serve accepts a net.Conn and starts one goroutine per connection
// (conn.serve). That goroutine does the startup synchronously (startup.go): it
// answers SSLRequest with 'S' and runs the TLS handshake when Config.TLS is set ('N'
// otherwise, and always for GSSENCRequest), acts on a CancelRequest and closes, or
// reads the StartupMessage. MaxConnections is checked (53300), then the HBA rules
// (hba.go) pick the auth method from the connection type (TLS or not), database,
// user and client address; no matching rule, a reject rule, or plaintext under
// RequireTLS ends in 28000 with PostgreSQL's "no pg_hba.conf entry" wording. The
// method runs (auth.go, auth_scram.go): SCRAM-SHA-256, plus SCRAM-SHA-256-PLUS with
// tls-server-end-point channel binding on TLS; md5 with PostgreSQL's challenge; or
// a cleartext password checked against the stored verifier. Unknown users go
// through the same exchange and get the same 28P01 as a wrong password. Then the
// Handler gives a Session and the server sends ParameterStatus, BackendKeyData and
// the first ReadyForQuery. The whole startup runs under Config.StartupTimeout, so
// a load-balancer probe that says nothing is closed.
//
// After startup two goroutines share the connection:
//
//   - the reader (conn.readLoop) only reads: it frames messages (bounded by
//     Config.MaxMessageSize) and hands each, with a body it owns, to the connection
//     goroutine through a small channel. When the socket fails it cancels the
//     connection context at once, so a client that hangs up mid-query stops the
//     query without waiting for the next write.
//   - the connection goroutine (conn.loop) is the only writer. It decodes each
//     message with pgproto3, runs it against the Session and buffers the answers in
//     a pgproto3.Backend. Output is flushed at ReadyForQuery, at Flush, and whenever
//     about 64 KiB are waiting while rows stream, so no result is held in memory.
//
// While the connection waits for the client after ReadyForQuery it also watches
// idle_in_transaction_session_timeout (in a transaction block: FATAL 25P03) and
// idle_session_timeout (outside one: FATAL 57P05), both read from Session.Setting,
// and Server.Shutdown, which closes idle sessions at once (57P01) and lets running
// statements finish until its context ends. A message over MaxMessageSize is a
// FATAL 08P01; what the client was still sending of it is drained first so that
// the client reads the error. A malformed body inside intact framing is an ERROR
// 08P01, and the connection goes on, as in PostgreSQL.
//
// # Statements and portals
//
// A simple Query is parsed by Session.Parse into statements; each runs as a
// throw-away portal with text results. The extended protocol keeps named and
// unnamed prepared statements and portals in maps on the connection. A portal's
// Result is produced by Statement.Run at its first Execute; with a row limit the
// Rows stream stays open in the portal between Executes (PortalSuspended). After
// an error every message up to Sync is skipped. Sync closes portals when no
// transaction block is open.
//
// Batches returned by Rows.Next are owned by the wire layer, which releases each
// batch when it has sent its rows; a Rows implementation that keeps a batch must
// Retain it before returning it.
//
// # Cancellation
//
// Every portal has a context derived from the connection's. Statement.Run and every
// Rows.Next get it. Three things cancel it, each with its own cause:
//
//   - a CancelRequest on another connection whose (pid, secret) matches a live
//     BackendKeyData cancels the statement running at that moment ("canceling
//     statement due to user request", 57014);
//   - statement_timeout (Session.Setting, read per statement) arms a timer for each
//     Execute ("canceling statement due to statement timeout", 57014);
//   - the client hanging up, Server.Shutdown's deadline, or the Serve context ending
//     cancel the connection context and with it every portal.
//
// The error sent is taken from context.Cause when the context ended, so the
// client sees why, whatever error the engine returned on the way out.
//
// # Encoding
//
// FieldForArrow maps Arrow types to PostgreSQL types. For each result column one
// encoder is chosen from its Arrow type, declared type OID and format code
// (encode_text.go, encode_binary.go, encode_array.go) and rebound to each batch's
// arrays; a DataRow is then written straight into the output buffer. Bind
// parameters are decoded by decode.go. timestamptz is written in the session's
// TimeZone, read as PostgreSQL reads it (ParseTimeZone: IANA names, numeric hours
// east, POSIX offsets west).
//
// # Protocol scripts
//
// testdata/scripts holds exchanges of frontend messages and the backend messages
// PostgreSQL answers (script_test.go): the same scripts run against this server
// with a test handler and against a real PostgreSQL 15.
package wire
