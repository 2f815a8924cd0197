package parsers

import (
	"strings"
	"testing"
	"time"
)

// mysqlWant is what a test checks of one emitted error-log record.
type mysqlWant struct {
	time  string // RFC 3339 UTC
	typ   EventType
	level Level
	num0  int64
	pid   int64
	code  int64
	text  string // prefix of Text
	lines int
}

// mysqlErrorCases are realistic logs per server version (domain.md A.5),
// each checked record by record.
var mysqlErrorCases = []struct {
	name string
	loc  string
	log  string
	want []mysqlWant
}{
	{
		name: "mysql 8.0 docker entrypoint temp server",
		loc:  "UTC",
		log: `2024-11-21 10:15:00+00:00 [Note] [Entrypoint]: Entrypoint script for MySQL Server 8.0.40-1.el9 started.
2024-11-21T10:15:02.123456Z 0 [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.40) starting as process 1
2024-11-21T10:15:02.131410Z 1 [System] [MY-013576] [InnoDB] InnoDB initialization has started.
2024-11-21T10:15:03.001234Z 0 [System] [MY-011323] [Server] X Plugin ready for connections. Bind-address: '::' port: 33060, socket: /var/run/mysqld/mysqlx.sock
2024-11-21T10:15:03.001500Z 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '8.0.40'  socket: '/var/run/mysqld/mysqld.sock'  port: 0  MySQL Community Server - GPL.
2024-11-21T10:15:04.100000Z 10 [System] [MY-013172] [Server] Received SHUTDOWN from user root. Shutting down mysqld (Version: 8.0.40).
2024-11-21T10:15:05.900000Z 0 [System] [MY-010910] [Server] /usr/sbin/mysqld: Shutdown complete (mysqld 8.0.40)  MySQL Community Server - GPL.
2024-11-21T10:15:06.000000Z 0 [Warning] [MY-010068] [Server] CA certificate ca.pem is self signed.`,
		want: []mysqlWant{
			{"2024-11-21T10:15:00Z", MySQLEntrypoint, LevelInfo, 0, 0, 0, "Entrypoint script for MySQL Server", 1},
			{"2024-11-21T10:15:02.123456Z", MySQLStarting, LevelInfo, 0, 1, 10116, "/usr/sbin/mysqld (mysqld 8.0.40) starting", 1},
			{"2024-11-21T10:15:02.13141Z", EventOther, LevelInfo, 0, 0, 13576, "InnoDB initialization has started.", 1},
			{"2024-11-21T10:15:03.001234Z", EventOther, LevelInfo, 0, 0, 11323, "X Plugin ready for connections.", 1},
			{"2024-11-21T10:15:03.0015Z", MySQLReady, LevelInfo, 0, 0, 10931, "/usr/sbin/mysqld: ready for connections.", 1},
			{"2024-11-21T10:15:04.1Z", MySQLShutdownRequest, LevelInfo, 0, 0, 13172, "Received SHUTDOWN from user root.", 1},
			{"2024-11-21T10:15:05.9Z", MySQLShutdownComplete, LevelInfo, 0, 0, 10910, "/usr/sbin/mysqld: Shutdown complete", 1},
			{"2024-11-21T10:15:06Z", EventOther, LevelWarning, 0, 0, 10068, "CA certificate", 1},
		},
	},
	{
		name: "mysql 8.4 assertion, crash report and abort",
		loc:  "UTC",
		log: `2024-11-21T10:20:00.000001Z 0 [System] [MY-015015] [Server] MySQL Server - start.
2024-11-21T10:20:00.200000Z 0 [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.4.5) starting as process 87
2024-11-21T10:20:01.300000Z 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '8.4.5'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL.
2024-11-21T10:30:00.000000Z 0 [ERROR] [MY-013183] [InnoDB] Assertion failure: dyn0buf.h:111:n <= MAX_DATA_SIZE thread 140093483800320
InnoDB: We intentionally generate a memory trap.
2024-11-21T10:30:00Z UTC - mysqld got signal 6 ;
Most likely, you have hit a bug, but this error can also be caused by malfunctioning hardware.
BuildID[sha1]=0a1b2c3d
Thread pointer: 0x7f6a2c000b70
/usr/sbin/mysqld(my_print_stacktrace(unsigned char const*, unsigned long)+0x41) [0x2131f11]

2024-11-21T10:31:00.000000Z 0 [ERROR] [MY-010119] [Server] Aborting
2024-11-21T10:31:01.000000Z 0 [System] [MY-015016] [Server] MySQL Server - end.`,
		want: []mysqlWant{
			{"2024-11-21T10:20:00.000001Z", EventOther, LevelInfo, 0, 0, 15015, "MySQL Server - start.", 1},
			{"2024-11-21T10:20:00.2Z", MySQLStarting, LevelInfo, 0, 87, 10116, "/usr/sbin/mysqld (mysqld 8.4.5)", 1},
			{"2024-11-21T10:20:01.3Z", MySQLReady, LevelInfo, 3306, 0, 10931, "/usr/sbin/mysqld: ready", 1},
			{"2024-11-21T10:30:00Z", MySQLAssertion, LevelError, 0, 0, 13183, "Assertion failure: dyn0buf.h:111", 2},
			{"2024-11-21T10:30:00Z", MySQLGotSignal, LevelCritical, 6, 0, 0, "mysqld got signal 6 ;\nMost likely", 6},
			{"2024-11-21T10:31:00Z", MySQLAborting, LevelError, 0, 0, 10119, "Aborting", 1},
			{"2024-11-21T10:31:01Z", EventOther, LevelInfo, 0, 0, 15016, "MySQL Server - end.", 1},
		},
	},
	{
		name: "mysql 5.7 crash recovery, contention and time-only crash",
		loc:  "UTC",
		log: `2024-11-21T09:00:00.000000Z 0 [Note] /usr/sbin/mysqld (mysqld 5.7.44) starting as process 1234 ...
2024-11-21T09:00:01.000000Z 0 [Note] InnoDB: Database was not shutdown normally!
2024-11-21T09:00:01.000100Z 0 [Note] InnoDB: Starting crash recovery.
2024-11-21T09:00:02.000000Z 0 [Note] /usr/sbin/mysqld: ready for connections.
Version: '5.7.44'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server (GPL)
2024-11-21T09:05:00.000000Z 0 [Note] InnoDB: page_cleaner: 1000ms intended loop took 24159ms. The settings might not be optimal. (flushed=200 and evicted=0, during the time.)
2024-11-21T09:06:00.000000Z 42 [Note] Aborted connection 42 to db: 'shop' user: 'app' host: '10.0.0.5' (Got an error reading communication packets)
2024-11-21T09:07:00.000000Z 0 [Note] InnoDB: Buffer pool(s) load completed at 241121  9:07:00
2024-11-21T09:07:30.000000Z 0 [Note] InnoDB: Transactions deadlock detected, dumping detailed information.
*** (1) TRANSACTION:
TRANSACTION 9876, ACTIVE 0 sec starting index read
2024-11-21T09:08:00.000000Z 0 [ERROR] mysqld: Out of memory (Needed 2097152 bytes)
09:10:11 UTC - mysqld got signal 11 ;
This could be because you hit a bug. It is also possible that this binary
2024-11-21T10:11:00.000000+01:00 0 [Note] /usr/sbin/mysqld: Normal shutdown
2024-11-21T10:11:02.000000+01:00 0 [Note] /usr/sbin/mysqld: Shutdown complete
`,
		want: []mysqlWant{
			{"2024-11-21T09:00:00Z", MySQLStarting, LevelInfo, 0, 1234, 0, "/usr/sbin/mysqld (mysqld 5.7.44)", 1},
			{"2024-11-21T09:00:01Z", MySQLCrashRecovery, LevelInfo, 0, 0, 0, "InnoDB: Database was not shutdown normally!", 1},
			{"2024-11-21T09:00:01.0001Z", MySQLCrashRecovery, LevelInfo, 0, 0, 0, "InnoDB: Starting crash recovery.", 1},
			{"2024-11-21T09:00:02Z", MySQLReady, LevelInfo, 3306, 0, 0, "/usr/sbin/mysqld: ready for connections.\nVersion: '5.7.44'", 2},
			{"2024-11-21T09:05:00Z", MySQLPageCleaner, LevelInfo, 24159, 0, 0, "InnoDB: page_cleaner", 1},
			{"2024-11-21T09:06:00Z", MySQLAbortedConn, LevelInfo, 0, 0, 0, "Aborted connection 42", 1},
			{"2024-11-21T09:07:00Z", MySQLBufferPoolLoaded, LevelInfo, 0, 0, 0, "InnoDB: Buffer pool(s) load completed", 1},
			{"2024-11-21T09:07:30Z", MySQLDeadlock, LevelInfo, 0, 0, 0, "InnoDB: Transactions deadlock detected", 3},
			{"2024-11-21T09:08:00Z", MySQLOutOfMemory, LevelError, 2097152, 0, 0, "mysqld: Out of memory", 1},
			{"2024-11-21T09:10:11Z", MySQLGotSignal, LevelCritical, 11, 0, 0, "mysqld got signal 11 ;", 2},
			{"2024-11-21T09:11:00Z", MySQLShutdownRequest, LevelInfo, 0, 0, 0, "/usr/sbin/mysqld: Normal shutdown", 1},
			{"2024-11-21T09:11:02Z", MySQLShutdownComplete, LevelInfo, 0, 0, 0, "/usr/sbin/mysqld: Shutdown complete", 1},
		},
	},
	{
		name: "mysql 8.0 contention at verbosity 3",
		loc:  "UTC",
		log: `2024-11-21T11:00:00.000000Z 0 [Warning] [MY-011953] [InnoDB] Page cleaner took 4012ms to flush 2 and evict 0 pages
2024-11-21T11:00:01.000000Z 812 [Note] [MY-010914] [Server] Aborted connection 812 to db: 'shop' user: 'app' host: '172.18.0.5' (Got an error reading communication packets).
2024-11-21T11:00:02.000000Z 0 [Note] [MY-012468] [InnoDB] Transactions deadlock detected, dumping detailed information.
2024-11-21T11:00:03.000000Z 0 [ERROR] [MY-012681] [InnoDB] mmap(137363456 bytes) failed; errno 12
2024-11-21T11:00:04.000000Z 0 [Warning] [MY-012111] [InnoDB] Close file ./shop/orders.ibd failed.`,
		want: []mysqlWant{
			{"2024-11-21T11:00:00Z", MySQLPageCleaner, LevelWarning, 4012, 0, 11953, "Page cleaner took 4012ms", 1},
			{"2024-11-21T11:00:01Z", MySQLAbortedConn, LevelInfo, 0, 0, 10914, "Aborted connection 812", 1},
			{"2024-11-21T11:00:02Z", MySQLDeadlock, LevelInfo, 0, 0, 12468, "Transactions deadlock detected", 1},
			{"2024-11-21T11:00:03Z", MySQLOutOfMemory, LevelError, 137363456, 0, 12681, "mmap(137363456 bytes) failed", 1},
			{"2024-11-21T11:00:04Z", EventOther, LevelWarning, 0, 0, 12111, "Close file", 1},
		},
	},
	{
		name: "mysql 5.7 time-only crash after midnight",
		loc:  "UTC",
		log: `2024-11-21T23:59:58.000000Z 0 [Note] InnoDB: page_cleaner: 1000ms intended loop took 4459ms.
00:00:05 UTC - mysqld got signal 11 ;`,
		want: []mysqlWant{
			{"2024-11-21T23:59:58Z", MySQLPageCleaner, LevelInfo, 4459, 0, 0, "InnoDB: page_cleaner", 1},
			{"2024-11-22T00:00:05Z", MySQLGotSignal, LevelCritical, 11, 0, 0, "mysqld got signal 11 ;", 1},
		},
	},
	{
		name: "mysql 5.6 local time",
		loc:  "America/New_York",
		log: `2015-03-17 11:21:51 14235 [Note] InnoDB: Transactions deadlock detected, dumping detailed information.
2015-03-17 11:21:52 14235 [Note] /usr/sbin/mysqld: ready for connections.
Version: '5.6.51'  socket: '/var/lib/mysql/mysql.sock'  port: 3307  MySQL Community Server (GPL)`,
		want: []mysqlWant{
			{"2015-03-17T15:21:51Z", MySQLDeadlock, LevelInfo, 0, 0, 0, "InnoDB: Transactions deadlock", 1},
			{"2015-03-17T15:21:52Z", MySQLReady, LevelInfo, 3307, 0, 0, "/usr/sbin/mysqld: ready", 2},
		},
	},
	{
		name: "mysql 5.5 space-padded hour",
		loc:  "Europe/Prague",
		log: `130324  0:04:00 [Note] /usr/sbin/mysqld: ready for connections.
Version: '5.5.62-log'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server (GPL)
130324  9:05:01 [ERROR] /usr/sbin/mysqld: Out of memory (Needed 1048576 bytes)
130324 17:56:13 [Note] /usr/sbin/mysqld: Normal shutdown

130324 17:56:15 [Note] /usr/sbin/mysqld: Shutdown complete
`,
		want: []mysqlWant{
			{"2013-03-23T23:04:00Z", MySQLReady, LevelInfo, 3306, 0, 0, "/usr/sbin/mysqld: ready", 2},
			{"2013-03-24T08:05:01Z", MySQLOutOfMemory, LevelError, 1048576, 0, 0, "/usr/sbin/mysqld: Out of memory", 1},
			{"2013-03-24T16:56:13Z", MySQLShutdownRequest, LevelInfo, 0, 0, 0, "/usr/sbin/mysqld: Normal shutdown", 2},
			{"2013-03-24T16:56:15Z", MySQLShutdownComplete, LevelInfo, 0, 0, 0, "/usr/sbin/mysqld: Shutdown complete", 1},
		},
	},
	{
		name: "mariadb 10.11 local time, crash and recovery",
		loc:  "Europe/Berlin",
		log: `2023-10-21 10:45:59 0 [Note] /usr/sbin/mariadbd (server 10.11.6-MariaDB-0+deb12u1) starting as process 1273 ...
2023-10-22  0:00:35 2217 [Warning] Aborted connection 2217 to db: 'wp' user: 'wp' host: 'localhost' (Got timeout reading communication packets)
2023-10-22  0:01:00 0 [Note] /usr/sbin/mariadbd (initiated by: root[root] @ localhost []): Normal shutdown
2023-10-22  0:01:02 0 [Note] InnoDB: Shutdown completed; log sequence number 46590; transaction id 15
2023-10-22  0:01:02 0 [Note] /usr/sbin/mariadbd: Shutdown complete

231022  0:05:01 [ERROR] mysqld got signal 11 ;
Sorry, we probably made a mistake, and this is a bug.
Server version: 10.11.6-MariaDB-0+deb12u1 source revision: fecd78b83785d5ae96f2c6ff340375be803cd299
Query (0x7f3e2c0145a0): SELECT 1
Connection ID (thread ID): 12
Status: NOT_KILLED
2023-10-22  0:05:10 0 [Note] InnoDB: Starting crash recovery from checkpoint LSN=1640838
2023-10-22  0:05:11 0 [Note] /usr/sbin/mariadbd: ready for connections.
Version: '10.11.6-MariaDB-0+deb12u1'  socket: '/run/mysqld/mysqld.sock'  port: 3306  Debian 12
2023-10-22  0:05:12 0 [ERROR] Aborting`,
		want: []mysqlWant{
			{"2023-10-21T08:45:59Z", MySQLStarting, LevelInfo, 0, 1273, 0, "/usr/sbin/mariadbd (server 10.11.6", 1},
			{"2023-10-21T22:00:35Z", MySQLAbortedConn, LevelWarning, 0, 0, 0, "Aborted connection 2217", 1},
			{"2023-10-21T22:01:00Z", MySQLShutdownRequest, LevelInfo, 0, 0, 0, "/usr/sbin/mariadbd (initiated by: root", 1},
			{"2023-10-21T22:01:02Z", EventOther, LevelInfo, 0, 0, 0, "InnoDB: Shutdown completed;", 1},
			{"2023-10-21T22:01:02Z", MySQLShutdownComplete, LevelInfo, 0, 0, 0, "/usr/sbin/mariadbd: Shutdown complete", 2},
			{"2023-10-21T22:05:01Z", MySQLGotSignal, LevelError, 11, 0, 0, "mysqld got signal 11 ;\nSorry", 6},
			{"2023-10-21T22:05:10Z", MySQLCrashRecovery, LevelInfo, 0, 0, 0, "InnoDB: Starting crash recovery from checkpoint", 1},
			{"2023-10-21T22:05:11Z", MySQLReady, LevelInfo, 3306, 0, 0, "/usr/sbin/mariadbd: ready", 2},
			{"2023-10-21T22:05:12Z", MySQLAborting, LevelError, 0, 0, 0, "Aborting", 1},
		},
	},
	{
		name: "mariadb 11.x docker entrypoint",
		loc:  "UTC",
		log: `2024-11-21 10:15:01+00:00 [Note] [Entrypoint]: Entrypoint script for MariaDB Server 1:11.4.4+maria~ubu2404 started.
2024-11-21 10:15:02 0 [Note] Starting MariaDB 11.4.4-MariaDB-ubu2404 source revision 0b0d1d3c4b5e6f7a8b9c server_uid 1aB2= as process 1
2024-11-21 10:15:03 0 [Note] mariadbd: ready for connections.
Version: '11.4.4-MariaDB-ubu2404'  socket: '/run/mysqld/mysqld.sock'  port: 0  mariadb.org binary distribution
2024-11-21 10:15:04 0 [Note] mariadbd (initiated by: unknown): Normal shutdown`,
		want: []mysqlWant{
			{"2024-11-21T10:15:01Z", MySQLEntrypoint, LevelInfo, 0, 0, 0, "Entrypoint script for MariaDB", 1},
			{"2024-11-21T10:15:02Z", MySQLStarting, LevelInfo, 0, 1, 0, "Starting MariaDB 11.4.4", 1},
			{"2024-11-21T10:15:03Z", MySQLReady, LevelInfo, 0, 0, 0, "mariadbd: ready for connections.", 2},
			{"2024-11-21T10:15:04Z", MySQLShutdownRequest, LevelInfo, 0, 0, 0, "mariadbd (initiated by: unknown)", 1},
		},
	},
	{
		name: "journald, docker -t and compose wrapping",
		loc:  "UTC",
		log: `Oct 21 10:45:59 srv mariadbd[1273]: 2023-10-21 10:45:59 1194 [Warning] Aborted connection 1194 to db: 'wp' user: 'wp' host: '10.0.0.9' (Got an error reading communication packets)
Oct 21 10:46:00 srv mariadbd[1273]: 2023-10-21 10:46:00 0 [Note] /usr/sbin/mariadbd: ready for connections.
Oct 21 10:46:00 srv mariadbd[1273]: Version: '10.11.6-MariaDB-0+deb12u1'  socket: '/run/mysqld/mysqld.sock'  port: 3306  Debian 12
2024-11-21T10:15:02.123456789Z 2024-11-21T10:15:02.123456Z 0 [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.40) starting as process 1
db-1  | 2024-11-21T10:15:03.5Z 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '8.0.40'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL.
2019-09-24T13:16:50 srv mysqld[1234]: 2019-09-24 13:16:50 8756 [Warning] Access denied for user 'root'@'192.0.2.3' (using password: YES)`,
		want: []mysqlWant{
			{"2023-10-21T10:45:59Z", MySQLAbortedConn, LevelWarning, 0, 0, 0, "Aborted connection 1194", 1},
			{"2023-10-21T10:46:00Z", MySQLReady, LevelInfo, 3306, 0, 0, "/usr/sbin/mariadbd: ready for connections.\nVersion:", 2},
			{"2024-11-21T10:15:02.123456Z", MySQLStarting, LevelInfo, 0, 1, 10116, "/usr/sbin/mysqld (mysqld 8.0.40)", 1},
			{"2024-11-21T10:15:03.5Z", MySQLReady, LevelInfo, 3306, 0, 10931, "/usr/sbin/mysqld: ready", 1},
			{"2019-09-24T13:16:50Z", EventOther, LevelWarning, 0, 0, 0, "Access denied for user 'root'", 1},
		},
	},
	{
		name: "mysql 5.0 unlabeled InnoDB and mysqld_safe lines",
		loc:  "UTC",
		log: `091205  4:49:04InnoDB: Assertion failure in thread 1525901664 in file srv0srv.c line 2093
InnoDB: We intentionally generate a memory trap.
091205  4:49:04 - mysqld got signal 11;
This could be because you hit a bug. It is also possible that this binary
091205 04:49:10  mysqld restarted
080821 19:14:12  InnoDB: Database was not shut down normally!
InnoDB: Starting crash recovery.
080821 19:14:13  InnoDB: Error: cannot allocate 268451840 bytes of
InnoDB: memory with malloc!`,
		want: []mysqlWant{
			{"2009-12-05T04:49:04Z", MySQLAssertion, LevelCritical, 0, 0, 0, "InnoDB: Assertion failure in thread", 2},
			{"2009-12-05T04:49:04Z", MySQLGotSignal, LevelCritical, 11, 0, 0, "mysqld got signal 11;", 2},
			{"2009-12-05T04:49:10Z", MySQLStarting, LevelInfo, 0, 0, 0, "mysqld restarted", 1},
			{"2008-08-21T19:14:12Z", MySQLCrashRecovery, LevelInfo, 0, 0, 0, "InnoDB: Database was not shut down normally!", 2},
			{"2008-08-21T19:14:13Z", MySQLOutOfMemory, LevelError, 268451840, 0, 0, "InnoDB: Error: cannot allocate", 2},
		},
	},
}

