package integration

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"
	"github.com/jackc/pgx/v5"
	"github.com/parquet-go/parquet-go"
)

// TestIceberg checks Iceberg semantics end to end through pgx: time travel, metadata
// tables, snapshot isolation, deletes with sequence numbers, schema and partition
// evolution, every transform, format v1, and the external fixtures.
func TestIceberg(t *testing.T) {
	l := newIceLake(t)

	// events: three snapshots (append, append, position delete), a tag and a branch.
	events := l.create(t, "events", iceberg.NewSchema(0, field(1, "id", iceberg.PrimitiveTypes.Int64), field(2, "name", iceberg.PrimitiveTypes.String)), nil, v2Props)
	events = appendJSON(t, events, `[{"id":1,"name":"a"},{"id":2,"name":"b"},{"id":3,"name":"c"}]`)
	events = appendJSON(t, events, `[{"id":4,"name":"d"},{"id":5,"name":"e"}]`)
	events = deleteWhere(t, events, iceberg.EqualTo(iceberg.Reference("id"), int64(2)))
	evSnaps := snapIDs(events)
	events = l.setRef(t, events, "first", evSnaps[0], table.TagRef)
	events = l.setRef(t, events, "b2", evSnaps[1], table.BranchRef)

	// eq: equality deletes and their sequence-number rule, mixed with position deletes.
	eq := l.create(t, "eq", iceberg.NewSchema(0, field(1, "id", iceberg.PrimitiveTypes.Int64), field(2, "k", iceberg.PrimitiveTypes.String)), nil, v2Props)
	eq = appendJSON(t, eq, `[{"id":1,"k":"a"},{"id":2,"k":"b"},{"id":3,"k":"c"}]`)
	eq = deleteEqual(t, eq, []string{"k"}, `[{"k":"b"}]`)
	eq = appendJSON(t, eq, `[{"id":4,"k":"b"},{"id":5,"k":"d"}]`) // later than the delete: k=b survives
	eq = deleteEqual(t, eq, []string{"id"}, `[{"id":1}]`)
	eq = deleteWhere(t, eq, iceberg.EqualTo(iceberg.Reference("id"), int64(3)))

	// eqdrop: an equality delete on a column dropped later cannot be applied: refused.
	eqdrop := l.create(t, "eqdrop", iceberg.NewSchema(0, field(1, "id", iceberg.PrimitiveTypes.Int64), field(2, "k", iceberg.PrimitiveTypes.String)), nil, v2Props)
	eqdrop = appendJSON(t, eqdrop, `[{"id":1,"k":"a"},{"id":2,"k":"b"}]`)
	eqdrop = deleteEqual(t, eqdrop, []string{"k"}, `[{"k":"b"}]`)
	eqdropDelete := eqdrop.Metadata().CurrentSnapshot().SnapshotID
	tx := eqdrop.NewTransaction()
	if err := tx.UpdateSchema(true, false).DeleteColumn([]string{"k"}).Commit(); err != nil {
		t.Fatal(err)
	}
	commit(t, tx)

	l.buildEvolution(t)
	parts := l.buildPartitioned(t)

	v1 := l.create(t, "v1", iceberg.NewSchema(0, field(1, "id", iceberg.PrimitiveTypes.Int32), field(2, "s", iceberg.PrimitiveTypes.String)), nil,
		iceberg.Properties{table.PropertyFormatVersion: "1"})
	v1 = appendJSON(t, v1, `[{"id":1,"s":"x"},{"id":2,"s":"y"},{"id":3,"s":"z"}]`)
	v1 = deleteWhere(t, v1, iceberg.EqualTo(iceberg.Reference("id"), int32(2))) // copy-on-write on v1
	if err := l.cat.CreateNamespace(testCtx(t), table.Identifier{iceNS, "sub"}, nil); err != nil {
		t.Fatal(err)
	}
	nested, err := l.cat.CreateTable(testCtx(t), table.Identifier{iceNS, "sub", "nested"},
		iceberg.NewSchema(0, field(1, "id", iceberg.PrimitiveTypes.Int64)), icecat.WithProperties(v2Props))
	if err != nil {
		t.Fatal(err)
	}
	appendJSON(t, nested, `[{"id":7},{"id":8}]`)
	l.buildNoFieldIDs(t)
	iso := l.create(t, "iso", iceberg.NewSchema(0, field(1, "id", iceberg.PrimitiveTypes.Int64)), nil, v2Props)
	iso = appendJSON(t, iso, `[{"id":1},{"id":2}]`)

	l.serve(t, fixturesConfig(t))
	c := l.connect(t, "ice")

	t.Run("TimeTravel", func(t *testing.T) { testTimeTravel(t, l, c, events) })
	t.Run("MetadataTables", func(t *testing.T) { testMetadataTables(t, c, events, parts) })
	t.Run("Isolation", func(t *testing.T) { testIsolation(t, l, iso) })
	t.Run("EqualityDeletes", func(t *testing.T) {
		wantRows(t, c, []string{"4|b", "5|d"}, "SELECT id, k FROM t.eq ORDER BY id")
		wantCode(t, c, "0A000", "SELECT * FROM t.eqdrop", "t.eqdrop")
		// Its snapshot read with the schema it was written with still has the column.
		wantRows(t, c, idList(1), fmt.Sprintf(`SELECT id FROM t."eqdrop@%d"`, eqdropDelete))
		want := [][]int{{1, 2, 3}, {1, 3}, {1, 3, 4, 5}, {3, 4, 5}, {4, 5}}
		for i, id := range snapIDs(eq) {
			wantRows(t, c, idList(want[i]...), fmt.Sprintf(`SELECT id FROM t."eq@%d" ORDER BY id`, id))
		}
	})
	t.Run("SchemaEvolution", func(t *testing.T) { testSchemaEvolution(t, c) })
	t.Run("Partitions", func(t *testing.T) { testPartitions(t, c) })
	t.Run("Catalogs", func(t *testing.T) {
		// A nested namespace is the schema "t.sub".
		wantRows(t, c, idList(7, 8), `SELECT id FROM "t.sub".nested ORDER BY id`)
		wantRows(t, c, []string{"t.sub"}, `SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = 't.sub'`)
		if fixturesRoot() != "" {
			// Another configured catalog, named as a database.
			wantRows(t, c, []string{"3"}, "SELECT count(*) FROM fx.fx.ddb_legacy_v1")
		}
	})
	t.Run("NoFieldIDs", func(t *testing.T) {
		// Columns resolved through the name mapping AddFiles set, not by field id.
		wantRows(t, c, []string{"1|one|NULL", "2|NULL|2.5", "3|three|3.5"}, "SELECT id, name, score FROM t.noids ORDER BY id")
		wantRows(t, c, []string{"2"}, "SELECT count(*) FROM t.noids WHERE name IS NOT NULL")
	})
	t.Run("FormatV1", func(t *testing.T) {
		if v1.Metadata().Version() != 1 {
			t.Fatalf("table is format v%d", v1.Metadata().Version())
		}
		wantRows(t, c, []string{"1|x", "3|z"}, "SELECT id, s FROM t.v1 ORDER BY id")
		wantRows(t, c, idList(1, 2, 3), fmt.Sprintf(`SELECT id FROM t."v1@%d" ORDER BY id`, snapIDs(v1)[0]))
	})
	t.Run("Fixtures", func(t *testing.T) { testFixtures(t, l) })
}

