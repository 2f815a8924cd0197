package parsers

import (
	"testing"
	"time"
)

// slowWant is what a test checks of one slow-log record.
type slowWant struct {
	time  string
	num   [4]int64 // query µs, lock µs, rows examined, rows sent
	text  string
	host  string
	unit  string
	pid   int64
	lines int
}

var mysqlSlowCases = []struct {
	name string
	loc  string
	log  string
	want []slowWant
}{
	{
		name: "mysql 8.0 with log_slow_extra",
		loc:  "UTC",
		log: `/usr/sbin/mysqld, Version: 8.0.40 (MySQL Community Server - GPL). started with:
Tcp port: 3306  Unix socket: /var/run/mysqld/mysqld.sock
Time                 Id Command    Argument
# Time: 2024-11-21T10:15:02.123456Z
# User@Host: app[app] @ localhost []  Id:    42
# Query_time: 7.725616  Lock_time: 0.000328 Rows_sent: 4  Rows_examined: 1543720 Thread_id: 42 Errno: 0 Killed: 0 Bytes_received: 0 Bytes_sent: 272
use shop;
SET timestamp=1732184094;
SELECT * FROM orders
WHERE customer_id IN (1, 2, 3)
ORDER BY created_at DESC;
# Time: 2024-11-21T10:15:03.000001Z
# User@Host: app[app] @  [10.0.0.7]  Id:    43
# Query_time: 0.500000  Lock_time: 0.000000 Rows_sent: 0  Rows_examined: 0
SET timestamp=1732184103;
INSERT INTO t VALUES (1);`,
		want: []slowWant{
			{"2024-11-21T10:14:54.39784Z", [4]int64{7725616, 328, 1543720, 4}, "SELECT * FROM orders\nWHERE customer_id IN (1, 2, 3)\nORDER BY created_at DESC", "app@localhost", "shop", 42, 8},
			{"2024-11-21T10:15:02.500001Z", [4]int64{500000, 0, 0, 0}, "INSERT INTO t VALUES (1)", "app@10.0.0.7", "", 43, 5},
		},
	},
	{
		name: "mariadb 10.x with YYMMDD time and extra lines",
		loc:  "Europe/Berlin",
		log: `# Time: 241121  9:05:01
# User@Host: app[app] @ localhost []
# Thread_id: 42  Schema: shop  QC_hit: No
# Query_time: 7.725616  Lock_time: 0.000328  Rows_sent: 4  Rows_examined: 1543720
# Rows_affected: 0  Bytes_sent: 272
SELECT c FROM t WHERE id = 5;
# User@Host: app[app] @ localhost []
# Thread_id: 43  Schema: shop  QC_hit: No
# Query_time: 1.000000  Lock_time: 0.000000  Rows_sent: 1  Rows_examined: 10
# Rows_affected: 0  Bytes_sent: 80
SELECT c FROM t WHERE id = 6;`,
		want: []slowWant{
			{"2024-11-21T08:04:53.274384Z", [4]int64{7725616, 328, 1543720, 4}, "SELECT c FROM t WHERE id = 5", "app@localhost", "shop", 42, 6},
			// No "# Time:": the previous record's write time carries over;
			// the start is 1 s before it.
			{"2024-11-21T08:05:00Z", [4]int64{1000000, 0, 10, 1}, "SELECT c FROM t WHERE id = 6", "app@localhost", "shop", 43, 5},
		},
	},
	{
		name: "percona time and user on one line, admin command, corrupted time",
		loc:  "UTC",
		log: `# Time: 071218 11:48:27 # User@Host: [SQL_SLAVE] @  []
# Thread_id: 10
# Query_time: 0.000012  Lock_time: 0.000000  Rows_sent: 0  Rows_examined: 0
BEGIN;
# User@Host: meow[meow] @  [1.2.3.8]
# Thread_id: 5  Schema: db1
# Query_time: 0.000002  Lock_time: 0.000000  Rows_sent: 0  Rows_examined: 0
# administrator command: Quit;
# Time: 081116 15:07:11 # User@Host: user[user] @ host [10.1.65.120]
# Query_time: 18446744073708.796870.000036  Lock_time: 0.000036  Rows_sent: 1  Rows_examined: 127
use mydb;
SELECT * FROM mytbl;
# Time: margdl 11:48:27 # User@Host: [SQL_SLAVE] @  []
# Query_time: 0.000012  Lock_time: 0.000000  Rows_sent: 0  Rows_examined: 0
SET insert_id=34484549,timestamp=1197996507;
SET NAMES utf8;`,
		want: []slowWant{
			{"2007-12-18T11:48:26.999988Z", [4]int64{12, 0, 0, 0}, "BEGIN", "SQL_SLAVE", "", 10, 4},
			{"2007-12-18T11:48:26.999998Z", [4]int64{2, 0, 0, 0}, "administrator command: Quit", "meow@1.2.3.8", "db1", 5, 4},
			{"2008-11-16T15:07:11Z", [4]int64{-1, 36, 127, 1}, "SELECT * FROM mytbl", "user@host", "mydb", 0, 4},
			{"2007-12-18T16:48:27Z", [4]int64{12, 0, 0, 0}, "SET NAMES utf8", "SQL_SLAVE", "", 0, 4},
		},
	},
	{
		name: "SET timestamp wins over a # Time read in the wrong zone",
		loc:  "UTC",
		log: `# Time: 071218 11:48:27
# User@Host: [SQL_SLAVE] @  []
# Query_time: 0.726052  Lock_time: 0.000091  Rows_sent: 0  Rows_examined: 62951
use db1;
SET timestamp=1197996507;
update db2.t set a = 1;
# Time: 2024-11-21T10:15:02.900000Z
# Query_time: 0.400000  Lock_time: 0.000091  Rows_sent: 0  Rows_examined: 1
SET timestamp=1732184102;
select 1;`,
		want: []slowWant{
			{"2007-12-18T16:48:27Z", [4]int64{726052, 91, 62951, 0}, "update db2.t set a = 1", "SQL_SLAVE", "db1", 0, 6},
			// # Time has microseconds and agrees: start = 02.9 - 0.4.
			{"2024-11-21T10:15:02.5Z", [4]int64{400000, 91, 1, 0}, "select 1", "", "", 0, 4},
		},
	},
	{
		name: "comment line inside a statement",
		loc:  "UTC",
		log: `# Query_time: 1.000000  Lock_time: 0.000000  Rows_sent: 0  Rows_examined: 9
SELECT a
# the widest column
FROM t;
# Query_time: 2.000000  Lock_time: 0.000000  Rows_sent: 0  Rows_examined: 9
SELECT b FROM t;`,
		want: []slowWant{
			{"", [4]int64{1000000, 0, 9, 0}, "SELECT a\n# the widest column\nFROM t", "", "", 0, 4},
			{"", [4]int64{2000000, 0, 9, 0}, "SELECT b FROM t", "", "", 0, 2},
		},
	},
	{
		name: "use only statement and backticks",
		loc:  "UTC",
		log: `# Query_time: 0.018799  Lock_time: 0.009453  Rows_sent: 0  Rows_examined: 0
use ` + "`db`" + `;
# Query_time: 0.1  Lock_time: 0  Rows_sent: 0  Rows_examined: 0
use user_chos;
USE ` + "`user_chos`" + `;`,
		want: []slowWant{
			{"", [4]int64{18799, 9453, 0, 0}, "use `db`", "", "db", 0, 2},
			{"", [4]int64{100000, 0, 0, 0}, "USE `user_chos`", "", "user_chos", 0, 3},
		},
	},
}