func TestMySQLErrorReader(t *testing.T) {
	for _, tc := range mysqlErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			r := newMySQLErrorReader(EventOptions{Loc: mysqlLoc(t, tc.loc)})
			res := mysqlFeedAll(r, []byte(tc.log))
			if len(res.skipped) != 0 {
				t.Errorf("skipped lines: %+v", res.skipped)
			}
			if len(res.events) != len(tc.want) {
				for _, e := range res.events {
					t.Logf("got %s %d %q", e.Time, e.Type, e.Text)
				}
				t.Fatalf("got %d records, want %d", len(res.events), len(tc.want))
			}
			lines := 0
			for i, w := range tc.want {
				g := res.events[i]
				lines += g.Lines
				if g.Time != w.time || g.Type != w.typ || g.Level != w.level || g.Num[0] != w.num0 ||
					g.PID != w.pid || g.Code != w.code || !strings.HasPrefix(g.Text, w.text) || g.Lines != w.lines {
					t.Errorf("record %d:\n got time=%s type=%d level=%v num0=%d pid=%d code=%d lines=%d text=%q\nwant time=%s type=%d level=%v num0=%d pid=%d code=%d lines=%d text=%q…",
						i, g.Time, g.Type, g.Level, g.Num[0], g.PID, g.Code, g.Lines, g.Text,
						w.time, w.typ, w.level, w.num0, w.pid, w.code, w.lines, w.text)
				}
			}
			if lines != res.lines {
				t.Errorf("records span %d lines, input has %d", lines, res.lines)
			}
		})
	}
}

