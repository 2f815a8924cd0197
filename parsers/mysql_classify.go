package parsers

// The part of a MySQL error-log line after its stamp: thread id, label,
// MySQL 8 error code and subsystem, and the message, with the message
// classified into the lifecycle and contention EventTypes of domain.md A.5.

// mysqlBody is the parsed remainder of a stamped error-log line. msg aliases
// the line.
type mysqlBody struct {
	level      Level
	labeled    bool  // the line had a [Note]/[Warning]/[ERROR]/[System] label
	code       int64 // MySQL 8 "[MY-010931]" error code, 0 when none
	entrypoint bool  // docker-entrypoint "[Entrypoint]:" line
	msg        []byte
}

// parseMySQLBody splits the rest of a stamped line.
func parseMySQLBody(rest []byte) mysqlBody {
	var b mysqlBody
	rest = mysqlTrimLeft(rest)
	// Crash stamps: "UTC - mysqld got signal", "- mysqld got signal" (5.0).
	if mysqlHasPrefix(rest, "UTC - ") {
		rest = rest[6:]
	} else if mysqlHasPrefix(rest, "- ") {
		rest = rest[2:]
	}
	// Thread id before the label (5.6+, MariaDB).
	if n := mysqlDigitRun(rest); n > 0 && n < len(rest)-1 && rest[n] == ' ' && rest[n+1] == '[' {
		rest = rest[n+1:]
	}
	if len(rest) > 2 && rest[0] == '[' {
		if end := mysqlIndexByte(rest, ']', 1); end > 1 {
			if lv, ok := myLevel(rest[1:end]); ok {
				b.level, b.labeled = lv, true
				rest = mysqlTrimLeft(rest[end+1:])
			}
		}
	}
	if b.labeled && mysqlHasPrefix(rest, "[MY-") {
		if end := mysqlIndexByte(rest, ']', 4); end > 4 {
			if v, ok := atoiFixed(rest[4:end]); ok {
				b.code = int64(v)
				rest = mysqlTrimLeft(rest[end+1:])
				if len(rest) > 0 && rest[0] == '[' {
					if end := mysqlIndexByte(rest, ']', 1); end > 0 {
						rest = mysqlTrimLeft(rest[end+1:])
					}
				}
			}
		}
	}
	if mysqlHasPrefix(rest, "[Entrypoint]:") {
		b.entrypoint = true
		rest = mysqlTrimLeft(rest[len("[Entrypoint]:"):])
	}
	b.msg = rest
	if !b.labeled {
		b.level = mysqlUnlabeledLevel(rest)
	}
	return b
}

// mysqlUnlabeledLevel guesses the level of a line without a label
// (mysqld_safe lines, pre-5.1 InnoDB messages, crash lines).
func mysqlUnlabeledLevel(msg []byte) Level {
	switch {
	case mysqlContains(msg, "got signal"), mysqlContains(msg, "Assertion failure"):
		return LevelCritical
	case mysqlContains(msg, "Error"), mysqlContains(msg, "ERROR"), mysqlContains(msg, "error:"):
		return LevelError
	case mysqlContains(msg, "Warning"):
		return LevelWarning
	}
	return LevelInfo
}

// mysqlClass is what a message says: its type, the number that goes with it
// (Num[0]), a PID, and the span of the client host in msg (start < end when
// found).
type mysqlClass struct {
	typ          EventType
	num          int64
	pid          int64
	hostS, hostE int
}

