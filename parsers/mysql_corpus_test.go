package parsers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mysqlCorpusRates is the accounting of every MySQL file of the shared
// corpus: physical lines, lines skipped (every other line is parsed as part
// of a record) and records emitted. The skipped lines are explained in the
// comments.
var mysqlCorpusRates = []struct {
	file           string
	slow           bool
	lines, skipped int
	records        int
}{
	{"percona-toolkit/errlogs/errlog001.txt", false, 62, 0, 33},
	{"percona-toolkit/errlogs/errlog002.txt", false, 4, 0, 4},
	{"percona-toolkit/errlogs/errlog003.txt", false, 6, 0, 3},
	{"percona-toolkit/errlogs/errlog004.txt", false, 73, 0, 4},
	{"percona-toolkit/errlogs/errlog005.txt", false, 243, 0, 2},
	{"percona-toolkit/errlogs/errlog006.txt", false, 4, 0, 2},
	{"percona-toolkit/errlogs/errlog007.txt", false, 2444, 0, 3},
	{"percona-toolkit/errlogs/errlog008.txt", false, 37, 0, 3},
	{"percona-toolkit/errlogs/errlog009.txt", false, 517, 0, 2},
	{"percona-toolkit/errlogs/errlog010.txt", false, 8, 0, 1},
	{"lnav/logfile_mysql_error.0", false, 4, 0, 4},
	{"lnav/logfile_mysql_slow.0", true, 43, 0, 6},
	{"percona-toolkit/slowlogs/microslow001.txt", true, 8, 0, 2},
	{"percona-toolkit/slowlogs/mysql5.7.log", true, 16, 0, 2},
	{"percona-toolkit/slowlogs/slow-pt-243.txt", true, 16, 0, 2},
	{"percona-toolkit/slowlogs/slow001-rewritten.txt", true, 10, 0, 2},
	{"percona-toolkit/slowlogs/slow001.txt", true, 13, 0, 2},
	{"percona-toolkit/slowlogs/slow002.txt", true, 83, 0, 8},
	// Line 1 is an empty line before the first record.
	{"percona-toolkit/slowlogs/slow003.txt", true, 8, 1, 1},
	{"percona-toolkit/slowlogs/slow004.txt", true, 7, 0, 1},
	{"percona-toolkit/slowlogs/slow005.txt", true, 10, 0, 1},
	// slow006-session-*.txt are not slow logs but pt-query-digest's session
	// dumps ("-- START SESSION 10", bare statements, blank lines): no line
	// has a header, every line is skipped.
	{"percona-toolkit/slowlogs/slow006-session-1.txt", true, 12, 12, 0},
	{"percona-toolkit/slowlogs/slow006-session-2.txt", true, 8, 8, 0},
	{"percona-toolkit/slowlogs/slow006-session-3.txt", true, 6, 6, 0},
	{"percona-toolkit/slowlogs/slow006.txt", true, 44, 0, 6},
	{"percona-toolkit/slowlogs/slow007.txt", true, 7, 0, 1},
	{"percona-toolkit/slowlogs/slow008.txt", true, 16, 0, 3},
	{"percona-toolkit/slowlogs/slow010.txt", true, 4, 0, 1},
	{"percona-toolkit/slowlogs/slow011.txt", true, 23, 0, 4},
	{"percona-toolkit/slowlogs/slow012.txt", true, 8, 0, 2},
	{"percona-toolkit/slowlogs/slow013.txt", true, 24, 0, 5},
	{"percona-toolkit/slowlogs/slow014.txt", true, 25, 0, 2},
	// A truncated record ("# User@Host: truncated", no query time, no
	// statement): its two header lines are parsed, no record is emitted.
	{"percona-toolkit/slowlogs/slow015.txt", true, 2, 0, 0},
	{"percona-toolkit/slowlogs/slow016.txt", true, 10, 0, 2},
	{"percona-toolkit/slowlogs/slow017.txt", true, 4, 0, 1},
	{"percona-toolkit/slowlogs/slow018.txt", true, 4, 0, 1},
	{"percona-toolkit/slowlogs/slow019.txt", true, 17, 0, 3},
	{"percona-toolkit/slowlogs/slow020.txt", true, 28, 0, 3},
	{"percona-toolkit/slowlogs/slow021.txt", true, 12, 0, 2},
	{"percona-toolkit/slowlogs/slow022.txt", true, 44, 0, 6},
	{"percona-toolkit/slowlogs/slow023.txt", true, 4, 0, 1},
	{"percona-toolkit/slowlogs/slow025.txt", true, 5, 0, 1},
	{"percona-toolkit/slowlogs/slow026.txt", true, 16, 0, 2},
	{"percona-toolkit/slowlogs/slow027.txt", true, 5, 0, 1},
	{"percona-toolkit/slowlogs/slow028.txt", true, 4, 0, 1},
	{"percona-toolkit/slowlogs/slow029.txt", true, 15, 0, 3},
	{"percona-toolkit/slowlogs/slow030.txt", true, 907, 0, 181},
	{"percona-toolkit/slowlogs/slow031.txt", true, 9, 0, 1},
	{"percona-toolkit/slowlogs/slow032-rewritten.txt", true, 10, 0, 1},
	{"percona-toolkit/slowlogs/slow032.txt", true, 11, 0, 1},
	{"percona-toolkit/slowlogs/slow033.txt", true, 25, 0, 6},
	{"percona-toolkit/slowlogs/slow034.txt", true, 52, 0, 9},
	{"percona-toolkit/slowlogs/slow035.txt", true, 13, 0, 2},
	{"percona-toolkit/slowlogs/slow036.txt", true, 4, 0, 1},
	{"percona-toolkit/slowlogs/slow037.txt", true, 3, 0, 1},
	{"percona-toolkit/slowlogs/slow038.txt", true, 29, 0, 9},
	// Line 1 is "# administrator command: Quit;", the tail of a record whose
	// header is not in the file.
	{"percona-toolkit/slowlogs/slow041.txt", true, 12, 1, 2},
	{"percona-toolkit/slowlogs/slow042.txt", true, 16, 0, 3},
	{"percona-toolkit/slowlogs/slow043.txt", true, 4, 0, 1},
	{"percona-toolkit/slowlogs/slow044.txt", true, 9, 0, 2},
	{"percona-toolkit/slowlogs/slow045.txt", true, 15, 0, 2},
	{"percona-toolkit/slowlogs/slow046.txt", true, 2, 0, 1},
	{"percona-toolkit/slowlogs/slow047.txt", true, 2, 0, 1},
	{"percona-toolkit/slowlogs/slow048.txt", true, 12, 0, 4},
	{"percona-toolkit/slowlogs/slow049.txt", true, 30, 0, 10},
	{"percona-toolkit/slowlogs/slow050.txt", true, 3, 0, 1},
	{"percona-toolkit/slowlogs/slow051.txt", true, 6, 0, 2},
	{"percona-toolkit/slowlogs/slow052.txt", true, 600, 0, 200},
	{"percona-toolkit/slowlogs/slow053.txt", true, 30, 0, 10},
	{"percona-toolkit/slowlogs/slow054.txt", true, 32, 0, 8},
	{"percona-toolkit/slowlogs/slow055.txt", true, 15, 0, 3},
	{"percona-toolkit/slowlogs/slow056.txt", true, 12, 0, 2},
	{"percona-toolkit/slowlogs/slow057.txt", true, 23, 0, 4},
	{"percona-toolkit/slowlogs/slow058.txt", true, 24, 0, 6},
	{"percona-toolkit/slowlogs/slow059.txt", true, 40, 0, 3},
	{"percona-toolkit/slowlogs/slow060.txt", true, 10, 0, 1},
	{"percona-toolkit/slowlogs/slow061.txt", true, 10, 0, 1},
	{"percona-toolkit/slowlogs/slowlogwriter001.txt", true, 3, 0, 1},
	{"percona-toolkit/slowlogs/slowlogwriter002.txt", true, 2, 0, 1},
}