func TestMySQLErrorReaderFields(t *testing.T) {
	r := newMySQLErrorReader(EventOptions{Loc: time.UTC})
	res := mysqlFeedAll(r, []byte(
		"2024-11-21T09:06:00.000000Z 42 [Note] Aborted connection 42 to db: 'shop' user: 'app' host: '10.0.0.5' (Got an error reading communication packets)\n"+
			"Oct 21 10:45:59 srv mariadbd[1273]: 2023-10-21 10:45:59 0 [Note] InnoDB: Buffer pool(s) load completed at 231021 10:45:59\n"))
	if len(res.events) != 2 {
		t.Fatalf("got %d events", len(res.events))
	}
	if got := res.events[0].Client; got != "10.0.0.5" {
		t.Errorf("aborted connection client = %q, want 10.0.0.5", got)
	}
	if got := res.events[1].Unit; got != "mariadbd" {
		t.Errorf("journald program = %q, want mariadbd", got)
	}
	for _, e := range res.events {
		if e.Lines != 1 {
			t.Errorf("lines = %d", e.Lines)
		}
	}
}

func TestMySQLErrorReaderSkips(t *testing.T) {
	r := newMySQLErrorReader(EventOptions{Loc: time.UTC})
	res := mysqlFeedAll(r, []byte("\nInnoDB: orphan continuation\n2024-11-21T09:00:00Z 0 [Note] x\n\ncontinued\n"))
	if len(res.skipped) != 2 || res.skipped[0].reason != "blank line" || res.skipped[1].reason != "not a mysql error-log line" {
		t.Fatalf("skipped = %+v", res.skipped)
	}
	if res.parsed != 3 || len(res.events) != 1 || res.events[0].Lines != 3 || res.events[0].Text != "x\n\ncontinued" {
		t.Fatalf("parsed=%d events=%+v", res.parsed, res.events)
	}
	err := r.Feed([]byte("garbage"), 1, func(*Event) {})
	_ = err
	r2 := newMySQLErrorReader(EventOptions{Loc: time.UTC})
	err = r2.Feed([]byte("garbage \x01"), 7, func(*Event) {})
	if err == nil || err.Error() != `not a mysql error-log line: no timestamp and no record to continue, got "garbage \x01"` {
		t.Fatalf("err = %v", err)
	}
}

