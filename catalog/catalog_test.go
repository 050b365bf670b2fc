package catalog_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"

	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/internal/pgserver"
	"github.com/lakegate/lakegate/pgerr"
	"github.com/lakegate/lakegate/pushdown"
)

// writeTable creates ns.name with three rows through iceberg-go's SQL catalog at
// props and returns it.
func writeTable(t *testing.T, props iceberg.Properties, ns table.Identifier, name string) *table.Table {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cat, err := icecat.Load(ctx, "writer", props)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if c, ok := cat.(icecat.Closer); ok {
			c.Close()
		}
	}()
	for i := range ns {
		if err := cat.CreateNamespace(ctx, ns[:i+1], nil); err != nil && !strings.Contains(err.Error(), "exists") {
			t.Fatal(err)
		}
	}
	sc := iceberg.NewSchema(0, iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64})
	tbl, err := cat.CreateTable(ctx, append(slices.Clone(ns), name), sc)
	if err != nil {
		t.Fatal(err)
	}
	asc, err := table.SchemaToArrowSchema(sc, nil, false, false)
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, asc, strings.NewReader(`[{"id":1},{"id":2},{"id":3}]`))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	rdr, _ := array.NewRecordReader(asc, []arrow.RecordBatch{rec})
	defer rdr.Release()
	tx := tbl.NewTransaction()
	if err := tx.Append(ctx, rdr, nil); err != nil {
		t.Fatal(err)
	}
	if tbl, err = tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return tbl
}

func sqliteProps(dir string) iceberg.Properties {
	return iceberg.Properties{
		"type": "sql", "uri": "file:" + filepath.Join(dir, "catalog.db"), "sql.driver": "sqlite", "sql.dialect": "sqlite",
		"warehouse": "file://" + filepath.Join(dir, "warehouse"),
	}
}

// checkReadable plans a scan of the loaded table: manifests and data files must be
// reachable through the catalog's remapping.
func checkReadable(t *testing.T, c *catalog.Catalog, ref catalog.TableRef, wantRows int64) {
	t.Helper()
	ctx := context.Background()
	tbl, err := c.LoadTable(ctx, ref)
	if err != nil {
		t.Fatalf("LoadTable(%s): %v", ref, err)
	}
	spec, err := pushdown.Plan(ctx, pushdown.Request{Name: ref.String(), Table: tbl, Remap: c.Remapper()})
	if err != nil {
		t.Fatalf("plan %s: %v", ref, err)
	}
	if spec.Stats.RowsKept != wantRows || len(spec.Groups) != 1 {
		t.Fatalf("plan %s: %d rows in %d groups, want %d rows", ref, spec.Stats.RowsKept, len(spec.Groups), wantRows)
	}
	for _, f := range spec.Groups[0].Files {
		if _, err := os.Stat(f.Path); err != nil {
			t.Errorf("data file %s (written as %s) is not readable: %v", f.Path, f.Location, err)
		}
	}
}

// restServer answers the Iceberg REST catalog endpoints lakegate uses, with bodies
// shaped as the REST spec (open-api/rest-catalog-open-api.yaml) defines them. Every
// route but the token endpoint requires the bearer token.
type restServer struct {
	t        *testing.T
	bearer   string            // token every catalog request must carry
	clientID string            // client credentials the token endpoint accepts
	secret   string            //
	tables   map[string]string // "ns\x1ftable" -> metadata location
	mu       sync.Mutex
	log      []string // "METHOD path auth"
}

