package wire

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lakegate/lakegate/internal/pgserver"
)

// timeZoneCases are TimeZone settings whose meaning differs in sign between forms.
var timeZoneCases = []string{
	"UTC", "+02:00", "-02:30", "-7", "7", "5.5", "+2", "+14", "UTC+3", "UTC-03:30", "GMT+1",
	"<+05>-05", "XYZ3", "Etc/GMT+3", "EST5EDT", "Asia/Kolkata",
}

// TestTimeZoneOffsets checks timestamptz output under numeric and POSIX TimeZone
// settings against offsets worked out by hand from PostgreSQL's documented rules.
func TestTimeZoneOffsets(t *testing.T) {
	ts := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC).UnixMicro()
	for zone, want := range map[string]string{
		"+02:00":    "2024-07-01 10:00:00-02", // POSIX: west of Greenwich
		"-02:30":    "2024-07-01 14:30:00+02:30",
		"-7":        "2024-07-01 05:00:00-07", // a number: ISO, east
		"5.5":       "2024-07-01 17:30:00+05:30",
		"UTC+3":     "2024-07-01 09:00:00-03",
		"<+05>-05":  "2024-07-01 17:00:00+05",
		"Etc/GMT+3": "2024-07-01 09:00:00-03",
	} {
		loc, ok := ParseTimeZone(zone)
		if !ok {
			t.Errorf("%s: not accepted", zone)
			continue
		}
		if got := string(appendTimestamptz(nil, ts, loc)); got != want {
			t.Errorf("%s: got %q want %q", zone, got, want)
		}
	}
	for _, bad := range []string{"Not/AZone", "UT+3", "<+05", "+25", "1e3", "NaN", "+3:00:00:00", "16"} {
		if _, ok := ParseTimeZone(bad); ok {
			t.Errorf("%s: accepted", bad)
		}
	}
}

// TestTimeZoneOffsetsPostgres compares with PostgreSQL 15 itself.
func TestTimeZoneOffsetsPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := pgserver.ForTest(t, pgserver.Options{Version: "15"})
	c, err := pgx.Connect(ctx, srv.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	instants := []time.Time{time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC), time.Date(2024, 1, 15, 23, 30, 0, 0, time.UTC)}
	for _, zone := range timeZoneCases {
		if _, err := c.Exec(ctx, fmt.Sprintf("SET TimeZone = '%s'", zone)); err != nil {
			t.Fatalf("%s: %v", zone, err)
		}
		loc, ok := ParseTimeZone(zone)
		if !ok {
			t.Errorf("%s: PostgreSQL accepts it, lakegate does not", zone)
			continue
		}
		for _, at := range instants {
			var want string
			if err := c.QueryRow(ctx, "SELECT $1::timestamptz::text", at).Scan(&want); err != nil {
				t.Fatal(err)
			}
			if got := string(appendTimestamptz(nil, at.UnixMicro(), loc)); got != want {
				t.Errorf("%s at %s: got %q, PostgreSQL %q", zone, at, got, want)
			}
		}
	}
}