// TestMySQLErrorReaderOtherUnits: lines of other programs in a journal are
// skipped, not glued onto the open MySQL record.
func TestMySQLErrorReaderOtherUnits(t *testing.T) {
	r := newMySQLErrorReader(EventOptions{Loc: time.UTC})
	res := mysqlFeedAll(r, []byte(`Nov 21 11:15:03 db1 mariadbd[4242]: 2024-11-21 11:15:03 0 [Note] /usr/sbin/mariadbd: ready for connections.
Nov 21 11:15:03 db1 kernel: Out of memory: Killed process 4242 (mariadbd) total-vm:1024kB, anon-rss:512kB
Nov 21 11:15:03 db1 mariadbd[4242]: Version: '11.4.4-MariaDB-deb12'  socket: '/run/mysqld/mysqld.sock'  port: 3306  Debian 12
Nov 21 11:15:04 db1 mysqld_safe[4200]: 241121 11:15:04 mysqld_safe Number of processes running now: 0`))
	if len(res.skipped) != 1 || res.skipped[0].num != 2 || res.skipped[0].reason != "not a mysql line" {
		t.Fatalf("skipped = %+v", res.skipped)
	}
	if len(res.events) != 2 || res.events[0].Type != MySQLReady || res.events[0].Num[0] != 3306 || res.events[0].Lines != 2 ||
		res.events[1].Unit != "mysqld_safe" {
		t.Fatalf("events = %+v", res.events)
	}
	if _, _, ok := sniffMySQL(mysqlLines(`Nov 21 11:15:03 db1 kernel: Out of memory: Killed process 4242 (mariadbd)
Nov 21 11:15:03 db1 kernel: oom_reaper: reaped process 4242 (mariadbd)
Nov 21 11:15:03 db1 mariadbd[4242]: 2024-11-21 11:15:03 0 [Note] /usr/sbin/mariadbd: ready for connections.`)); ok {
		t.Error("a kernel-dominated journal sniffs as a MySQL error log")
	}
}

