package parsers

import (
	"bytes"
	"os"
	"testing"
)

func mysqlLines(s string) [][]byte {
	var out [][]byte
	for _, l := range bytes.Split([]byte(s), []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			out = append(out, l)
		}
	}
	return out
}

func TestSniffMySQL(t *testing.T) {
	cases := []struct {
		name   string
		lines  string
		kind   Kind
		format string
	}{
		{"mysql 8.0", "2024-11-21T10:15:02.123456Z 0 [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.40) starting as process 1", KindMySQLError, "mysql 8.x"},
		{"mysql 5.7", "2024-11-21T09:00:00.000000Z 0 [Note] /usr/sbin/mysqld (mysqld 5.7.44) starting as process 1234 ...\n2024-11-21T09:00:02.000000Z 0 [Note] /usr/sbin/mysqld: ready for connections.\nVersion: '5.7.44'  socket: '/s'  port: 3306  MySQL Community Server (GPL)", KindMySQLError, "mysql 5.7"},
		{"mysql 5.6", "2015-10-07 06:09:42 5907 [Warning] Access denied for user 'root'@'127.0.0.1' (using password: YES)", KindMySQLError, "mysql 5.6"},
		{"mysql 5.5", "130324  0:04:00 [Warning] Access denied for user 'root'@'192.168.1.35' (using password: NO)", KindMySQLError, "mysql 5.5"},
		{"mysql 5.0 mysqld_safe", "080721 03:03:57  mysqld started\n080721  3:04:00 [Warning] option 'x'", KindMySQLError, "mysql 5.5"},
		{"mariadb padded hour", "2023-10-22  0:00:35 2217 [Warning] Aborted connection 2217 to db: 'wp'", KindMySQLError, "mariadb 10.x"},
		{"mariadb by name", "2023-10-21 10:45:59 0 [Note] /usr/sbin/mariadbd (server 10.11.6-MariaDB-0+deb12u1) starting as process 1273 ...", KindMySQLError, "mariadb 10.x"},
		{"mariadb journald", "Oct 21 10:45:59 srv mariadbd[1273]: 2023-10-21 10:45:59 1194 [Warning] Aborted connection 1194 to db: 'wp'", KindMySQLError, "mariadb 10.x"},
		{"mysql 8 syseventlog", "Nov 21 11:15:02 db1 mysqld[1234]: [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.40) starting as process 1234", KindMySQLError, "mysql 8.x"},
		{"mysql slow 5.7", "# Time: 2016-07-20T18:13:25.698433Z\n# User@Host: root[root] @ localhost [127.0.0.1]  Id:     3\n# Query_time: 0.003464  Lock_time: 0.000324 Rows_sent: 1000  Rows_examined: 2000", KindMySQLSlow, "mysql slow"},
		{"percona slow", "# Time: 100518 5:11:01\n# User@Host: foo[foo] @ [1.2.3.4]\n# Thread_id: 342 Schema: db1 Last_errno: 0 Killed: 0\n# Query_time: 0.000173 Lock_time: 0.000048 Rows_sent: 18 Rows_examined: 18", KindMySQLSlow, "percona slow"},
		{"mariadb slow", "# Time: 241121  9:05:01\n# User@Host: app[app] @ localhost []\n# Thread_id: 42  Schema: shop  QC_hit: No\n# Query_time: 7.725616  Lock_time: 0.000328  Rows_sent: 4  Rows_examined: 1543720", KindMySQLSlow, "mariadb slow"},
		{"slow banner only header", "/usr/sbin/mysqld, Version: 5.7.12-0ubuntu1.1-log ((Ubuntu)). started with:\nTcp port: 3306  Unix socket: /var/run/mysqld/mysqld.sock\nTime                 Id Command    Argument", KindMySQLSlow, "mysql slow"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			kind, format, ok := sniffMySQL(mysqlLines(tc.lines))
			if !ok || kind != tc.kind || format != tc.format {
				t.Errorf("sniffMySQL = %v %q %v, want %v %q", kind, format, ok, tc.kind, tc.format)
			}
		})
	}
}

func TestSniffMySQLRejects(t *testing.T) {
	for _, s := range []string{
		"2024/11/21 10:15:02 [error] 1234#1234: *5 upstream timed out (110: Connection timed out)",
		"[21-Nov-2024 10:15:02] WARNING: [pool www] server reached pm.max_children setting (5), consider raising it",
		`127.0.0.1 - - [21/Nov/2024:10:15:02 +0100] "GET / HTTP/1.1" 200 612 "-" "curl/8.0"`,
		"Nov 21 10:15:02 host kernel: Out of memory: Killed process 1234 (php-fpm8.2) total-vm:1kB",
		"2024-11-21 10:15:02,123 INFO some java app started",
		"hello world",
	} {
		if kind, format, ok := sniffMySQL(mysqlLines(s)); ok {
			t.Errorf("sniffMySQL(%q) = %v %q, want no match", s, kind, format)
		}
	}
}

func TestSniffMySQLCorpus(t *testing.T) {
	for _, c := range []struct {
		file   string
		kind   Kind
		format string
	}{
		{"lnav/logfile_mysql_error.0", KindMySQLError, "mysql 8.x"},
		{"lnav/logfile_mysql_slow.0", KindMySQLSlow, "percona slow"},
		{"percona-toolkit/errlogs/errlog001.txt", KindMySQLError, "mysql 5.5"},
		{"percona-toolkit/slowlogs/slow002.txt", KindMySQLSlow, "percona slow"},
		{"percona-toolkit/slowlogs/mysql5.7.log", KindMySQLSlow, "mysql slow"},
	} {
		data, err := os.ReadFile(mysqlCorpus(t, c.file))
		if err != nil {
			t.Fatal(err)
		}
		lines := mysqlLines(string(data))
		if len(lines) > 20 {
			lines = lines[:20]
		}
		kind, format, ok := sniffMySQL(lines)
		if !ok || kind != c.kind || format != c.format {
			t.Errorf("%s: sniffMySQL = %v %q %v, want %v %q", c.file, kind, format, ok, c.kind, c.format)
		}
	}
}
