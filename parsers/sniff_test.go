package parsers

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sniffLines(s string) [][]byte {
	var out [][]byte
	for _, l := range strings.Split(s, "\n") {
		out = append(out, []byte(l))
	}
	return out
}

func TestSniff(t *testing.T) {
	for _, c := range []struct {
		name   string
		lines  []string
		kind   Kind
		format string
	}{
		{"nginx error", []string{caseLine(nginxCases, "upstream timed out reading"), caseLine(nginxCases, "upstream timed out connecting tcp"), "", caseLine(nginxCases, "php memory exhausted")}, KindNginxError, "nginx"},
		{"nginx error with php continuation", caseOf(nginxCases, "php gone away multi-line").lines, KindNginxError, "nginx"},
		{"nginx in syslog", []string{caseLine(nginxCases, "journal wrapped"), caseLine(nginxCases, "stderr under systemd")}, KindNginxError, "nginx (syslog)"},
		{"apache 2.4", []string{caseLine(apacheCases, "max request workers prefork"), caseLine(apacheCases, "child exit signal"), caseLine(apacheCases, "proxy timeout")}, KindApacheError, "apache 2.4"},
		{"apache 2.2", []string{caseLine(apacheCases, "max clients 2.2"), caseLine(apacheCases, "2.2 client ipv6")}, KindApacheError, "apache 2.2"},
		{"fpm", []string{caseLine(fpmCases, "max children dynamic"), caseLine(fpmCases, "child exited sigkill"), caseLine(fpmCases, "fpm is running")}, KindFPM, "php-fpm 7.x/8.x"},
		{"fpm debug", []string{caseLine(fpmCases, "debug stamp"), `[21-Nov-2024 10:15:02.223456] DEBUG: pid 12, fpm_event_loop(), line 410: event module is epoll`}, KindFPM, "php-fpm debug"},
		{"fpm in syslog", []string{caseLine(fpmCases, "syslog form"), `Nov 21 10:15:03 web php-fpm8.2[1201]: [NOTICE] fpm is running, pid 1201`}, KindFPM, "php-fpm 7.x/8.x (syslog)"},
		{"fpm in docker", []string{caseLine(fpmCases, "docker logs -t"), `2024-11-21T09:15:03.000000000Z [21-Nov-2024 09:15:03] NOTICE: fpm is running, pid 1`}, KindFPM, "php-fpm 7.x/8.x (docker)"},
		{"fpm slow", strings.Split(fpmSlowSample, "\n"), KindFPMSlow, "php-fpm slowlog"},
		{"mixed syslog", []string{caseLine(kernelCases, "oom killed 5.x"), caseLine(kernelCases, "systemd main killed"), caseLine(kernelCases, "routed php-fpm"), caseLine(kernelCases, "other program")}, KindKernel, "syslog"},
		{"journal text", []string{`-- Logs begin at Thu 2024-11-21 00:00:01 CET, end at Thu 2024-11-21 12:00:00 CET. --`, caseLine(kernelCases, "oom killed 5.x"), caseLine(kernelCases, "systemd main exited code")}, KindKernel, "journal"},
		{"journal json", journalJSONLines, KindKernel, "journal json"},
		{"dmesg", []string{`[    0.000000] Linux version 6.1.0-26-amd64`, `[12345.678901] Out of memory: Killed process 4242 (php-fpm8.2) total-vm:1kB, anon-rss:1kB`}, KindKernel, "dmesg"},
		{"dmesg -T", []string{`[Thu Nov 21 10:15:02 2024] Out of memory: Killed process 4242 (php-fpm8.2) total-vm:1kB, anon-rss:1kB`}, KindKernel, "dmesg -T"},
		{"mariadb error", []string{`2023-10-21 10:45:59 0 [Note] Starting MariaDB 10.11.6-MariaDB-0+deb12u1 source revision fecd78b83785d5ae96f2c6ff340375be803cd299 as process 1273`, `2023-10-21 10:45:59 0 [Note] InnoDB: Compressed tables use zlib 1.2.13`, `2023-10-21 10:46:00 0 [Note] /usr/sbin/mariadbd: ready for connections.`}, KindMySQLError, ""},
		{"mysql 8 docker entrypoint", []string{
			`2024-11-21 10:15:00+00:00 [Note] [Entrypoint]: Entrypoint script for MySQL Server 8.0.40-1.el9 started.`,
			`2024-11-21 10:15:01+00:00 [Note] [Entrypoint]: Initializing database files`,
			`2024-11-21T10:15:02.123456Z 0 [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.40) starting as process 80`,
			`2024-11-21T10:15:03.001500Z 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '8.0.40'  socket: '/var/run/mysqld/mysqld.sock'  port: 0  MySQL Community Server - GPL.`,
			`2024-11-21 10:15:04+00:00 [Note] [Entrypoint]: Temporary server started.`,
		}, KindMySQLError, "mysql 8.x"},
		{"mysql 8 entrypoint only", []string{
			`2024-11-21 10:15:00+00:00 [Note] [Entrypoint]: Entrypoint script for MySQL Server 8.0.40-1.el9 started.`,
			`2024-11-21 10:15:01+00:00 [Note] [Entrypoint]: Switching to dedicated user 'mysql'`,
		}, KindMySQLError, ""},
		{"mysql 8 in syslog", []string{
			`Nov 21 10:15:02 db mysqld[812]: [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.40) starting as process 812`,
			`Nov 21 10:15:03 db mysqld[812]: [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '8.0.40'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL.`,
		}, KindMySQLError, ""},
		{"mysql slow", []string{`# Time: 2024-11-21T10:15:02.123456Z`, `# User@Host: app[app] @ localhost []  Id:    42`, `# Query_time: 7.725616  Lock_time: 0.000328 Rows_sent: 4  Rows_examined: 1543720`, `SET timestamp=1732184102;`, `SELECT * FROM t WHERE a = 1;`}, KindMySQLSlow, ""},
		{"access combined", []string{`1.2.3.4 - - [21/Nov/2024:10:15:02 +0100] "GET / HTTP/1.1" 200 512 "-" "curl/8.0"`, `1.2.3.5 - - [21/Nov/2024:10:15:03 +0100] "GET /a HTTP/1.1" 404 12 "-" "curl/8.0"`}, KindAccess, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			kind, format, err := Sniff(sniffLines(strings.Join(c.lines, "\n")))
			if err != nil {
				t.Fatal(err)
			}
			if kind != c.kind || (c.format != "" && format != c.format) || format == "" {
				t.Errorf("Sniff = %s %q, want %s %q", kind, format, c.kind, c.format)
			}
		})
	}
}