// TestMySQLErrorReaderSyseventlog: MySQL 8 writing to syslog has no stamp of
// its own; the wrapper's stamp (and EventOptions.Year) dates the record.
func TestMySQLErrorReaderSyseventlog(t *testing.T) {
	r := newMySQLErrorReader(EventOptions{Loc: mysqlLoc(t, "Europe/Berlin"), Year: 2024})
	res := mysqlFeedAll(r, []byte(`Nov 21 11:15:02 db1 mysqld[1234]: [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.40) starting as process 1234
Nov 21 11:15:04 db1 mysqld[1234]: [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '8.0.40'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL.
2024-11-21T11:16:00+01:00 db1 mysqld[1234]: [ERROR] [MY-010119] [Server] Aborting`))
	if len(res.skipped) != 0 || len(res.events) != 3 {
		t.Fatalf("skipped=%+v events=%+v", res.skipped, res.events)
	}
	want := []struct {
		time string
		typ  EventType
	}{{"2024-11-21T10:15:02Z", MySQLStarting}, {"2024-11-21T10:15:04Z", MySQLReady}, {"2024-11-21T10:16:00Z", MySQLAborting}}
	for i, w := range want {
		if e := res.events[i]; e.Time != w.time || e.Type != w.typ || e.Unit != "mysqld" {
			t.Errorf("record %d = %+v, want %s %d", i, e, w.time, w.typ)
		}
	}
	if res.events[0].PID != 1234 || res.events[1].Num[0] != 3306 || res.events[2].Level != LevelError {
		t.Errorf("fields: %+v", res.events)
	}
}