func (s *restServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.log = append(s.log, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fail := func(code int, typ, msg string) {
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "code": code}})
	}
	if r.URL.Path == "/v1/oauth/tokens" {
		r.ParseForm()
		if r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("client_id") != s.clientID || r.PostForm.Get("client_secret") != s.secret {
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]any{"error": "invalid_client", "error_description": "bad credentials"})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"access_token": s.bearer, "token_type": "bearer", "expires_in": 3600,
			"issued_token_type": "urn:ietf:params:oauth:token-type:access_token"})
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.bearer {
		fail(http.StatusUnauthorized, "NotAuthorizedException", "Not authorized")
		return
	}
	path := strings.TrimPrefix(r.URL.EscapedPath(), "/v1/")
	parts := strings.Split(path, "/")
	switch {
	case path == "config":
		json.NewEncoder(w).Encode(map[string]any{"defaults": map[string]string{}, "overrides": map[string]string{}})
	case path == "namespaces":
		var out [][]string
		switch r.URL.Query().Get("parent") {
		case "":
			out = [][]string{{"shop"}, {"a"}}
		case "a":
			out = [][]string{{"a", "b"}}
		default:
			out = [][]string{}
		}
		json.NewEncoder(w).Encode(map[string]any{"namespaces": out})
	case len(parts) == 3 && parts[0] == "namespaces" && parts[2] == "tables":
		ns := strings.ReplaceAll(parts[1], "%1F", "\x1f")
		ids := []map[string]any{}
		for k := range s.tables {
			if n, name, _ := strings.Cut(k, "\x00"); n == ns {
				ids = append(ids, map[string]any{"namespace": strings.Split(ns, "\x1f"), "name": name})
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"identifiers": ids})
	case len(parts) == 4 && parts[0] == "namespaces" && parts[2] == "tables":
		ns := strings.ReplaceAll(parts[1], "%1F", "\x1f")
		loc, ok := s.tables[ns+"\x00"+parts[3]]
		if !ok {
			fail(http.StatusNotFound, "NoSuchTableException", "Table does not exist: "+parts[3])
			return
		}
		raw, err := os.ReadFile(strings.TrimPrefix(loc, "file://"))
		if err != nil {
			s.t.Error(err)
			fail(http.StatusInternalServerError, "ServerError", err.Error())
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"metadata-location": loc, "metadata": json.RawMessage(raw), "config": map[string]string{}})
	default:
		fail(http.StatusNotFound, "NoSuchNamespaceException", "no route "+path)
	}
}