func TestMySQLSlowReader(t *testing.T) {
	for _, tc := range mysqlSlowCases {
		t.Run(tc.name, func(t *testing.T) {
			r := newMySQLSlowReader(EventOptions{Loc: mysqlLoc(t, tc.loc)})
			res := mysqlFeedAll(r, []byte(tc.log))
			if len(res.skipped) != 0 {
				t.Errorf("skipped: %+v", res.skipped)
			}
			if len(res.events) != len(tc.want) {
				for _, e := range res.events {
					t.Logf("got %+v", e)
				}
				t.Fatalf("got %d records, want %d", len(res.events), len(tc.want))
			}
			for i, w := range tc.want {
				g := res.events[i]
				if g.Type != MySQLSlowQuery || g.Time != w.time || g.Num != w.num || g.Text != w.text ||
					g.Host != w.host || g.Unit != w.unit || g.PID != w.pid || g.Lines != w.lines {
					t.Errorf("record %d\n got %+v\nwant %+v", i, g, w)
				}
			}
		})
	}
}

func TestMySQLSlowReaderSkips(t *testing.T) {
	r := newMySQLSlowReader(EventOptions{Loc: time.UTC})
	res := mysqlFeedAll(r, []byte("\n# administrator command: Quit;\n-- START SESSION 10\n# Time: 081114 13:04:02\n# User@Host: truncated\n"))
	if len(res.events) != 0 {
		t.Errorf("a record without query time or statement was emitted: %+v", res.events)
	}
	want := []string{"blank line", "statement without header", "statement without header"}
	if len(res.skipped) != len(want) {
		t.Fatalf("skipped = %+v", res.skipped)
	}
	for i, w := range want {
		if res.skipped[i].reason != w {
			t.Errorf("skip %d reason %q, want %q", i, res.skipped[i].reason, w)
		}
	}
	if res.parsed != 2 {
		t.Errorf("parsed = %d, want 2 (the header lines)", res.parsed)
	}
}

func TestSlowMicros(t *testing.T) {
	for in, want := range map[string]int64{
		"0.011853": 11853, "2": 2000000, "10.000373": 10000373, "0.5": 500000, "1.1234567": 1123456,
		"18446744073708.796870.000036": -1, "": -1, "abc": -1, "1.2.3": -1, "-1": -1,
	} {
		if got := slowMicros([]byte(in)); got != want {
			t.Errorf("slowMicros(%q) = %d, want %d", in, got, want)
		}
	}
}