func TestMySQLErrorReaderTextBound(t *testing.T) {
	r := newMySQLErrorReader(EventOptions{Loc: time.UTC})
	var n int
	var got Event
	emit := func(e *Event) { n++; got = *e; got.Text = append([]byte(nil), e.Text...) }
	_ = r.Feed([]byte("2024-11-21T09:00:00Z 0 [Note] InnoDB: Warning: a long semaphore wait:"), 1, emit)
	line := []byte(strings.Repeat("x", 1000))
	for i := 0; i < 200; i++ {
		_ = r.Feed(line, int64(i+2), emit)
	}
	r.Flush(emit)
	if n != 1 || got.Lines != 201 || len(got.Text) > mysqlMaxText {
		t.Fatalf("n=%d lines=%d text=%d", n, got.Lines, len(got.Text))
	}
}

// TestMySQLErrorAllocs: a valid single-line record allocates nothing once
// the reader's buffer has grown.
func TestMySQLErrorAllocs(t *testing.T) {
	lines := [][]byte{
		[]byte("2024-11-21T10:15:03.001500Z 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '8.0.40'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL."),
		[]byte("2023-10-22  0:00:35 2217 [Warning] Aborted connection 2217 to db: 'wp' user: 'wp' host: 'localhost' (Got timeout reading communication packets)"),
		[]byte("130324  0:04:00 [Warning] Access denied for user 'root'@'192.168.1.35' (using password: NO)"),
		[]byte("Oct 21 10:45:59 srv mariadbd[1273]: 2023-10-21 10:45:59 1194 [Warning] Aborted connection 1194 to db: 'wp' user: 'wp' host: '10.0.0.9'"),
	}
	r := newMySQLErrorReader(EventOptions{Loc: mysqlLoc(t, "Europe/Berlin")})
	var sink int64
	emit := func(e *Event) { sink += e.Time }
	for i, l := range lines {
		_ = r.Feed(l, int64(i), emit)
	}
	for _, l := range lines {
		allocs := testing.AllocsPerRun(100, func() {
			if err := r.Feed(l, 1, emit); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("Feed(%q) allocates %v times", l, allocs)
		}
	}
	if sink == 0 {
		t.Fatal("no records emitted")
	}
}
