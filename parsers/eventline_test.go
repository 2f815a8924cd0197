package parsers

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestEventLine feeds every EventReader single-line and multi-line samples
// and checks that each record carries the number of its first physical line
// in Line, whether it is emitted on that line, when the next record starts,
// or by Flush, and that Line+Lines-1 never runs past the last line fed.
//
// want lists the records in emit order as "L" (Line L, one line) or "L(n)"
// (Line L, Lines n).
func TestEventLine(t *testing.T) {
	for _, c := range []struct {
		name   string
		kind   Kind
		format string
		file   string   // under testdata/, or
		lines  []string // inline sample
		want   []string
	}{
		// nginx error: a FastCGI stderr record runs to the next stamp.
		{name: "nginx incident", kind: KindNginxError, file: "nginx-error/incident.log",
			want: []string{"1", "2", "3", "4", "5", "6", "7", "8(6)", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26"}},
		{name: "nginx crlf", kind: KindNginxError, file: "nginx-error/crlf.log", want: []string{"1", "2"}},
		{name: "nginx multi-line flushed", kind: KindNginxError, lines: []string{
			`garbage before the first record`,
			`2024/11/21 10:15:04 [error] 4400#4400: *56792 FastCGI sent in stderr: "PHP message: PHP Fatal error:  Uncaught PDOException`,
			`Stack trace:`,
			`#0 {main}`,
			`  thrown in /var/www/db.php on line 40" while reading response header from upstream, client: 198.51.100.2, server: shop, request: "GET / HTTP/1.1", host: "shop"`,
			`nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)`,
			`2024/11/21 10:15:05 [error] 4400#4400: *56793 FastCGI sent in stderr: "PHP message: PHP Warning:  x`,
			`Stack trace:`,
			`#0 {main}" while reading response header from upstream, client: 198.51.100.2`,
		}, want: []string{"2(4)", "6", "7(3)"}},
		{name: "nginx in journal", kind: KindNginxError, lines: []string{
			`-- Logs begin at Thu 2024-11-21 00:00:01 UTC, end at Thu 2024-11-21 12:00:00 UTC. --`,
			`Nov 21 10:15:09 web nginx[1201]: 2024/11/21 10:15:09 [error] 4400#4400: *7 no live upstreams while connecting to upstream, client: 192.0.2.1`,
			`Nov 21 10:15:10 web nginx[1201]: nginx: [alert] 1024 worker_connections are not enough`,
		}, want: []string{"2", "3"}},

		// Apache error: single-line.
		{name: "apache incident", kind: KindApacheError, file: "apache-error/incident.log",
			want: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"}},

		// PHP-FPM master log: single-line, bare, docker, journal, debug.
		{name: "fpm incident", kind: KindFPM, file: "fpm/incident.log",
			want: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27"}},
		{name: "fpm docker", kind: KindFPM, file: "fpm/docker.log", want: []string{"1", "2", "3", "4", "5"}},
		{name: "fpm journal", kind: KindFPM, file: "fpm/journal.log", want: []string{"2", "3", "4", "5"}},
		{name: "fpm debug", kind: KindFPM, file: "fpm/debug.log", want: []string{"1", "2", "3"}},

		// PHP-FPM slow log: a record from its header to a blank line, the
		// last one by Flush.
		{name: "fpm slow incident", kind: KindFPMSlow, file: "fpm-slow/incident.log", want: []string{"2(5)", "8(5)", "14(3)"}},

		// Kernel: dmesg, dmesg -T, journal JSON, and the syslog router with
		// its FPM, MySQL and nginx sub-readers.
		{name: "dmesg", kind: KindKernel, format: FormatDmesg, file: "kernel/dmesg.log", want: []string{"1", "2", "3", "4", "5", "6"}},
		{name: "dmesg -T", kind: KindKernel, format: FormatDmesgHuman, file: "kernel/dmesg-T.log", want: []string{"1", "2"}},
		{name: "journal json", kind: KindKernel, format: FormatJournalJSON, file: "kernel/journal.json", want: []string{"1", "2", "3", "4", "5"}},
		{name: "syslog incident", kind: KindKernel, format: FormatSyslog, file: "kernel/syslog.log",
			// mariadbd 18 is emitted when 19 starts, 19 by Flush.
			want: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "20", "21", "22", "23", "24", "25", "26", "27", "28", "19"}},
		{name: "mariadb journal via router", kind: KindKernel, format: FormatSyslog, file: "mysql-error/mariadb11-journal.log",
			want: []string{"1", "2", "3", "4(2)", "6", "7", "8", "9"}},
		{name: "syslog router interleaved", kind: KindKernel, format: FormatSyslog, lines: []string{
			`Nov 21 11:15:01 db1 systemd[1]: Starting mariadb.service - MariaDB 11.4.4 database server...`,
			`Nov 21 11:15:03 db1 mariadbd[4242]: 2024-11-21 11:15:03 0 [Note] /usr/sbin/mariadbd: ready for connections.`,
			`Nov 21 11:15:03 db1 kernel: [12345.600000] php-fpm8.2 invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0`,
			`Nov 21 11:15:03 db1 mariadbd[4242]: Version: '11.4.4-MariaDB-deb12'  socket: '/run/mysqld/mysqld.sock'  port: 3306  Debian 12`,
			`Nov 21 11:15:04 db1 php-fpm8.2[1101]: [WARNING] [pool www] server reached pm.max_children setting (50), consider raising it`,
			`Nov 21 11:20:35 db1 mariadbd[4242]: 2024-11-21 11:20:35 2217 [Warning] Aborted connection 2217 to db: 'wp' user: 'wp' host: 'localhost' (Got timeout reading communication packets)`,
			`Nov 21 11:20:36 db1 nginx[1201]: 2024/11/21 11:20:36 [error] 4400#4400: *7 connect() to unix:/run/php/php8.2-fpm.sock failed (11: Resource temporarily unavailable) while connecting to upstream, client: 192.0.2.1`,
			`Nov 21 11:20:37 db1 httpd[1300]: [proxy_fcgi:error] [pid 1300:tid 5] [client 192.0.2.1:5000] AH01079: failed to make connection to backend: httpd-UDS`,
		}, want: []string{"1", "3", "5", "2(2)", "7", "8", "6"}},
		{name: "kernel without format", kind: KindKernel, lines: []string{
			`Nov 21 10:15:00 web kernel: [12345.602100] Out of memory: Killed process 5151 (mariadbd) total-vm:2048000kB, anon-rss:1024000kB`,
			`[12345.602100] Memory cgroup out of memory: Killed process 4242 (php-fpm8.2) total-vm:512000kB, anon-rss:20480kB`,
			`{"__REALTIME_TIMESTAMP":"1732184103000000","PRIORITY":"3","SYSLOG_IDENTIFIER":"mariadbd","MESSAGE":"2024-11-21 11:15:03 0 [Note] /usr/sbin/mariadbd: ready for connections."}`,
			`{"__REALTIME_TIMESTAMP":"1732184103000001","SYSLOG_IDENTIFIER":"mariadbd","MESSAGE":"Version: '11.4.4-MariaDB-deb12'  socket: '/run/mysqld/mysqld.sock'  port: 3306"}`,
		}, want: []string{"1", "2", "3", "4"}},

		// MySQL error log: crash reports and "Version:" lines continue the
		// record before them.
		{name: "mysql 8 docker", kind: KindMySQLError, file: "mysql-error/mysql80-docker.log",
			want: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12(19)", "31", "32"}},
		{name: "mariadb journal", kind: KindMySQLError, file: "mysql-error/mariadb11-journal.log",
			want: []string{"2", "3", "4(2)", "6", "7", "8", "9"}},
		{name: "mariadb edge", kind: KindMySQLError, file: "mysql-error/mariadb10-edge.log",
			want: []string{"1", "2", "3", "4", "5(4)", "9"}},
		{name: "mysql crash report flushed", kind: KindMySQLError, lines: []string{
			`2024-11-21T10:42:10.000000Z 0 [Warning] [MY-011953] [InnoDB] Page cleaner took 4012ms to flush 2 and evict 0 pages`,
			`2024-11-21T10:44:00Z UTC - mysqld got signal 11 ;`,
			`Most likely, you have hit a bug, but this error can also be caused by malfunctioning hardware.`,
			`Thread pointer: 0x7f6a2c000b70`,
			``,
			`Query (7f6a2c0a1b20): SELECT * FROM orders WHERE id = 1`,
		}, want: []string{"1", "2(5)"}},
		{name: "mysql 8 syseventlog", kind: KindMySQLError, lines: []string{
			`Nov 21 10:15:02 db mysqld[812]: [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.40) starting as process 812`,
			`Nov 21 10:15:03 db mysqld[812]: [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '8.0.40'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL.`,
		}, want: []string{"1", "2"}},

		// MySQL slow log: a record from its first header ("# Time:" when it
		// has one) to the next record, a server banner, or Flush.
		{name: "mysql slow", kind: KindMySQLSlow, file: "mysql-slow/mysql80-slow-extra.log", want: []string{"4(6)", "10(5)", "18(5)"}},
		{name: "mariadb slow crlf", kind: KindMySQLSlow, file: "mysql-slow/mariadb-slow-crlf.log", want: []string{"1(7)", "8(5)"}},
		{name: "mysql slow without time", kind: KindMySQLSlow, lines: []string{
			``,
			`# User@Host: app[app] @ localhost []  Id:    42`,
			`# Query_time: 1.000000  Lock_time: 0.000000 Rows_sent: 1  Rows_examined: 1`,
			`SET timestamp=1732184102;`,
			`SELECT 1;`,
			``,
			`# Query_time: 2.000000  Lock_time: 0.000000 Rows_sent: 1  Rows_examined: 1`,
			`SELECT 2;`,
		}, want: []string{"2(5)", "7(2)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			lines := make([][]byte, 0, len(c.lines))
			for _, l := range c.lines {
				lines = append(lines, []byte(l))
			}
			if c.file != "" {
				data, err := os.ReadFile(filepath.Join("testdata", c.file))
				if err != nil {
					t.Fatal(err)
				}
				lines = bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
			}
			r, err := NewEventReader(c.kind, c.format, testOpts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			var at int64 // the line being fed; the last one during Flush
			emit := func(e *Event) {
				got = append(got, eventLineOf(e))
				if e.Line < 1 || e.Lines < 1 {
					t.Errorf("record %s (%s): Line %d, Lines %d; want both ≥ 1", eventLineOf(e), e.Type, e.Line, e.Lines)
				}
				if end := e.Line + int64(e.Lines) - 1; end > at {
					t.Errorf("record %s (%s) emitted at line %d ends at line %d, past the last line fed", eventLineOf(e), e.Type, at, end)
				}
			}
			for i, l := range lines {
				at = int64(i + 1)
				_ = r.Feed(l, at, emit) // skipped lines are part of some samples
			}
			r.Flush(emit)
			if !slices.Equal(got, c.want) {
				t.Errorf("records\n got %q\nwant %q", got, c.want)
			}
		})
	}
}

// eventLineOf names a record by its Line and, when it spans more than one
// line, its Lines: "8" or "8(6)".
func eventLineOf(e *Event) string {
	if e.Lines == 1 {
		return fmt.Sprint(e.Line)
	}
	return fmt.Sprintf("%d(%d)", e.Line, e.Lines)
}