func (s *restServer) exchanges() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// TestRESTCatalog runs the REST catalog against recorded REST-spec exchanges served by
// an httptest server (no REST catalog server can be installed here), with OAuth2
// client credentials and with a static bearer token.
func TestRESTCatalog(t *testing.T) {
	dir := t.TempDir()
	tbl := writeTable(t, sqliteProps(dir), table.Identifier{"shop"}, "items")
	deep := writeTable(t, sqliteProps(dir), table.Identifier{"a", "b"}, "deep")
	srv := &restServer{t: t, bearer: "tok-123", clientID: "lake", secret: "s3cret", tables: map[string]string{
		"shop\x00items":      tbl.MetadataLocation(),
		"a\x1fb\x00deep":     deep.MetadataLocation(),
		"shop\x00not_loaded": "file:///nonexistent/metadata.json",
	}}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	ctx := context.Background()

	t.Run("ClientCredentials", func(t *testing.T) {
		c, err := catalog.Open("lake", catalog.Config{Type: "rest", URI: hs.URL, Properties: map[string]string{"credential": "lake:s3cret"}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		nss, err := c.Namespaces(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"a", "a.b", "shop"}; !slices.Equal(nss, want) {
			t.Errorf("namespaces %v, want %v", nss, want)
		}
		tabs, err := c.Tables(ctx, "a.b")
		if err != nil || !slices.Equal(tabs, []string{"deep"}) {
			t.Errorf("tables of a.b: %v, %v", tabs, err)
		}
		checkReadable(t, c, catalog.TableRef{Namespace: "shop", Name: "items"}, 3)
		checkReadable(t, c, catalog.TableRef{Namespace: "a.b", Name: "deep"}, 3)
		if _, err := c.LoadTable(ctx, catalog.TableRef{Namespace: "shop", Name: "missing"}); pgerr.Code(err) != pgerr.UndefinedTable {
			t.Errorf("missing table: %v (code %s), want 42P01", err, pgerr.Code(err))
		}
		log := srv.exchanges()
		if !strings.HasPrefix(log[0], "POST /v1/oauth/tokens") {
			t.Errorf("first exchange %q, want the client-credentials token request", log[0])
		}
		for _, e := range log[1:] {
			if !strings.HasPrefix(e, "POST /v1/oauth/tokens") && !strings.HasSuffix(e, "Bearer tok-123") {
				t.Errorf("exchange without the issued token: %q", e)
			}
		}
	})
	t.Run("BearerToken", func(t *testing.T) {
		c, err := catalog.Open("lake", catalog.Config{Type: "rest", URI: hs.URL, Properties: map[string]string{"token": "tok-123"}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		checkReadable(t, c, catalog.TableRef{Namespace: "shop", Name: "items"}, 3)
	})
	t.Run("WrongCredentials", func(t *testing.T) {
		for _, props := range []map[string]string{{"token": "nope"}, {"credential": "lake:wrong"}} {
			c, err := catalog.Open("lake", catalog.Config{Type: "rest", URI: hs.URL, Properties: props})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.LoadTable(ctx, catalog.TableRef{Namespace: "shop", Name: "items"})
			if code := pgerr.Code(err); code != pgerr.ConnectionFailure {
				t.Errorf("%v: %v (code %s), want 08006", props, err, code)
			}
			c.Close()
		}
	})
	t.Run("Remap", func(t *testing.T) {
		// The catalog hands out metadata written elsewhere: s3:// locations map to the
		// local warehouse.
		wh := "file://" + filepath.Join(dir, "warehouse")
		raw, err := os.ReadFile(strings.TrimPrefix(tbl.MetadataLocation(), "file://"))
		if err != nil {
			t.Fatal(err)
		}
		moved := filepath.Join(dir, "moved.metadata.json")
		if err := os.WriteFile(moved, []byte(strings.ReplaceAll(string(raw), wh, "s3://bucket/wh")), 0o600); err != nil {
			t.Fatal(err)
		}
		srv.tables["shop\x00moved"] = "file://" + moved
		c, err := catalog.Open("lake", catalog.Config{Type: "rest", URI: hs.URL, Properties: map[string]string{"token": "tok-123"},
			Remap: map[string]string{"s3://bucket/wh": wh}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		checkReadable(t, c, catalog.TableRef{Namespace: "shop", Name: "moved"}, 3)
	})
}

// TestStaticCatalog names tables by metadata file, with nested namespaces and a
// remapping for metadata that holds another machine's locations.
func TestStaticCatalog(t *testing.T) {
	dir := t.TempDir()
	tbl := writeTable(t, sqliteProps(dir), table.Identifier{"shop"}, "items")
	wh := "file://" + filepath.Join(dir, "warehouse")
	raw, err := os.ReadFile(strings.TrimPrefix(tbl.MetadataLocation(), "file://"))
	if err != nil {
		t.Fatal(err)
	}
	// Metadata as another machine wrote it: absolute paths under file:///other/.
	moved := filepath.Join(dir, "warehouse", "moved.metadata.json")
	if err := os.WriteFile(moved, []byte(strings.ReplaceAll(string(raw), wh, "file:///other/place")), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Open("fx", catalog.Config{Type: "static",
		Tables: map[string]string{"shop.items": tbl.MetadataLocation(), "a.b.moved": "file:///other/place/moved.metadata.json"},
		Remap:  map[string]string{"file:///other/place": wh}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	nss, _ := c.Namespaces(ctx)
	if want := []string{"a.b", "shop"}; !slices.Equal(nss, want) {
		t.Errorf("namespaces %v, want %v", nss, want)
	}
	if tabs, _ := c.Tables(ctx, "a.b"); !slices.Equal(tabs, []string{"moved"}) {
		t.Errorf("tables of a.b: %v", tabs)
	}
	checkReadable(t, c, catalog.TableRef{Namespace: "shop", Name: "items"}, 3)
	checkReadable(t, c, catalog.TableRef{Namespace: "a.b", Name: "moved"}, 3)
	if _, err := c.LoadTable(ctx, catalog.TableRef{Namespace: "shop", Name: "nope"}); pgerr.Code(err) != pgerr.UndefinedTable {
		t.Errorf("missing: %v", err)
	}
	if _, err := catalog.Open("x", catalog.Config{Type: "hive"}); err == nil {
		t.Error("unknown catalog type accepted")
	}
}

// TestSQLCatalogPostgres serves a SQL catalog kept in a real PostgreSQL server.
func TestSQLCatalogPostgres(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := pgserver.ForTest(t, pgserver.Options{Version: "15"})
	if err := s.CreateDatabase(ctx, "icecat"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	wh := "file://" + filepath.Join(dir, "warehouse")
	writeTable(t, iceberg.Properties{"type": "sql", "uri": s.DSN("icecat"), "sql.driver": "pgx", "sql.dialect": "postgres", "warehouse": wh},
		table.Identifier{"a", "b"}, "items")
	// The catalog name is "writer" (writeTable's): the config names it.
	c, err := catalog.Open("lake", catalog.Config{Type: "sql", Name: "writer", URI: s.DSN("icecat"), Warehouse: wh})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	nss, err := c.Namespaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "a.b"}; !slices.Equal(nss, want) {
		t.Errorf("namespaces %v, want %v", nss, want)
	}
	checkReadable(t, c, catalog.TableRef{Namespace: "a.b", Name: "items"}, 3)
	if _, err := c.LoadTable(ctx, catalog.TableRef{Namespace: "a.b", Name: "nope"}); pgerr.Code(err) != pgerr.UndefinedTable {
		t.Errorf("missing: %v", err)
	}
}