func testTimeTravel(t *testing.T, l *iceLake, c *pgx.Conn, events *table.Table) {
	ctx := testCtx(t)
	s := events.Metadata().Snapshots()
	wantRows(t, c, idList(1, 3, 4, 5), "SELECT id FROM t.events ORDER BY id")
	wantRows(t, c, idList(1, 2, 3), fmt.Sprintf(`SELECT id FROM t."events@%d" ORDER BY id`, s[0].SnapshotID))
	wantRows(t, c, idList(1, 2, 3, 4, 5), fmt.Sprintf(`SELECT id FROM t."events@%d" ORDER BY id`, s[1].SnapshotID))
	wantRows(t, c, idList(1, 2, 3), `SELECT id FROM t."events@first" ORDER BY id`)
	wantRows(t, c, idList(1, 2, 3, 4, 5), `SELECT id FROM t."events@b2" ORDER BY id`)
	wantRows(t, c, idList(1, 3, 4, 5), `SELECT id FROM t."events@main" ORDER BY id`)
	at := func(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05.000+00") }
	// At a snapshot's commit time that snapshot is current; a millisecond before, its parent.
	wantRows(t, c, idList(1, 2, 3, 4, 5), fmt.Sprintf(`SELECT id FROM t."events@%s" ORDER BY id`, at(s[1].TimestampMs)))
	wantRows(t, c, idList(1, 2, 3), fmt.Sprintf(`SELECT id FROM t."events@%s" ORDER BY id`, at(s[1].TimestampMs-1)))
	wantRows(t, c, idList(1, 2, 3), fmt.Sprintf(`SELECT id FROM t."events@%s" ORDER BY id`,
		time.UnixMilli(s[0].TimestampMs).UTC().Format(time.RFC3339Nano)))
	// Two versions of one table in one statement.
	wantRows(t, c, []string{"2"}, `SELECT count(*) FROM t."events@first" a JOIN t.events b USING (id)`)
	wantRows(t, c, []string{"1|3|3"}, `SELECT min(id), max(id), count(*) FROM t."events@first"`)
	plan := strings.Join(queryStrings(t, c, `EXPLAIN SELECT * FROM t."events@first" JOIN t."events$snapshots" s ON true`), "\n")
	if !strings.Contains(plan, fmt.Sprintf("Snapshot: %d", s[0].SnapshotID)) {
		t.Errorf("EXPLAIN does not show the snapshot read:\n%s", plan)
	}

	// The session setting applies to every table without a version of its own.
	for _, v := range []string{strconv.FormatInt(s[0].SnapshotID, 10), at(s[0].TimestampMs)} {
		if _, err := c.Exec(ctx, "SET lakegate.as_of = '"+v+"'"); err != nil {
			t.Fatal(err)
		}
		wantRows(t, c, idList(1, 2, 3), "SELECT id FROM t.events ORDER BY id")
		wantRows(t, c, idList(1, 3, 4, 5), `SELECT id FROM t."events@main" ORDER BY id`)
		wantRows(t, c, []string{v}, "SHOW lakegate.as_of")
	}
	if _, err := c.Exec(ctx, "SET lakegate.as_of = '"+at(s[1].TimestampMs)+"'"); err != nil {
		t.Fatal(err)
	}
	wantRows(t, c, idList(1, 2, 3, 4, 5), "SELECT id FROM t.events ORDER BY id")
	if _, err := c.Exec(ctx, "SET lakegate.as_of = '1'"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c, "42704", "SELECT id FROM t.events", "t.events")
	if _, err := c.Exec(ctx, "RESET lakegate.as_of"); err != nil {
		t.Fatal(err)
	}
	wantRows(t, c, idList(1, 3, 4, 5), "SELECT id FROM t.events ORDER BY id")

	wantCode(t, c, "42P01", `SELECT * FROM t."events@12345"`, "t.events")
	wantCode(t, c, "42P01", `SELECT * FROM t."events@nosuchref"`, "t.events")
	wantCode(t, c, "22000", `SELECT * FROM t."events@1970-01-02 00:00:00+00"`, "t.events")
	wantCode(t, c, "22023", `SET lakegate.as_of = 'yesterday-ish'`)
	wantCode(t, c, "42P01", `SELECT * FROM t."nosuch@1"`)
	// Prepared statements re-resolve the version at each execution.
	if _, err := c.Exec(ctx, "SET lakegate.as_of = ''"); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := c.QueryRow(ctx, `SELECT count(*) FROM t."events@first" WHERE id > $1`, 1).Scan(&n); err != nil || n != 2 {
		t.Errorf("prepared time travel: %d, %v", n, err)
	}
}

func testMetadataTables(t *testing.T, c *pgx.Conn, events, parts *table.Table) {
	ctx := testCtx(t)
	meta := events.Metadata()
	var want []string
	for _, s := range meta.Snapshots() {
		parent := "NULL"
		if s.ParentSnapshotID != nil {
			parent = strconv.FormatInt(*s.ParentSnapshotID, 10)
		}
		want = append(want, fmt.Sprintf("%s|%d|%s|%s|%s", time.UnixMilli(s.TimestampMs).UTC().Format("2006-01-02 15:04:05.999999"),
			s.SnapshotID, parent, s.Summary.Operation, s.ManifestList))
	}
	wantRows(t, c, want, `SELECT committed_at, snapshot_id, parent_id, operation, manifest_list FROM t."events$snapshots" ORDER BY committed_at`)
	var added string
	last := meta.CurrentSnapshot()
	if err := c.QueryRow(ctx, `SELECT summary->>'total-records' FROM t."events$snapshots" WHERE snapshot_id = $1`, last.SnapshotID).Scan(&added); err != nil ||
		added != last.Summary.Properties["total-records"] {
		t.Errorf("summary total-records: %q, %v; want %q", added, err, last.Summary.Properties["total-records"])
	}

	want = want[:0]
	for e := range meta.SnapshotLogs() {
		s := meta.SnapshotByID(e.SnapshotID)
		parent := "NULL"
		if s.ParentSnapshotID != nil {
			parent = strconv.FormatInt(*s.ParentSnapshotID, 10)
		}
		want = append(want, fmt.Sprintf("%s|%d|%s|true", time.UnixMilli(e.TimestampMs).UTC().Format("2006-01-02 15:04:05.999999"), e.SnapshotID, parent))
	}
	wantRows(t, c, want, `SELECT made_current_at, snapshot_id, parent_id, is_current_ancestor FROM t."events$history" ORDER BY made_current_at`)

	ids := snapIDs(events)
	wantRows(t, c, []string{fmt.Sprintf("b2|BRANCH|%d", ids[1]), fmt.Sprintf("first|TAG|%d", ids[0]), fmt.Sprintf("main|BRANCH|%d", ids[2])},
		`SELECT name, type, snapshot_id FROM t."events$refs" ORDER BY name`)

	// $files and $manifests against what iceberg-go lists for the current snapshot.
	fs, err := events.FS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	manifests, err := last.Manifests(fs)
	if err != nil {
		t.Fatal(err)
	}
	var wantFiles []string
	var wantManifests []string
	for _, m := range manifests {
		wantManifests = append(wantManifests, fmt.Sprintf("%s|%d|%d", m.FilePath(), m.AddedDataFiles(), m.AddedRows()))
		entries, err := m.FetchEntries(fs, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			f := e.DataFile()
			wantFiles = append(wantFiles, fmt.Sprintf("%d|%s|PARQUET|%d|%d", f.ContentType(), f.FilePath(), f.Count(), f.FileSizeBytes()))
		}
	}
	slices.Sort(wantFiles)
	slices.Sort(wantManifests)
	wantRows(t, c, wantFiles, `SELECT content, file_path, file_format, record_count, file_size_in_bytes FROM t."events$files" ORDER BY content, file_path`)
	wantRows(t, c, wantManifests, `SELECT path, added_data_files_count, added_rows_count FROM t."events$manifests" ORDER BY path`)
	// $files at an older version, and bounds rendered as text.
	wantRows(t, c, []string{"1|1|3"}, fmt.Sprintf(`SELECT count(*), min(lower_bounds->>'1'), max(upper_bounds->>'1') FROM t."events@%d$files"`, ids[0]))

	// $partitions of a partitioned table: one row per partition, counts from the files.
	type agg struct{ rows, files int64 }
	pm := map[string]*agg{}
	fs, _ = parts.FS(ctx)
	pman, err := parts.Metadata().CurrentSnapshot().Manifests(fs)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range pman {
		entries, err := m.FetchEntries(fs, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			key := fmt.Sprint(e.DataFile().SpecID(), len(e.DataFile().Partition()), e.DataFile().Partition())
			if pm[key] == nil {
				pm[key] = &agg{}
			}
			pm[key].rows += e.DataFile().Count()
			pm[key].files++
		}
	}
	var total, nfiles int64
	for _, a := range pm {
		total += a.rows
		nfiles += a.files
	}
	wantRows(t, c, []string{fmt.Sprintf("%d|%d|%d", len(pm), total, nfiles)}, `SELECT count(*), sum(record_count)::bigint, sum(file_count)::bigint FROM t."parts$partitions"`)

	// Metadata tables exist only when named.
	wantRows(t, c, []string{"0"}, `SELECT count(*) FROM pg_catalog.pg_class WHERE relname LIKE '%$%' OR relname LIKE '%@%'`)
	wantRows(t, c, []string{"0"}, `SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '%$%'`)
	wantCode(t, c, "42P01", `SELECT * FROM t."events$nosuch"`)
}

func testIsolation(t *testing.T, l *iceLake, iso *table.Table) {
	ctx := testCtx(t)
	a := l.connect(t, "ice")
	count := func(c *pgx.Conn) int64 {
		t.Helper()
		var n int64
		if err := c.QueryRow(ctx, "SELECT count(*) FROM t.iso").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	n := int64(2)
	next := 3
	add := func() {
		iso = appendJSON(t, iso, fmt.Sprintf(`[{"id":%d}]`, next))
		next++
		n++
	}
	for _, begin := range []string{"BEGIN ISOLATION LEVEL REPEATABLE READ", "BEGIN ISOLATION LEVEL SERIALIZABLE",
		"BEGIN; SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", "START TRANSACTION; SET transaction_isolation = 'serializable'",
		"SET default_transaction_isolation = 'repeatable read'; BEGIN"} {
		if _, err := a.Exec(ctx, begin); err != nil {
			t.Fatal(err)
		}
		before := n
		if got := count(a); got != before {
			t.Errorf("%s: first read %d, want %d", begin, got, before)
		}
		add()
		if got := count(a); got != before {
			t.Errorf("%s: after a commit the transaction reads %d rows, want its snapshot's %d", begin, got, before)
		}
		// A self-join reads one snapshot too.
		var m int64
		if err := a.QueryRow(ctx, "SELECT count(*) FROM t.iso x JOIN t.iso y USING (id)").Scan(&m); err != nil || m != before {
			t.Errorf("%s: self-join %d, %v; want %d", begin, m, err, before)
		}
		if _, err := a.Exec(ctx, "COMMIT"); err != nil {
			t.Fatal(err)
		}
		if got := count(a); got != n {
			t.Errorf("%s: after COMMIT %d rows, want %d", begin, got, n)
		}
		if _, err := a.Exec(ctx, "RESET default_transaction_isolation"); err != nil {
			t.Fatal(err)
		}
	}
	// The lookup lane serves a pinned snapshot only: once it answers lookups in a
	// repeatable read transaction, a commit's new row stays invisible there.
	const lookup = "SELECT id FROM t.iso WHERE id = $1"
	fp := fingerprint(t, lookup)
	if _, err := a.Exec(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ"); err != nil {
		t.Fatal(err)
	}
	lookupIDs := func(id int) []string {
		t.Helper()
		return queryText(t, ctx, a, lookup, []any{id})
	}
	for deadline := time.Now().Add(60 * time.Second); laneRecordsIn(t, filepath.Join(l.dir, "gateway.log"), fp) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the lookup lane never answered inside the transaction")
		}
		if got := lookupIDs(1); len(got) != 1 {
			t.Fatalf("lookup of id 1: %v", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	newID := next
	add()
	if got := lookupIDs(newID); len(got) != 0 {
		t.Errorf("repeatable read: lookup of id %d committed after the snapshot returned %v", newID, got)
	}
	if got := lookupIDs(1); len(got) != 1 {
		t.Errorf("repeatable read: lookup of id 1 returned %v", got)
	}
	if _, err := a.Exec(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	if got := lookupIDs(newID); len(got) != 1 {
		t.Errorf("after COMMIT: lookup of id %d returned %v, want it", newID, got)
	}

	// A commit that lands while a query's rows are being read does not change them.
	rows, err := a.Query(ctx, "SELECT id FROM t.iso ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	before, read := n, int64(0)
	for rows.Next() {
		if read == 0 {
			add()
		}
		read++
	}
	if rows.Close(); rows.Err() != nil || read != before {
		t.Errorf("query running across a commit read %d rows (%v), want %d", read, rows.Err(), before)
	}

	// READ COMMITTED: every statement sees the latest commit.
	if _, err := a.Exec(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	count(a)
	add()
	if got := count(a); got != n {
		t.Errorf("read committed: %d rows, want %d", got, n)
	}
	wantRows(t, a, []string{"read committed"}, "SHOW transaction_isolation")
	if _, err := a.Exec(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}

	// Commits in a loop while readers run: every read sees one whole snapshot, i.e.
	// ids 1..k for some k the writer committed.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 16)
	for r := 0; r < 2; r++ {
		c := l.connect(t, "ice")
		wg.Add(1)
		go func() {
			defer wg.Done()
			for reads := 0; ; reads++ {
				select {
				case <-stop:
					if reads == 0 {
						errs <- fmt.Errorf("reader made no reads")
					}
					return
				default:
				}
				var k, sum, maxID int64
				if err := c.QueryRow(ctx, "SELECT count(*), sum(id), max(id) FROM t.iso").Scan(&k, &sum, &maxID); err != nil {
					errs <- err
					return
				}
				if k != maxID || sum != k*(k+1)/2 {
					errs <- fmt.Errorf("inconsistent read: count %d, sum %d, max %d", k, sum, maxID)
					return
				}
			}
		}()
	}
	for i := 0; i < 8; i++ {
		add()
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// buildEvolution writes t.evo: rows under a first schema, then every kind of schema
// change, then rows under the new schema.
func (l *iceLake) buildEvolution(t *testing.T) {
	sc := iceberg.NewSchema(0,
		field(1, "id", iceberg.PrimitiveTypes.Int32), field(2, "f", iceberg.PrimitiveTypes.Float32),
		field(3, "d", iceberg.DecimalTypeOf(9, 2)), field(4, "s", iceberg.PrimitiveTypes.String),
		field(5, "gone", iceberg.PrimitiveTypes.String))
	evo := l.create(t, "evo", sc, nil, v2Props)
	evo = appendJSON(t, evo, `[{"id":1,"f":1.5,"d":"12.34","s":"x","gone":"g"}]`)
	tx := evo.NewTransaction()
	up := tx.UpdateSchema(true, false).
		UpdateColumn([]string{"id"}, table.ColumnUpdate{FieldType: iceberg.Optional[iceberg.Type]{Valid: true, Val: iceberg.PrimitiveTypes.Int64}}).
		UpdateColumn([]string{"f"}, table.ColumnUpdate{FieldType: iceberg.Optional[iceberg.Type]{Valid: true, Val: iceberg.PrimitiveTypes.Float64}}).
		UpdateColumn([]string{"d"}, table.ColumnUpdate{FieldType: iceberg.Optional[iceberg.Type]{Valid: true, Val: iceberg.DecimalTypeOf(18, 2)}}).
		RenameColumn([]string{"s"}, "s2").
		DeleteColumn([]string{"gone"}).
		AddColumn([]string{"n"}, iceberg.PrimitiveTypes.Int64, "", false, nil).
		MoveFirst([]string{"s"})
	if err := up.Commit(); err != nil {
		t.Fatal(err)
	}
	evo = commit(t, tx)
	tx = evo.NewTransaction()
	// A new column with a dropped column's name is a new field id: old rows are NULL.
	if err := tx.UpdateSchema(true, false).AddColumn([]string{"gone"}, iceberg.PrimitiveTypes.String, "", false, nil).Commit(); err != nil {
		t.Fatal(err)
	}
	evo = commit(t, tx)
	appendJSON(t, evo, `[{"s2":"y","id":2,"f":2.25,"d":"56.78","n":7,"gone":"new"}]`)
}

func testSchemaEvolution(t *testing.T, c *pgx.Conn) {
	ctx := testCtx(t)
	rows, err := c.Query(ctx, "SELECT * FROM t.evo ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var oids []uint32
	for _, f := range rows.FieldDescriptions() {
		names = append(names, f.Name)
		oids = append(oids, f.DataTypeOID)
	}
	rows.Close()
	if want := []string{"s2", "id", "f", "d", "n", "gone"}; !slices.Equal(names, want) {
		t.Errorf("columns %v, want %v", names, want)
	}
	if want := []uint32{25, 20, 701, 1700, 20, 25}; !slices.Equal(oids, want) {
		t.Errorf("column types %v, want %v", oids, want)
	}
	wantRows(t, c, []string{"x|1|1.5|12.34|NULL|NULL", "y|2|2.25|56.78|7|new"},
		"SELECT s2, id, f, d::text, n, gone FROM t.evo ORDER BY id")
	wantRows(t, c, []string{"1"}, "SELECT id FROM t.evo WHERE f = 1.5 AND s2 = 'x' AND d = 12.34")
	// The first snapshot reads with the schema it was written with.
	var first int64
	if err := c.QueryRow(ctx, `SELECT min(snapshot_id) FILTER (WHERE parent_id IS NULL) FROM t."evo$snapshots"`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	wantRows(t, c, []string{"1|1.5|12.34|x|g"}, fmt.Sprintf(`SELECT id, f, d::text, s, gone FROM t."evo@%d"`, first))
}

// noIDRow is a row of a Parquet file written without field ids (parquet-go writes none).
type noIDRow struct {
	Score *float64 `parquet:"score,optional"` // out of schema order: matched by name
	ID    *int64   `parquet:"id,optional"`
	Name  *string  `parquet:"name,optional"`
}

// buildNoFieldIDs registers a Parquet file without field ids as t.noids, the way a
// Hive table is migrated: iceberg-go's AddFiles sets schema.name-mapping.default.
func (l *iceLake) buildNoFieldIDs(t *testing.T) {
	tbl := l.create(t, "noids", iceberg.NewSchema(0, field(1, "id", iceberg.PrimitiveTypes.Int64),
		field(2, "name", iceberg.PrimitiveTypes.String), field(3, "score", iceberg.PrimitiveTypes.Float64)), nil, v2Props)
	i64 := func(v int64) *int64 { return &v }
	f64 := func(v float64) *float64 { return &v }
	str := func(v string) *string { return &v }
	path := filepath.Join(l.dir, "warehouse", "noids.parquet")
	rows := []noIDRow{{ID: i64(1), Name: str("one")}, {ID: i64(2), Score: f64(2.5)}, {ID: i64(3), Name: str("three"), Score: f64(3.5)}}
	if err := parquet.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
	tx := tbl.NewTransaction()
	if err := tx.AddFiles(testCtx(t), []string{"file://" + path}, nil, false); err != nil {
		t.Fatal(err)
	}
	tbl = commit(t, tx)
	if tbl.Metadata().NameMapping() == nil {
		t.Fatal("AddFiles set no name mapping")
	}
}

// partRow is one row of t.parts; the expected answers are computed from these in Go.
type partRow struct {
	id  int64
	cat string
	ts  time.Time // timestamp without zone
	tz  time.Time // timestamptz
	d   time.Time // date
	amt string
}

var partRows = func() []partRow {
	var out []partRow
	base := time.Date(2023, 11, 28, 22, 0, 0, 0, time.UTC)
	cats := []string{"apple", "apricot", "banana", "cherry", ""}
	for i := 0; i < 40; i++ {
		out = append(out, partRow{
			id: int64(i), cat: cats[i%len(cats)],
			ts: base.Add(time.Duration(i*7) * time.Hour), tz: base.Add(time.Duration(i*13) * time.Hour),
			d: base.AddDate(0, i*2, 0), amt: fmt.Sprintf("%d.%02d", i*3, i%100),
		})
	}
	return out
}()

func partJSON(rows []partRow) string {
	parts := make([]string, len(rows))
	for i, r := range rows {
		cat := strconv.Quote(r.cat)
		if r.cat == "" {
			cat = "null"
		}
		parts[i] = fmt.Sprintf(`{"id":%d,"cat":%s,"ts":%q,"tz":%q,"d":%q,"amt":%q}`, r.id, cat,
			r.ts.Format("2006-01-02T15:04:05"), r.tz.Format("2006-01-02T15:04:05Z"), r.d.Format("2006-01-02"), r.amt)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// buildPartitioned writes t.parts under a spec with every transform, then evolves
// the spec (month(d) replaces year(d), most fields dropped) and writes more rows.
func (l *iceLake) buildPartitioned(t *testing.T) *table.Table {
	sc := iceberg.NewSchema(0,
		field(1, "id", iceberg.PrimitiveTypes.Int64), field(2, "cat", iceberg.PrimitiveTypes.String),
		field(3, "ts", iceberg.PrimitiveTypes.Timestamp), field(4, "tz", iceberg.PrimitiveTypes.TimestampTz),
		field(5, "d", iceberg.PrimitiveTypes.Date), field(6, "amt", iceberg.DecimalTypeOf(10, 2)))
	ids := []int{1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007}
	spec, err := iceberg.NewPartitionSpecOpts(
		iceberg.AddPartitionFieldBySourceID(2, "cat", iceberg.IdentityTransform{}, sc, &ids[0]),
		iceberg.AddPartitionFieldBySourceID(1, "id_bucket", iceberg.BucketTransform{NumBuckets: 4}, sc, &ids[1]),
		iceberg.AddPartitionFieldBySourceID(2, "cat_trunc", iceberg.TruncateTransform{Width: 2}, sc, &ids[2]),
		iceberg.AddPartitionFieldBySourceID(3, "ts_hour", iceberg.HourTransform{}, sc, &ids[3]),
		iceberg.AddPartitionFieldBySourceID(4, "tz_day", iceberg.DayTransform{}, sc, &ids[4]),
		iceberg.AddPartitionFieldBySourceID(5, "d_year", iceberg.YearTransform{}, sc, &ids[5]),
		iceberg.AddPartitionFieldBySourceID(6, "amt_void", iceberg.VoidTransform{}, sc, &ids[7]),
	)
	if err != nil {
		t.Fatal(err)
	}
	parts := l.create(t, "parts", sc, &spec, v2Props)
	parts = appendJSON(t, parts, partJSON(partRows[:20]))
	// Partition evolution: drop most fields, partition by a new one.
	tx := parts.NewTransaction()
	up := tx.UpdateSpec(true).RemoveField("id_bucket").RemoveField("cat_trunc").RemoveField("ts_hour").
		RemoveField("tz_day").RemoveField("d_year").AddField("d", iceberg.MonthTransform{}, "d_month")
	if err := up.Commit(); err != nil {
		t.Fatal(err)
	}
	parts = commit(t, tx)
	return appendJSON(t, parts, partJSON(partRows[20:]))
}

func testPartitions(t *testing.T, c *pgx.Conn) {
	ctx := testCtx(t)
	tsLit := func(x time.Time) string { return x.Format("2006-01-02 15:04:05") }
	mid := partRows[17]
	cases := []struct {
		where string
		keep  func(r partRow) bool
	}{
		{"cat = 'banana'", func(r partRow) bool { return r.cat == "banana" }},
		{"cat IS NULL", func(r partRow) bool { return r.cat == "" }},
		{"cat LIKE 'ap%'", func(r partRow) bool { return strings.HasPrefix(r.cat, "ap") }},
		{"cat >= 'b'", func(r partRow) bool { return r.cat >= "b" }},
		{"id = 7", func(r partRow) bool { return r.id == 7 }},
		{"id IN (3, 25, 38)", func(r partRow) bool { return r.id == 3 || r.id == 25 || r.id == 38 }},
		{"ts >= '" + tsLit(mid.ts) + "'", func(r partRow) bool { return !r.ts.Before(mid.ts) }},
		{"ts < '" + tsLit(mid.ts.Add(-30*time.Minute)) + "'", func(r partRow) bool { return r.ts.Before(mid.ts.Add(-30 * time.Minute)) }},
		{"tz > '" + mid.tz.Format("2006-01-02 15:04:05+00") + "'", func(r partRow) bool { return r.tz.After(mid.tz) }},
		{"d = '" + partRows[30].d.Format("2006-01-02") + "'", func(r partRow) bool { return r.d.Equal(partRows[30].d) }},
		{"d < '2026-01-01'", func(r partRow) bool { return r.d.Before(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) }},
		{"amt > 60", func(r partRow) bool { v, _ := strconv.ParseFloat(r.amt, 64); return v > 60 }},
	}
	for _, tc := range cases {
		var want []string
		for _, r := range partRows {
			if tc.keep(r) {
				want = append(want, strconv.FormatInt(r.id, 10))
			}
		}
		wantRows(t, c, want, "SELECT id FROM t.parts WHERE "+tc.where+" ORDER BY id")
	}
	// Pruning by partition values (and column bounds) across both specs.
	for _, where := range []string{"cat = 'banana'", "id = 7", "ts < '" + tsLit(partRows[3].ts) + "'",
		"d = '" + partRows[30].d.Format("2006-01-02") + "'", "tz > '" + partRows[35].tz.Format("2006-01-02 15:04:05+00") + "'"} {
		rows := queryStrings(t, c, "EXPLAIN SELECT * FROM t.parts WHERE "+where)
		m := regexp.MustCompile(`Data files: (\d+) scanned, (\d+) skipped`).FindStringSubmatch(strings.Join(rows, "\n"))
		if m == nil || m[2] == "0" {
			t.Errorf("EXPLAIN shows no pruning for %s: %q", where, rows)
		}
	}
	var n int64
	if err := c.QueryRow(ctx, "SELECT count(*) FROM t.parts").Scan(&n); err != nil || n != int64(len(partRows)) {
		t.Errorf("count %d, %v; want %d", n, err, len(partRows))
	}
}
