package planner

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/pgerr"
	"github.com/lakegate/lakegate/wire"
)

// Time travel and snapshot isolation.
//
// A table name may carry a version after '@' and a metadata table after '$', both
// inside one quoted identifier so PostgreSQL's grammar accepts them:
//
//	shop."sales@8270633197658268141"       a snapshot id
//	shop."sales@2026-11-01 12:00:00+00"    the snapshot current at that time
//	shop."sales@main", shop."sales@v1"     a branch or a tag
//	shop."sales$snapshots"                 a metadata table (see metatables.go)
//	shop."sales@v1$files"                  a metadata table at a version
//
// SET lakegate.as_of = '<timestamp>' | '<snapshot id>' applies a version to every lake
// table a statement reads that names none itself.
//
// In a REPEATABLE READ or SERIALIZABLE transaction the table metadata a statement
// loads first is kept until the transaction ends, so every later statement reads the
// same snapshots. Within one statement each table is loaded once, whatever the isolation.

// asOfSetting is the session setting that makes every read time travel.
const asOfSetting = "lakegate.as_of"

// splitTableName splits "t@version$meta" into its parts; version and meta may be empty.
func splitTableName(name string) (base, version, meta string) {
	base = name
	if i := strings.LastIndexByte(base, '$'); i > 0 {
		if k := strings.ToLower(base[i+1:]); metaTables[k] != nil {
			base, meta = base[:i], k
		}
	}
	if i := strings.IndexByte(base, '@'); i > 0 {
		base, version = base[:i], base[i+1:]
	}
	return base, version, meta
}

// txSnapshots is a session's snapshot isolation state.
type txSnapshots struct {
	tables map[string]*table.Table // metadata pinned by the transaction's first read
}

// repeatable reports whether an open transaction is REPEATABLE READ or SERIALIZABLE
// (however its level was set: BEGIN, SET TRANSACTION, transaction_isolation or
// default_transaction_isolation).
func (s *Session) repeatable() bool {
	if s.tx != txOpen && s.tx != txFailed {
		return false
	}
	level, _ := s.settings.Get("transaction_isolation")
	level = strings.ToLower(strings.TrimSpace(level))
	return level == "repeatable read" || level == "serializable"
}

func pinKey(cat *catalog.Catalog, ref catalog.TableRef) string {
	return cat.Database + "\x00" + ref.Namespace + "\x00" + ref.Name
}

// pinnedTable returns the metadata a repeatable transaction pinned for a table.
func (s *Session) pinnedTable(cat *catalog.Catalog, ref catalog.TableRef) *table.Table {
	if !s.repeatable() {
		return nil
	}
	return s.snaps.tables[pinKey(cat, ref)]
}

// loadTable loads a table's metadata for one statement: once per statement (cache),
// and once per transaction in a repeatable transaction.
func (s *Session) loadTable(ctx context.Context, cache map[string]*table.Table, cat *catalog.Catalog, ref catalog.TableRef) (*table.Table, error) {
	key := pinKey(cat, ref)
	if t := cache[key]; t != nil {
		return t, nil
	}
	t := s.pinnedTable(cat, ref)
	if t == nil {
		var err error
		if t, err = cat.LoadTable(ctx, ref); err != nil {
			return nil, err
		}
		if s.repeatable() {
			if s.snaps.tables == nil {
				s.snaps.tables = map[string]*table.Table{}
			}
			s.snaps.tables[key] = t
		}
	}
	if cache != nil {
		cache[key] = t
	}
	return t, nil
}

// beginTransaction starts snapshot pinning per the isolation level BEGIN names, or
// default_transaction_isolation.
func (s *Session) beginTransaction(options []*pg.Node) {
	if s.tx == txOpen || s.tx == txFailed {
		return // BEGIN inside a transaction changes nothing
	}
	level, _ := s.settings.Get("default_transaction_isolation")
	if l := isolationOption(options); l != "" {
		level = l
	}
	s.setIsolation(level)
	s.snaps.tables = nil
}

// setTransactionIsolation handles SET TRANSACTION ISOLATION LEVEL (for the open
// transaction, before its first read) and SET SESSION CHARACTERISTICS AS TRANSACTION.
func (s *Session) setTransactionIsolation(name string, options []*pg.Node) {
	l := isolationOption(options)
	switch {
	case l == "":
	case name == "SESSION CHARACTERISTICS":
		s.settings.values["default_transaction_isolation"] = l
		if s.tx != txOpen && s.tx != txFailed {
			s.settings.values["transaction_isolation"] = l // SHOW outside a transaction shows the new default
		}
	case name == "TRANSACTION" && (s.tx == txOpen || s.tx == txFailed) && len(s.snaps.tables) == 0:
		s.setIsolation(l)
	}
}

// endTransaction drops the pinned snapshots at COMMIT or ROLLBACK.
func (s *Session) endTransaction() {
	level, _ := s.settings.Get("default_transaction_isolation")
	s.setIsolation(level)
	s.snaps = txSnapshots{}
}

func (s *Session) setIsolation(level string) {
	if level = strings.ToLower(strings.TrimSpace(level)); level != "" {
		s.settings.values["transaction_isolation"] = level
	}
}

