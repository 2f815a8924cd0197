package parsers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMySQLTestdata reads the hand-written samples of testdata/mysql-*:
// sniffed kind and format, accounting, and the records that matter.
func TestMySQLTestdata(t *testing.T) {
	cases := []struct {
		file           string
		kind           Kind
		format         string
		lines, skipped int
		records        int
		types          []EventType // non-EventOther types in order
	}{
		{"mysql-error/mysql80-docker.log", KindMySQLError, "mysql 8.x", 32, 0, 14,
			[]EventType{MySQLEntrypoint, MySQLEntrypoint, MySQLStarting, MySQLReady, MySQLEntrypoint, MySQLShutdownRequest,
				MySQLShutdownComplete, MySQLEntrypoint, MySQLStarting, MySQLReady, MySQLPageCleaner, MySQLGotSignal, MySQLStarting, MySQLReady}},
		{"mysql-error/mariadb11-journal.log", KindMySQLError, "mariadb 10.x", 9, 1, 7,
			[]EventType{MySQLStarting, MySQLCrashRecovery, MySQLReady, MySQLAbortedConn, MySQLAbortedConn, MySQLShutdownRequest, MySQLShutdownComplete}},
		{"mysql-error/mariadb10-edge.log", KindMySQLError, "mariadb 10.x", 9, 0, 6,
			[]EventType{MySQLStarting, MySQLBufferPoolLoaded, MySQLAbortedConn, MySQLGotSignal, MySQLCrashRecovery}},
		{"mysql-slow/mysql80-slow-extra.log", KindMySQLSlow, "mysql slow", 22, 0, 3, nil},
		{"mysql-slow/mariadb-slow-crlf.log", KindMySQLSlow, "mariadb slow", 12, 0, 2, nil},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			kind, format, ok := sniffMySQL(mysqlLines(string(data)))
			if !ok || kind != c.kind || format != c.format {
				t.Errorf("sniff = %v %q %v, want %v %q", kind, format, ok, c.kind, c.format)
			}
			var r EventReader
			if c.kind == KindMySQLSlow {
				r = newMySQLSlowReader(EventOptions{Loc: time.UTC})
			} else {
				r = newMySQLErrorReader(EventOptions{Loc: time.UTC})
			}
			res := mysqlFeedAll(r, data)
			if res.lines != c.lines || len(res.skipped) != c.skipped || len(res.events) != c.records {
				t.Errorf("lines=%d skipped=%d records=%d, want %d %d %d (skipped %+v)",
					res.lines, len(res.skipped), len(res.events), c.lines, c.skipped, c.records, res.skipped)
			}
			var types []EventType
			for _, e := range res.events {
				if strings.ContainsAny(e.Text, "\r") {
					t.Errorf("CR left in %q", e.Text)
				}
				if e.Type != EventOther && e.Type != MySQLSlowQuery {
					types = append(types, e.Type)
				}
			}
			if c.types != nil && !equalTypes(types, c.types) {
				t.Errorf("types = %v, want %v", types, c.types)
			}
		})
	}
}

func equalTypes(a, b []EventType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMySQLTestdataSlowValues(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "mysql-slow", "mysql80-slow-extra.log"))
	if err != nil {
		t.Fatal(err)
	}
	res := mysqlFeedAll(newMySQLSlowReader(EventOptions{Loc: time.UTC}), data)
	var d SlowDigest
	for _, e := range res.events {
		d.Add(&Event{Type: e.Type, Num: e.Num, Text: []byte(e.Text)})
	}
	rows := d.Top(0)
	if len(rows) != 2 || rows[0].Fingerprint != "select * from orders where note like ? order by created_at desc limit ?" ||
		rows[0].Count != 2 || rows[0].TotalS != 13.825616 || rows[0].RowsExamined != 3087440 ||
		rows[1].Fingerprint != "insert into registrations (email, slot) values(?+)" {
		t.Errorf("digest = %+v", rows)
	}
	if res.events[2].Time != "2024-11-21T10:44:18.000001Z" || res.events[2].Host != "app@172.18.0.6" || res.events[2].PID != 9 {
		t.Errorf("record after the mid-file banner = %+v", res.events[2])
	}
}
