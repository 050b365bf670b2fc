package catalog

import (
	"fmt"
	"sort"
	"strings"
)

// Config describes one catalog. Its key in the gateway config is the database name.
type Config struct {
	// Type is "sql" (SQLite or PostgreSQL), "rest" (an Iceberg REST catalog; token,
	// credential, oauth2-server-uri, scope and prefix go in Properties) or "static"
	// (tables named by metadata file).
	Type string `koanf:"type"`
	// Name is the catalog's own name (catalog_name in the SQL catalog); default: the key.
	Name string `koanf:"name"`
	// URI of the SQL catalog (file:/path/catalog.db or postgres://...) or of the REST
	// catalog (https://host/api/catalog).
	URI string `koanf:"uri"`
	// Warehouse location, e.g. file:///path/warehouse.
	Warehouse string `koanf:"warehouse"`
	// Properties passed to iceberg-go as they are (same names as pyiceberg).
	Properties map[string]string `koanf:"properties"`
	// Tables of a static catalog: "ns.table" -> metadata.json location.
	Tables map[string]string `koanf:"tables"`
	// Remap maps a location prefix as written in metadata to the prefix to read.
	Remap map[string]string `koanf:"remap"`
}

// Remapper turns locations written in Iceberg metadata into local paths DuckDB reads.
type Remapper struct {
	rules []remapRule // longest prefix first
}

type remapRule struct{ from, to string }

// NewRemapper builds a Remapper from prefix rules.
func NewRemapper(rules map[string]string) *Remapper {
	r := &Remapper{}
	for from, to := range rules {
		r.rules = append(r.rules, remapRule{from, to})
	}
	sort.Slice(r.rules, func(i, j int) bool { return len(r.rules[i].from) > len(r.rules[j].from) })
	return r
}

// Local returns the local filesystem path for a location, or an error naming it when
// it is not a local file after remapping.
func (r *Remapper) Local(location string) (string, error) {
	loc := r.Location(location)
	switch {
	case strings.HasPrefix(loc, "file://"):
		return strings.TrimPrefix(loc, "file://"), nil
	case strings.HasPrefix(loc, "file:"):
		return strings.TrimPrefix(loc, "file:"), nil
	case strings.HasPrefix(loc, "/"):
		return loc, nil
	}
	return "", fmt.Errorf("location %q is not a local file; add a remap rule for its prefix", location)
}

// Location applies the remap rules to a location, keeping its scheme. When no rule
// matches as written, a scheme-less absolute path and the same path qualified with a
// scheme and authority (hdfs://namenode:8020/warehouse/t and /warehouse/t) are taken
// to be the same location, as Hadoop qualifies paths with its default file system and
// one table's files can carry both spellings.
func (r *Remapper) Location(location string) string {
	for _, rule := range r.rules {
		if strings.HasPrefix(location, rule.from) {
			return rule.to + strings.TrimPrefix(location, rule.from)
		}
	}
	_, locPath := SplitAuthority(location)
	for _, rule := range r.rules {
		_, fromPath := SplitAuthority(rule.from)
		if !strings.HasPrefix(fromPath, "/") || (locPath == location) == (fromPath == rule.from) {
			continue // only a qualified and an unqualified spelling are matched
		}
		if strings.HasPrefix(locPath, fromPath) {
			return rule.to + strings.TrimPrefix(locPath, fromPath)
		}
	}
	return location
}

// SplitAuthority splits "scheme://authority/path" into "scheme://authority" and
// "/path"; a location without "://" is all path.
func SplitAuthority(location string) (prefix, path string) {
	i := strings.Index(location, "://")
	if i <= 0 || strings.ContainsAny(location[:i], "/") {
		return "", location
	}
	j := strings.IndexByte(location[i+3:], '/')
	if j < 0 {
		return location, ""
	}
	return location[:i+3+j], location[i+3+j:]
}

// Rules returns the remap rules, longest prefix first, for code that must apply them
// inside SQL (delete files name data files by their written location).
func (r *Remapper) Rules() [][2]string {
	out := make([][2]string, len(r.rules))
	for i, rule := range r.rules {
		out[i] = [2]string{rule.from, rule.to}
	}
	return out
}
