package parsers

import "testing"

func TestParseMySQLBody(t *testing.T) {
	cases := []struct {
		in         string
		level      Level
		labeled    bool
		code       int64
		entrypoint bool
		msg        string
	}{
		{" 0 [System] [MY-010116] [Server] /usr/sbin/mysqld starting", LevelInfo, true, 10116, false, "/usr/sbin/mysqld starting"},
		{" 5907 [Warning] Access denied", LevelWarning, true, 0, false, "Access denied"},
		{" [ERROR] Aborting", LevelError, true, 0, false, "Aborting"},
		{" [Note] [Entrypoint]: Temporary server started.", LevelInfo, true, 0, true, "Temporary server started."},
		{" UTC - mysqld got signal 11 ;", LevelCritical, false, 0, false, "mysqld got signal 11 ;"},
		{" - mysqld got signal 6 ;", LevelCritical, false, 0, false, "mysqld got signal 6 ;"},
		{"  InnoDB: Error: cannot allocate", LevelError, false, 0, false, "InnoDB: Error: cannot allocate"},
		{"InnoDB: Warning: cannot find a free slot", LevelWarning, false, 0, false, "InnoDB: Warning: cannot find a free slot"},
		{"  mysqld started", LevelInfo, false, 0, false, "mysqld started"},
		{" [Debug] something", LevelInfo, false, 0, false, "[Debug] something"},
	}
	for _, tc := range cases {
		b := parseMySQLBody([]byte(tc.in))
		if b.level != tc.level || b.labeled != tc.labeled || b.code != tc.code || b.entrypoint != tc.entrypoint || string(b.msg) != tc.msg {
			t.Errorf("parseMySQLBody(%q) = %+v (msg %q)", tc.in, b, b.msg)
		}
	}
}

func TestClassifyMySQL(t *testing.T) {
	cases := []struct {
		msg  string
		code int64
		typ  EventType
		num  int64
		pid  int64
	}{
		{"/usr/sbin/mysqld (mysqld 8.0.40) starting as process 1", 10116, MySQLStarting, 0, 1},
		{"Starting MariaDB 11.4.4-MariaDB source revision abc as process 77", 0, MySQLStarting, 0, 77},
		{"mysqld restarted", 0, MySQLStarting, 0, 0},
		{"/usr/sbin/mysqld: ready for connections. Version: '8.0.40'  socket: '/s'  port: 3306  MySQL", 10931, MySQLReady, 3306, 0},
		{"/usr/sbin/mysqld: ready for connections. Version: '8.0.40'  socket: '/s'  port: 0  MySQL", 10931, MySQLReady, 0, 0},
		{"/usr/sbin/mysqld: ready for connections.", 0, MySQLReady, -1, 0},
		{"X Plugin ready for connections. Bind-address: '::' port: 33060", 11323, EventOther, 0, 0},
		{"Received SHUTDOWN from user <via user signal>. Shutting down mysqld (Version: 8.0.40).", 13172, MySQLShutdownRequest, 0, 0},
		{"/usr/sbin/mariadbd (initiated by: unknown): Normal shutdown", 0, MySQLShutdownRequest, 0, 0},
		{"/usr/sbin/mysqld: Shutdown complete (mysqld 8.0.40)  MySQL Community Server - GPL.", 10910, MySQLShutdownComplete, 0, 0},
		{"InnoDB: Shutdown completed; log sequence number 46590", 0, EventOther, 0, 0},
		{"Aborting", 10119, MySQLAborting, 0, 0},
		{"-fomit-frame-pointer? Aborting backtrace!", 0, EventOther, 0, 0},
		{"mysqld got signal 11 ;", 0, MySQLGotSignal, 11, 0},
		{"InnoDB: Assertion failure in thread 1 in file fil0fil.c line 752", 0, MySQLAssertion, 0, 0},
		{"InnoDB: Database was not shutdown normally!", 0, MySQLCrashRecovery, 0, 0},
		{"InnoDB: Starting crash recovery from checkpoint LSN=1640838", 0, MySQLCrashRecovery, 0, 0},
		{"Aborted connection 42 to db: 'shop' user: 'app' host: '10.0.0.5' (Got timeout reading communication packets)", 10914, MySQLAbortedConn, 0, 0},
		{"InnoDB: page_cleaner: 1000ms intended loop took 10492072ms. The settings might not be optimal.", 0, MySQLPageCleaner, 10492072, 0},
		{"Page cleaner took 4012ms to flush 2 and evict 0 pages", 11953, MySQLPageCleaner, 4012, 0},
		{"mysqld: Out of memory (Needed 2097152 bytes)", 0, MySQLOutOfMemory, 2097152, 0},
		{"InnoDB: Cannot allocate 137363456 bytes of memory after 60 retries over 60 seconds. OS error: Cannot allocate memory (12).", 0, MySQLOutOfMemory, 137363456, 0},
		{"InnoDB: Transactions deadlock detected, dumping detailed information.", 12468, MySQLDeadlock, 0, 0},
		{"InnoDB: Buffer pool(s) load completed at 240209 11:59:36", 0, MySQLBufferPoolLoaded, 0, 0},
		{"Access denied for user 'root'@'localhost' (using password: YES)", 0, EventOther, 0, 0},
	}
	for _, tc := range cases {
		c := classifyMySQL([]byte(tc.msg), tc.code, false)
		if c.typ != tc.typ || c.num != tc.num || c.pid != tc.pid {
			t.Errorf("classifyMySQL(%q) = %+v, want type %d num %d pid %d", tc.msg, c, tc.typ, tc.num, tc.pid)
		}
	}
	c := classifyMySQL([]byte("Aborted connection 42 to db: 'shop' user: 'app' host: '10.0.0.5' (x)"), 0, false)
	if got := "Aborted connection 42 to db: 'shop' user: 'app' host: '10.0.0.5' (x)"[c.hostS:c.hostE]; got != "10.0.0.5" {
		t.Errorf("host span = %q", got)
	}
	if c := classifyMySQL([]byte("Entrypoint script for MySQL Server started."), 0, true); c.typ != MySQLEntrypoint {
		t.Errorf("entrypoint = %+v", c)
	}
}