// classifyMySQL classifies one error-log message. code is the MySQL 8 error
// code or 0. It does not allocate.
func classifyMySQL(msg []byte, code int64, entrypoint bool) mysqlClass {
	c := mysqlClass{}
	switch {
	case entrypoint:
		c.typ = MySQLEntrypoint
	case code == 11323 || mysqlHasPrefix(msg, "X Plugin"):
		// "X Plugin ready for connections": the X protocol listener, not
		// the server.
	case mysqlContains(msg, "ready for connections"):
		c.typ = MySQLReady
		c.num = mysqlPort(msg)
	case mysqlContains(msg, "starting as process "):
		c.typ = MySQLStarting
		i := mysqlIndex(msg, "starting as process ") + len("starting as process ")
		c.pid, _ = evUint(msg[i:])
	case mysqlHasPrefix(msg, "Starting MariaDB") && mysqlContains(msg, " as process "):
		// MariaDB 10.10+: "Starting MariaDB 11.4.4-MariaDB source revision … as process 1"
		c.typ = MySQLStarting
		i := mysqlIndex(msg, " as process ") + len(" as process ")
		c.pid, _ = evUint(msg[i:])
	case mysqlHasPrefix(msg, "mysqld started"), mysqlHasPrefix(msg, "mysqld restarted"):
		c.typ = MySQLStarting // mysqld_safe: no pid
	case mysqlContains(msg, "Normal shutdown"), mysqlContains(msg, "Received SHUTDOWN from user"):
		c.typ = MySQLShutdownRequest
	case mysqlShutdownComplete(msg):
		c.typ = MySQLShutdownComplete
	case mysqlIsAborting(msg):
		c.typ = MySQLAborting
	case mysqlContains(msg, "got signal "):
		c.typ = MySQLGotSignal
		i := mysqlIndex(msg, "got signal ") + len("got signal ")
		c.num, _ = evUint(msg[i:])
	case mysqlContains(msg, "Assertion failure"), mysqlContains(msg, "Failing assertion"):
		c.typ = MySQLAssertion
	case mysqlContains(msg, "not shut down normally"), mysqlContains(msg, "not shutdown normally"),
		mysqlContains(msg, "Starting crash recovery"), mysqlContains(msg, "Recovering after a crash"):
		c.typ = MySQLCrashRecovery
	case mysqlContains(msg, "Aborted connection"):
		c.typ = MySQLAbortedConn
		if i := mysqlIndex(msg, "host: '"); i >= 0 {
			s := i + len("host: '")
			if e := mysqlIndexByte(msg, '\'', s); e >= s {
				c.hostS, c.hostE = s, e
			}
		}
	case mysqlContains(msg, "intended loop took "):
		c.typ = MySQLPageCleaner
		i := mysqlIndex(msg, "intended loop took ") + len("intended loop took ")
		c.num, _ = evUint(msg[i:])
	case mysqlHasPrefix(msg, "Page cleaner took "), mysqlContains(msg, "InnoDB: Page cleaner took "):
		c.typ = MySQLPageCleaner
		i := mysqlIndex(msg, "Page cleaner took ") + len("Page cleaner took ")
		c.num, _ = evUint(msg[i:])
	case mysqlContains(msg, "Out of memory"), mysqlContains(msg, "out of memory"),
		mysqlContains(msg, "cannot allocate"), mysqlContains(msg, "Cannot allocate memory"),
		mysqlContains(msg, "mmap(") && mysqlContains(msg, "errno 12"):
		c.typ = MySQLOutOfMemory
		c.num = mysqlNeededBytes(msg)
	case mysqlContains(msg, "deadlock detected"):
		c.typ = MySQLDeadlock
	case mysqlContains(msg, "Buffer pool(s) load completed"):
		c.typ = MySQLBufferPoolLoaded
	}
	return c
}

// mysqlShutdownComplete matches "Shutdown complete" but not InnoDB's
// "Shutdown completed; log sequence number".
func mysqlShutdownComplete(msg []byte) bool {
	i := mysqlIndex(msg, "Shutdown complete")
	if i < 0 {
		return false
	}
	j := i + len("Shutdown complete")
	return j == len(msg) || msg[j] != 'd'
}

// mysqlIsAborting matches the startup-abort line "Aborting" (and
// "InnoDB: Aborting" style suffixes), not "Aborting backtrace!".
func mysqlIsAborting(msg []byte) bool {
	m := mysqlTrimRight(msg)
	if len(m) < len("Aborting") || string(m[len(m)-len("Aborting"):]) != "Aborting" {
		return false
	}
	k := len(m) - len("Aborting")
	return k == 0 || m[k-1] == ' '
}

// mysqlPort returns N of "port: N" in msg, 0 for the entrypoint's temporary
// server, -1 when msg names no port.
func mysqlPort(msg []byte) int64 {
	i := mysqlIndex(msg, "port: ")
	if i < 0 {
		return -1
	}
	v, n := evUint(msg[i+len("port: "):])
	if n == 0 {
		return -1
	}
	return v
}

// mysqlNeededBytes returns the allocation size an out-of-memory message
// names ("Needed 1234 bytes", "allocate 268451840 bytes", "mmap(1234
// bytes)"), or 0.
func mysqlNeededBytes(msg []byte) int64 {
	for _, p := range [...]string{"Needed ", "allocate ", "mmap("} {
		if i := mysqlIndex(msg, p); i >= 0 {
			if v, n := evUint(msg[i+len(p):]); n > 0 {
				return v
			}
		}
	}
	return 0
}

// mysqlIndex is the index of s in b, or -1. It does not allocate.
func mysqlIndex(b []byte, s string) int {
	if len(s) == 0 {
		return 0
	}
	for i := 0; i+len(s) <= len(b); i++ {
		j := mysqlIndexByte(b, s[0], i)
		if j < 0 || j+len(s) > len(b) {
			return -1
		}
		if string(b[j:j+len(s)]) == s {
			return j
		}
		i = j
	}
	return -1
}

func mysqlContains(b []byte, s string) bool { return mysqlIndex(b, s) >= 0 }

func mysqlHasPrefix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[:len(s)]) == s
}

func mysqlTrimLeft(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

func mysqlTrimRight(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r' || b[len(b)-1] == '\n') {
		b = b[:len(b)-1]
	}
	return b
}

// mysqlDigitRun is the length of the run of ASCII digits at the start of b.
func mysqlDigitRun(b []byte) int {
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	return n
}
