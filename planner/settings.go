package planner

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/lakegate/lakegate/pgerr"
	"github.com/lakegate/lakegate/wire"
)

// ServerVersion is what clients see as server_version: PostgreSQL 15's catalog
// layout (psql and pgjdbc pick their catalog queries from it) with lakegate's name.
const (
	ServerVersion    = "15.8 (lakegate 0.1)"
	ServerVersionNum = "150008"
	VersionString    = "PostgreSQL 15.8 (lakegate 0.1, an Iceberg gateway on DuckDB) on x86_64-pc-linux-gnu, compiled by Go, 64-bit"
)

// setting describes one configuration parameter a session can SET and SHOW.
type setting struct {
	def      string
	report   bool // sent as ParameterStatus when it changes (GUC_REPORT)
	readOnly bool // SET is refused (55P02)
	check    func(string) (string, error)
}

// settings lists the parameters clients send and ask for. Anything else with a dot in
// its name is a custom setting (as in PostgreSQL); other names are unknown (42704).
var settings = map[string]setting{
	"application_name":                    {def: "", report: true},
	"client_encoding":                     {def: "UTF8", report: true, check: checkEncoding},
	"server_encoding":                     {def: "UTF8", report: true, readOnly: true},
	"datestyle":                           {def: "ISO, MDY", report: true, check: checkDateStyle},
	"timezone":                            {def: "UTC", report: true, check: checkTimeZone},
	"intervalstyle":                       {def: "postgres", report: true},
	"integer_datetimes":                   {def: "on", report: true, readOnly: true},
	"standard_conforming_strings":         {def: "on", report: true},
	"is_superuser":                        {def: "off", report: true, readOnly: true},
	"server_version":                      {def: ServerVersion, report: true, readOnly: true},
	"server_version_num":                  {def: ServerVersionNum, readOnly: true},
	"session_authorization":               {def: "", report: true},
	"extra_float_digits":                  {def: "1", check: checkInt},
	"search_path":                         {def: `"$user", public`},
	"statement_timeout":                   {def: "0", check: checkDuration},
	"lock_timeout":                        {def: "0", check: checkDuration},
	"idle_in_transaction_session_timeout": {def: "0", check: checkDuration},
	"transaction_isolation":               {def: "read committed"},
	"default_transaction_isolation":       {def: "read committed"},
	"transaction_read_only":               {def: "on"},
	"default_transaction_read_only":       {def: "on"},
	"max_identifier_length":               {def: "63", readOnly: true},
	"lc_collate":                          {def: "C.UTF-8", readOnly: true},
	"lc_ctype":                            {def: "C.UTF-8", readOnly: true},
	"lc_messages":                         {def: "C.UTF-8"},
	"lc_monetary":                         {def: "C.UTF-8"},
	"lc_numeric":                          {def: "C.UTF-8"},
	"lc_time":                             {def: "C.UTF-8"},
	"bytea_output":                        {def: "hex"},
	"client_min_messages":                 {def: "notice"},
	"geqo":                                {def: "on"},
	"jit":                                 {def: "off"},
	"work_mem":                            {def: "4MB"},
	"max_index_keys":                      {def: "32", readOnly: true},
	"default_transaction_deferrable":      {def: "off"},
	"transaction_deferrable":              {def: "off"},
	"row_security":                        {def: "on"},
	"synchronous_commit":                  {def: "on"},
	"enable_seqscan":                      {def: "on"},
	"in_hot_standby":                      {def: "off", report: true, readOnly: true},
	"default_tablespace":                  {def: ""},
	"check_function_bodies":               {def: "on"},
	"xmloption":                           {def: "content"},
	"escape_string_warning":               {def: "on"},
	"array_nulls":                         {def: "on"},
	"backslash_quote":                     {def: "safe_encoding"},
	"max_connections":                     {def: "100", readOnly: true},
	"block_size":                          {def: "8192", readOnly: true},
	"lakegate.as_of":                      {def: "", check: checkAsOf},
}

// canonicalName is the spelling SHOW and ParameterStatus use.
var canonicalName = map[string]string{
	"datestyle": "DateStyle", "timezone": "TimeZone", "intervalstyle": "IntervalStyle",
}

func displayName(name string) string {
	if c, ok := canonicalName[name]; ok {
		return c
	}
	return name
}

// Settings is a session's configuration parameters.
type Settings struct {
	values map[string]string
}

func newSettings(user string) *Settings {
	s := &Settings{values: map[string]string{}}
	for k, v := range settings {
		s.values[k] = v.def
	}
	s.values["session_authorization"] = user
	return s
}

// Get returns a setting's value by any spelling of its name.
func (s *Settings) Get(name string) (string, bool) {
	v, ok := s.values[strings.ToLower(name)]
	return v, ok
}

// Set validates and sets a parameter; it returns the ParameterStatus to report, if any.
func (s *Settings) Set(name, value string, fromStartup bool) (map[string]string, error) {
	name = strings.ToLower(name)
	def, known := settings[name]
	if !known && !strings.Contains(name, ".") {
		return nil, pgerr.New(pgerr.UndefinedParameter, "unrecognized configuration parameter %q", name)
	}
	if def.readOnly && !fromStartup {
		return nil, pgerr.New(pgerr.CantChangeRuntimeParam, "parameter %q cannot be changed", name)
	}
	if def.readOnly {
		return nil, nil // startup packets may repeat server values; keep ours
	}
	if def.check != nil {
		v, err := def.check(value)
		if err != nil {
			return nil, pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter %q: %q", name, value).WithDetail("%v", err)
		}
		value = v
	}
	s.values[name] = value
	if def.report {
		return map[string]string{displayName(name): value}, nil
	}
	return nil, nil
}

