package planner

import (
	"testing"
	"time"
)

func TestSplitTableName(t *testing.T) {
	cases := []struct{ in, base, version, meta string }{
		{"sales", "sales", "", ""},
		{"sales@123", "sales", "123", ""},
		{"sales@2026-11-01 12:00:00+00", "sales", "2026-11-01 12:00:00+00", ""},
		{"sales$snapshots", "sales", "", "snapshots"},
		{"sales$FILES", "sales", "", "files"},
		{"sales@v1$files", "sales", "v1", "files"},
		{"sales$other", "sales$other", "", ""}, // not a metadata table: a plain name
		{"@x", "@x", "", ""},
	}
	for _, c := range cases {
		b, v, m := splitTableName(c.in)
		if b != c.base || v != c.version || m != c.meta {
			t.Errorf("splitTableName(%q) = %q, %q, %q; want %q, %q, %q", c.in, b, v, m, c.base, c.version, c.meta)
		}
	}
}

func TestParseAsOf(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for _, in := range []string{
		"2026-11-01 12:00:00+00", "2026-11-01 12:00:00+00:00", "2026-11-01T12:00:00Z", "2026-11-01 12:00:00 UTC",
		"2026-11-01 13:00:00+01", "2026-11-01T13:00:00.000+01:00", "2026-11-01 12:00+00", "2026-11-01 13:00:00", // Berlin is +01 in November
	} {
		got, err := parseAsOf(in, berlin)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseAsOf(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if got, err := parseAsOf("2026-11-01", time.UTC); err != nil || !got.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("date: %v, %v", got, err)
	}
	for _, in := range []string{"", "yesterday", "2026-13-01", "12:00"} {
		if _, err := parseAsOf(in, time.UTC); err == nil {
			t.Errorf("parseAsOf(%q) accepted", in)
		}
	}
	for in, want := range map[string]string{"": "", " 42 ": "42", "2026-11-01 12:00:00+00": "2026-11-01 12:00:00+00"} {
		if got, err := checkAsOf(in); err != nil || got != want {
			t.Errorf("checkAsOf(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := checkAsOf("soon"); err == nil {
		t.Error("checkAsOf accepted a word")
	}
}