func TestSniffUnrecognized(t *testing.T) {
	for name, in := range map[string]string{
		"empty":      "\n\n  \n",
		"prose":      "It was a dark and stormy night.\nThe server fell over.\nNobody knew why.",
		"binary":     "\x00\x01\x02\x03\n\xff\xfe\xfd",
		"dpkg":       "2024-11-21 10:15:02 startup archives unpack\n2024-11-21 10:15:03 install libc6:amd64 <none> 2.36-9\n2024-11-21 10:15:04 status half-installed libc6:amd64 2.36-9",
		"cloud-init": "2024-11-21 10:15:02,123 - util.py[DEBUG]: Cloud-init v. 23.1 running 'init-local'\n2024-11-21 10:15:02,456 - main.py[DEBUG]: No kernel command line url found.",
	} {
		kind, _, err := Sniff(sniffLines(in))
		if kind != KindUnknown || !errors.Is(err, errUnrecognized) {
			t.Errorf("%s: Sniff = %s, %v; want unknown and errUnrecognized", name, kind, err)
		}
	}
}

// TestSniffCorpus sniffs the corpus files by content alone.
func TestSniffCorpus(t *testing.T) {
	for _, c := range []struct {
		file string
		kind Kind
	}{
		{"fail2ban/nginx-limit-req", KindNginxError},
		{"fail2ban/nginx-http-auth", KindNginxError},
		{"fail2ban/nginx-forbidden", KindNginxError},
		{"fail2ban/apache-auth", KindApacheError},
		{"fail2ban/apache-overflows", KindApacheError},
		{"fail2ban/apache-botsearch", KindApacheError},
		{"fail2ban/apache-noscript", KindApacheError},
		{"lnav/logfile_syslog.0", KindKernel},
		{"lnav/logfile_bad_syslog.0", KindKernel},
		{"lnav/logfile_syslog_with_mixed_times.0", KindKernel},
		{"lnav/logfile_journald.json", KindKernel},
		{"lnav/logfile_access_log.0", KindAccess},
		{"elastic-examples/apache_logs", KindAccess},
		{"lnav/logfile_mysql_error.0", KindMySQLError},
		{"lnav/logfile_mysql_slow.0", KindMySQLSlow},
		{"percona-toolkit/slowlogs/slow002.txt", KindMySQLSlow},
	} {
		t.Run(c.file, func(t *testing.T) {
			if _, err := os.Stat(corpusDir); err != nil {
				t.Skip("corpus not present")
			}
			f, err := os.Open(filepath.Join(corpusDir, c.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var lines [][]byte
			sc := bufio.NewScanner(f)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() && len(lines) < 200 {
				if l := sc.Text(); !strings.HasPrefix(l, "# failJSON") && !strings.HasPrefix(l, "# filterOptions") && !(strings.HasPrefix(c.file, "fail2ban") && strings.HasPrefix(l, "#")) {
					lines = append(lines, []byte(l))
				}
			}
			kind, format, err := Sniff(lines)
			if err != nil || kind != c.kind {
				t.Errorf("Sniff = %s %q, %v; want %s", kind, format, err, c.kind)
			}
			t.Logf("%s: %s %q", c.file, kind, format)
		})
	}
}