// isolationOption finds transaction_isolation among BEGIN / SET TRANSACTION options.
func isolationOption(options []*pg.Node) string {
	for _, o := range options {
		de := o.GetDefElem()
		if de == nil || de.Defname != "transaction_isolation" || de.Arg == nil {
			continue
		}
		if c := de.Arg.GetAConst(); c != nil && c.GetSval() != nil {
			return c.GetSval().Sval
		}
	}
	return ""
}

// tableVersion is what one scan reads: a snapshot (0 = the table has none) and the
// schema its rows are shown with.
type tableVersion struct {
	snapshotID int64
	schema     *iceberg.Schema
}

// resolveVersion picks the snapshot a reference reads: the one its name asks for,
// else the session's lakegate.as_of, else the current one.
func (s *Session) resolveVersion(r *scanRef, t *table.Table) (v tableVersion, err error) {
	defer func() { v = r.withLineage(v, err) }() // lineage.go
	meta := t.Metadata()
	spec, fromName := r.version, true
	if spec == "" {
		spec, _ = s.settings.Get(asOfSetting)
		spec, fromName = strings.TrimSpace(spec), false
	}
	if spec == "" {
		v := tableVersion{schema: meta.CurrentSchema()}
		if cur := meta.CurrentSnapshot(); cur != nil {
			v.snapshotID = cur.SnapshotID
		}
		return v, nil
	}
	name := r.ref.String()
	notFound := func() error {
		if fromName {
			return pgerr.New(pgerr.UndefinedTable, "relation \"%s@%s\" does not exist", name, spec).
				WithDetail("Table %s has no snapshot, branch or tag %q, and %q is not a timestamp.", name, spec, spec)
		}
		return pgerr.New(pgerr.UndefinedObject, "table %s has no snapshot %s (lakegate.as_of)", name, spec)
	}
	if id, err := strconv.ParseInt(spec, 10, 64); err == nil {
		if snap := meta.SnapshotByID(id); snap != nil {
			return snapshotVersion(meta, snap), nil
		}
		if !fromName {
			return tableVersion{}, notFound()
		}
	}
	if fromName {
		for refName, ref := range meta.Refs() {
			if refName != spec {
				continue
			}
			snap := meta.SnapshotByID(ref.SnapshotID)
			if snap == nil {
				return tableVersion{}, notFound()
			}
			if ref.SnapshotRefType == table.BranchRef {
				// A branch is read with the table's schema, as Iceberg's readers do.
				return tableVersion{snapshotID: snap.SnapshotID, schema: meta.CurrentSchema()}, nil
			}
			return snapshotVersion(meta, snap), nil
		}
	}
	ts, err := parseAsOf(spec, s.timeZone())
	if err != nil {
		if fromName {
			return tableVersion{}, notFound()
		}
		return tableVersion{}, pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter %q: %q", asOfSetting, spec).
			WithHint("Use a snapshot id or a timestamp such as '2026-11-01 12:00:00+00'.")
	}
	snap := t.SnapshotAsOf(ts.UnixMilli(), true)
	if snap == nil {
		return tableVersion{}, pgerr.New(pgerr.DataException, "table %s has no snapshot at or before %s",
			name, ts.UTC().Format("2006-01-02 15:04:05.999999Z07:00"))
	}
	return snapshotVersion(meta, snap), nil
}

// snapshotVersion reads a snapshot with the schema it was written with.
func snapshotVersion(meta table.Metadata, snap *table.Snapshot) tableVersion {
	v := tableVersion{snapshotID: snap.SnapshotID, schema: meta.CurrentSchema()}
	if snap.SchemaID != nil {
		for _, sc := range meta.Schemas() {
			if sc.ID == *snap.SchemaID {
				v.schema = sc
				break
			}
		}
	}
	return v
}

func (s *Session) timeZone() *time.Location {
	tz, _ := s.settings.Get("timezone")
	if loc, ok := wire.ParseTimeZone(tz); ok {
		return loc
	}
	return time.UTC
}

// asOfLayouts are the timestamp spellings accepted after '@' and in lakegate.as_of:
// PostgreSQL's output format and ISO 8601, with or without zone and fraction.
var asOfLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04Z07:00",
	"2006-01-02 15:04Z07",
	"2006-01-02 15:04",
	"2006-01-02",
}

// parseAsOf reads a time; one without a zone is in the session's TimeZone.
func parseAsOf(v string, loc *time.Location) (time.Time, error) {
	v = strings.TrimSpace(v)
	if len(v) > 10 && (v[10] == 'T' || v[10] == 't') {
		v = v[:10] + " " + v[11:]
	}
	for _, suffix := range []string{" UTC", " utc", " GMT", "Z", "z"} {
		if strings.HasSuffix(v, suffix) && len(v) > 10 {
			v = strings.TrimSuffix(v, suffix) + "+00:00"
			break
		}
	}
	for _, layout := range asOfLayouts {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a timestamp: %q", v)
}

// checkAsOf validates lakegate.as_of when it is SET: empty, a snapshot id or a time.
func checkAsOf(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	if _, err := strconv.ParseInt(v, 10, 64); err == nil {
		return v, nil
	}
	if _, err := parseAsOf(v, time.UTC); err != nil {
		return "", fmt.Errorf("expected a snapshot id or a timestamp such as '2026-11-01 12:00:00+00'")
	}
	return v, nil
}