// mysqlReadCorpus feeds one corpus file to a fresh reader.
func mysqlReadCorpus(t *testing.T, rel string, slow bool, loc *time.Location) mysqlFeedResult {
	t.Helper()
	data, err := os.ReadFile(mysqlCorpus(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	var r EventReader
	if slow {
		r = newMySQLSlowReader(EventOptions{Loc: loc})
	} else {
		r = newMySQLErrorReader(EventOptions{Loc: loc})
	}
	return mysqlFeedAll(r, data)
}

func TestMySQLCorpusRates(t *testing.T) {
	mysqlCorpus(t, "")
	seen := map[string]bool{}
	for _, c := range mysqlCorpusRates {
		seen[c.file] = true
		t.Run(c.file, func(t *testing.T) {
			res := mysqlReadCorpus(t, c.file, c.slow, time.UTC)
			if res.lines != c.lines || len(res.skipped) != c.skipped || len(res.events) != c.records {
				t.Errorf("lines=%d skipped=%d records=%d, want %d %d %d; skipped: %+v",
					res.lines, len(res.skipped), len(res.events), c.lines, c.skipped, c.records, res.skipped)
			}
			if res.parsed+len(res.skipped) != res.lines {
				t.Errorf("parsed %d + skipped %d != lines %d", res.parsed, len(res.skipped), res.lines)
			}
			// Every parsed line belongs to a record, except the slow-log
			// server banners and the header lines of a truncated record.
			spanned := 0
			for _, e := range res.events {
				spanned += e.Lines
			}
			if !c.slow && spanned != res.parsed {
				t.Errorf("records span %d lines, %d parsed", spanned, res.parsed)
			}
			if c.slow && spanned > res.parsed {
				t.Errorf("records span %d lines, only %d parsed", spanned, res.parsed)
			}
		})
	}
	// Every MySQL file of the corpus is in the table.
	files, _ := filepath.Glob(filepath.Join(mysqlCorpusDir, "percona-toolkit", "*", "*"))
	for _, f := range files {
		rel, _ := filepath.Rel(mysqlCorpusDir, f)
		if !seen[filepath.ToSlash(rel)] {
			t.Errorf("corpus file %s has no expected rate", rel)
		}
	}
}

func TestMySQLCorpusErrlogContent(t *testing.T) {
	// errlog001: the lifecycle of a 5.0 server across restarts.
	res := mysqlReadCorpus(t, "percona-toolkit/errlogs/errlog001.txt", false, time.UTC)
	var types []EventType
	for _, e := range res.events {
		if e.Type != EventOther {
			types = append(types, e.Type)
		}
	}
	want := []EventType{MySQLStarting, MySQLStarting, MySQLReady, MySQLShutdownRequest, MySQLShutdownComplete,
		MySQLStarting, MySQLStarting, MySQLStarting, MySQLCrashRecovery, MySQLCrashRecovery, MySQLCrashRecovery,
		MySQLReady, MySQLStarting, MySQLOutOfMemory, MySQLReady}
	if len(types) != len(want) {
		t.Fatalf("errlog001 types = %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("errlog001 types = %v, want %v", types, want)
		}
	}

	// errlog004: assertion then "mysqld got signal 6" with its 61-line report.
	res = mysqlReadCorpus(t, "percona-toolkit/errlogs/errlog004.txt", false, time.UTC)
	sig := res.events[2]
	if sig.Type != MySQLGotSignal || sig.Num[0] != 6 || sig.Time != "2009-09-02T11:08:43Z" || sig.Lines != 61 ||
		!strings.Contains(sig.Text, "thd->query at 0xf9b1670 = CHECK TABLE `rates`  FOR UPGRADE") {
		t.Errorf("errlog004 crash record = %+v", sig)
	}
	if res.events[1].Type != MySQLAssertion {
		t.Errorf("errlog004 record 1 = %+v", res.events[1])
	}

	// errlog007: the InnoDB semaphore dump stays one record of 2434 lines.
	res = mysqlReadCorpus(t, "percona-toolkit/errlogs/errlog007.txt", false, time.UTC)
	if res.events[1].Lines != 2434 || res.events[2].Type != MySQLAssertion {
		t.Errorf("errlog007 records: lines %d, last type %d", res.events[1].Lines, res.events[2].Type)
	}

	// lnav: MySQL 8 with error codes, UTC.
	res = mysqlReadCorpus(t, "lnav/logfile_mysql_error.0", false, time.UTC)
	last := res.events[3]
	if last.Time != "2020-08-06T14:25:03.109022Z" || last.Code != 10051 || last.Level != LevelInfo ||
		last.Text != "Event Scheduler: scheduler thread started with id 5" {
		t.Errorf("lnav last record = %+v", last)
	}
	if res.events[1].Level != LevelWarning || res.events[1].Code != 10068 {
		t.Errorf("lnav warning = %+v", res.events[1])
	}
}

func TestMySQLCorpusSlowContent(t *testing.T) {
	res := mysqlReadCorpus(t, "lnav/logfile_mysql_slow.0", true, time.UTC)
	first := res.events[0]
	if first.Time != "2021-01-26T23:45:57.666369Z" || first.Num != [4]int64{11853, 11542, 268, 268} ||
		first.Host != "owncloud@localhost" || first.Unit != "owncloud" || first.Text != "SELECT * FROM `oc_appconfig`" || first.PID != 2 {
		t.Errorf("lnav slow first = %+v", first)
	}

	// slow052: two fingerprints, 100 queries each.
	res = mysqlReadCorpus(t, "percona-toolkit/slowlogs/slow052.txt", true, time.UTC)
	var d SlowDigest
	for i := range res.events {
		e := res.events[i]
		ev := Event{Type: e.Type, Num: e.Num, Text: []byte(e.Text)}
		d.Add(&ev)
	}
	rows := d.Top(0)
	if len(rows) != 2 || rows[0].Fingerprint != "select very_variable_column from unsteady_table" || rows[0].Count != 100 ||
		rows[1].Fingerprint != "select less_variable_column from steady_table" || rows[1].Count != 100 {
		t.Fatalf("slow052 digest = %+v", rows)
	}
	if rows[0].P95S < rows[0].MeanS || rows[0].P95S > rows[0].MaxS {
		t.Errorf("slow052 p95 %v outside [mean %v, max %v]", rows[0].P95S, rows[0].MeanS, rows[0].MaxS)
	}
}

// TestMySQLFail2banTimes checks every line of fail2ban's mysqld-auth against
// the local time its "# failJSON" line expects (fail2ban's tests run in
// Europe/Zurich). The two classic-syslog lines expect fail2ban's own year
// (2004, taken from its fake clock); we read the inner MySQL stamp, which
// carries the real year (2013), so only month, day and time are compared
// there.
func TestMySQLFail2banTimes(t *testing.T) {
	data, err := os.ReadFile(mysqlCorpus(t, "fail2ban/mysqld-auth"))
	if err != nil {
		t.Fatal(err)
	}
	zurich := mysqlLoc(t, "Europe/Zurich")
	type line struct {
		text, want string
	}
	var lines []line
	var log bytes.Buffer
	pending := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "# failJSON: "):
			var j struct {
				Time string `json:"time"`
			}
			if err := json.Unmarshal([]byte(strings.TrimPrefix(l, "# failJSON: ")), &j); err != nil {
				t.Fatalf("failJSON %q: %v", l, err)
			}
			pending = j.Time
		case strings.HasPrefix(l, "#"), strings.TrimSpace(l) == "":
		default:
			lines = append(lines, line{l, pending})
			log.WriteString(l + "\n")
			pending = ""
		}
	}
	r := newMySQLErrorReader(EventOptions{Loc: zurich})
	res := mysqlFeedAll(r, log.Bytes())
	if len(res.skipped) != 0 || len(res.events) != len(lines) || len(lines) != 17 {
		t.Fatalf("lines=%d records=%d skipped=%+v", len(lines), len(res.events), res.skipped)
	}
	checked := 0
	for i, l := range lines {
		e := res.events[i]
		if e.Level != LevelWarning && e.Level != LevelInfo || !strings.HasPrefix(e.Text, "Access denied for user") {
			t.Errorf("line %q: record %+v", l.text, e)
		}
		if l.want == "" {
			continue
		}
		tm, _ := time.Parse(time.RFC3339Nano, e.Time)
		got := tm.In(zurich).Format("2006-01-02T15:04:05")
		want := l.want
		if strings.HasPrefix(l.text, "Sep 16 ") {
			got, want = got[5:], want[5:]
		}
		if got != want {
			t.Errorf("line %q: local time %s, failJSON says %s", l.text, got, want)
		}
		checked++
	}
	if checked != 15 {
		t.Errorf("checked %d failJSON times, want 15", checked)
	}
}