// Reset restores a parameter's default ("all" resets every one).
func (s *Settings) Reset(name string) (map[string]string, error) {
	name = strings.ToLower(name)
	if name == "all" {
		report := map[string]string{}
		for k, v := range settings {
			if !v.readOnly {
				s.values[k] = v.def
				if v.report {
					report[displayName(k)] = v.def
				}
			}
		}
		return report, nil
	}
	def, ok := settings[name]
	if !ok {
		if strings.Contains(name, ".") {
			delete(s.values, name)
			return nil, nil
		}
		return nil, pgerr.New(pgerr.UndefinedParameter, "unrecognized configuration parameter %q", name)
	}
	return s.Set(name, def.def, false)
}

// StatementTimeout parses statement_timeout.
func (s *Settings) StatementTimeout() time.Duration {
	d, _ := parseDuration(s.values["statement_timeout"])
	return d
}

// SearchPath returns the schemas of search_path in order, with $user replaced.
func (s *Settings) SearchPath() []string {
	var out []string
	for _, p := range splitList(s.values["search_path"]) {
		if p == "$user" {
			p = s.values["session_authorization"]
		}
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// splitList splits a comma-separated setting, unquoting double-quoted items.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if len(p) >= 2 && p[0] == '"' && p[len(p)-1] == '"' {
			p = strings.ReplaceAll(p[1:len(p)-1], `""`, `"`)
		} else {
			p = strings.ToLower(p)
		}
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func checkEncoding(v string) (string, error) {
	switch strings.ToUpper(strings.ReplaceAll(strings.ReplaceAll(v, "-", ""), "_", "")) {
	case "UTF8", "UNICODE":
		return "UTF8", nil
	case "SQLASCII":
		return "SQL_ASCII", nil
	}
	return "", fmt.Errorf("lakegate speaks UTF8 only")
}

func checkDateStyle(v string) (string, error) {
	out := "ISO, MDY"
	for _, p := range strings.Split(v, ",") {
		switch strings.ToUpper(strings.TrimSpace(p)) {
		case "ISO":
		case "MDY", "US", "NONEURO", "NONEUROPEAN":
			out = "ISO, MDY"
		case "DMY", "EURO", "EUROPEAN":
			out = "ISO, DMY"
		case "YMD":
			out = "ISO, YMD"
		default:
			return "", fmt.Errorf("only the ISO output style is supported")
		}
	}
	return out, nil
}

func checkTimeZone(v string) (string, error) {
	v = strings.TrimSpace(v)
	if strings.EqualFold(v, "utc") || strings.EqualFold(v, "gmt") || strings.EqualFold(v, "z") {
		return strings.ToUpper(v), nil
	}
	if strings.EqualFold(v, "local") || strings.EqualFold(v, "default") {
		return "UTC", nil
	}
	// Zone names, hour offsets and POSIX zones, exactly what the wire layer can
	// render timestamptz values in.
	if _, ok := wire.ParseTimeZone(v); ok {
		return v, nil
	}
	return "", fmt.Errorf("time zone %q not recognized", v)
}

func checkInt(v string) (string, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return "", err
	}
	return strconv.Itoa(n), nil
}

func checkDuration(v string) (string, error) {
	d, err := parseDuration(v)
	if err != nil {
		return "", err
	}
	if d == 0 {
		return "0", nil
	}
	// PostgreSQL shows the largest unit that divides the value.
	ms := d.Milliseconds()
	for _, u := range []struct {
		name string
		ms   int64
	}{{"d", 86400000}, {"h", 3600000}, {"min", 60000}, {"s", 1000}} {
		if ms%u.ms == 0 {
			return fmt.Sprintf("%d%s", ms/u.ms, u.name), nil
		}
	}
	return fmt.Sprintf("%dms", ms), nil
}

// parseDuration reads a time setting: a number of milliseconds or a number with a unit.
func parseDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	i := 0
	for i < len(v) && (v[i] >= '0' && v[i] <= '9' || v[i] == '.') {
		i++
	}
	n, err := strconv.ParseFloat(v[:i], 64)
	if err != nil {
		return 0, fmt.Errorf("not a duration: %q", v)
	}
	unit := map[string]time.Duration{"": time.Millisecond, "us": time.Microsecond, "ms": time.Millisecond,
		"s": time.Second, "min": time.Minute, "h": time.Hour, "d": 24 * time.Hour}
	u, ok := unit[strings.TrimSpace(v[i:])]
	if !ok {
		return 0, fmt.Errorf("invalid unit in %q", v)
	}
	return time.Duration(n * float64(u)), nil
}

// setValue renders the arguments of a SET statement as the setting's text.
func setValue(args []*pg.Node) (string, error) {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		if tc := a.GetTypeCast(); tc != nil {
			a = tc.Arg
		}
		c := a.GetAConst()
		if c == nil {
			return "", pgerr.New(pgerr.SyntaxError, "SET accepts constants only")
		}
		switch {
		case c.GetSval() != nil:
			sv := c.GetSval().Sval
			if len(args) > 1 && strings.ContainsAny(sv, ", ") {
				sv = `"` + sv + `"`
			}
			parts = append(parts, sv)
		case c.GetIval() != nil:
			parts = append(parts, strconv.Itoa(int(c.GetIval().Ival)))
		case c.GetFval() != nil:
			parts = append(parts, c.GetFval().Fval)
		case c.GetBoolval() != nil:
			parts = append(parts, map[bool]string{true: "on", false: "off"}[c.GetBoolval().Boolval])
		default:
			return "", pgerr.New(pgerr.SyntaxError, "SET accepts constants only")
		}
	}
	return strings.Join(parts, ", "), nil
}
