package parsers

// Level is the severity a log line states about itself.
type Level uint8

// Levels, lowest first. Sources map their own names onto these
// (nginx "crit" → LevelCritical, MySQL "[System]" → LevelInfo, …).
const (
	LevelUnknown Level = iota
	LevelDebug
	LevelInfo
	LevelNotice
	LevelWarning
	LevelError
	LevelCritical
	LevelAlert
	LevelEmergency
)

var levelNames = [...]string{"unknown", "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"}

func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "unknown"
}

// EventType classifies a line of an error, FPM, MySQL or kernel log. The
// analyzer's detectors switch on it; EventOther is a line that parsed but
// carries no message we classify.
type EventType uint16

// Event types. Num fields of Event carry the numbers named in each comment.
const (
	EventOther EventType = iota

	// PHP-FPM master log (domain.md A.1).
	FPMMaxChildren     // Num[0] = limit; Pool
	FPMSeemsBusy       // Num[0] spawning, Num[1] idle, Num[2] total; Pool
	FPMMaxProcesses    // process.max reached
	FPMChildExited     // PID = child; Num[0] exit code or -1; Num[1] signal or 0; Pool
	FPMChildStarted    // PID = child; Pool
	FPMFailedThreshold // emergency restart threshold reached
	FPMTimedOut        // request_terminate_timeout; PID, Pool, Request, Num[0] µs
	FPMTooSlow         // slowlog trigger; PID, Pool, Request, Num[0] µs
	FPMSaid            // worker output relayed; PID, Pool, PHP
	FPMRunning         // "fpm is running, pid N"; PID = master
	FPMReady           // "ready to handle connections"
	FPMTerminating     // SIGTERM/SIGINT
	FPMFinishing       // SIGQUIT
	FPMReloading       // SIGUSR2
	FPMLogReopened     // SIGUSR1: log rotation, not a restart
	FPMExiting         // "exiting, bye-bye!"
	FPMInitFailed      // bind failure / initialization failed
	FPMSlowTrace       // one PHP-FPM slow-log record; PID, Pool, Text = script + frames

	// nginx error log (domain.md A.3).
	NginxUpstreamTimeoutRead    // upstream timed out while reading response header
	NginxUpstreamTimeoutConnect // upstream timed out while connecting
	NginxConnectBacklog         // connect() failed (11: Resource temporarily unavailable): FPM backlog full
	NginxConnectRefused         // (111: Connection refused): nobody listens
	NginxConnectNoSocket        // (2: No such file or directory)
	NginxConnectPermission      // (13: Permission denied)
	NginxConnectOther           // connect() failed with another errno; Num[0] = errno
	NginxNoLiveUpstreams
	NginxPrematureClose // upstream prematurely closed (worker killed mid-request)
	NginxConnReset      // recv() failed (104: Connection reset by peer)
	NginxWorkerConns    // worker_connections are not enough
	NginxTooManyFiles   // (24: Too many open files)
	NginxLimitReq       // limiting requests (Num[1] = 1 for "delaying")
	NginxLimitConn      // limiting connections
	NginxClientClosed   // client prematurely closed connection
	NginxPHPMessage     // FastCGI sent in stderr; PHP holds the class
	NginxSignal         // signal N received; Num[0] = signal
	NginxReconfiguring  // reload
	NginxShuttingDown   // gracefully shutting down / exiting
	NginxWorkerExited   // worker process N exited on signal / with code
	NginxStartWorker    // start worker process N

	// Apache error log (domain.md A.7).
	ApacheMaxWorkers     // AH00161 / AH00286 / AH00484
	ApacheScoreboardFull // AH00288 / AH00485 / AH03490
	ApacheChildSignal    // AH00052; PID, Num[1] = signal
	ApacheStarted        // AH00163 resuming normal operations
	ApacheShutdown       // AH00169 caught SIGTERM
	ApacheGraceful       // AH00171 / AH00493 graceful restart
	ApacheProxyConnect   // AH01079 failed to make connection to backend
	ApacheProxyTimeout   // AH01075 / (70007) timeout
	ApacheProxyHeader    // AH01067 failed to read FastCGI header
	ApachePHPMessage     // AH01071 Got error 'PHP message: …'; PHP holds the class

	// MySQL / MariaDB error log (domain.md A.5).
	MySQLStarting         // "starting as process N"; PID
	MySQLReady            // ready for connections; Num[0] = port (0: entrypoint temp server), -1 unknown
	MySQLShutdownRequest  // Normal shutdown / Received SHUTDOWN from user
	MySQLShutdownComplete // Shutdown complete
	MySQLAborting         // Aborting
	MySQLGotSignal        // mysqld got signal N; Num[0] = signal
	MySQLAssertion        // assertion failure
	MySQLCrashRecovery    // not shutdown normally / starting crash recovery
	MySQLAbortedConn      // Aborted connection
	MySQLPageCleaner      // page_cleaner loop took N ms; Num[0] = ms
	MySQLOutOfMemory
	MySQLDeadlock
	MySQLBufferPoolLoaded
	MySQLEntrypoint // docker-entrypoint line ([Entrypoint])

	// Kernel and systemd (domain.md A.6).
	KernelOOMInvoked    // "X invoked oom-killer"
	KernelOOMConstraint // oom-kill:constraint=…; PID, Text = task
	KernelOOMKill       // Out of memory / Memory cgroup out of memory: Killed process; PID, Text = comm, Num[0] = anon-rss kB, Num[1] = total-vm kB
	KernelOOMReaped     // oom_reaper: reaped process
	SystemdOOMKilled    // "A process of this unit has been killed by the OOM killer"; Unit
	SystemdMainExited   // Main process exited, code=…, status=…; Unit, Num[1] = signal (0 when exited with a code), Num[0] = code
	SystemdFailed       // Failed with result '…'; Unit, Text = result
	SystemdStarting     // Starting …; Unit
	SystemdStarted      // Started …; Unit
	SystemdStopping     // Stopping …; Unit
	SystemdStopped      // Stopped …; Unit

	// MySQLSlowQuery is one slow-log record (see SlowQuery).
	MySQLSlowQuery
)

// PHPError classifies a PHP message relayed by nginx, Apache or FPM.
type PHPError uint8

// PHP message classes (domain.md A.2).
const (
	PHPNone             PHPError = iota
	PHPTooManyConns              // [1040] Too many connections
	PHPConnRefused               // [2002] Connection refused / No such file or directory
	PHPGoneAway                  // [2006] MySQL server has gone away
	PHPLostConnection            // [2013] Lost connection to MySQL server
	PHPLockWait                  // 1205 Lock wait timeout exceeded
	PHPDeadlock                  // 1213 Deadlock found
	PHPMaxExecutionTime          // Maximum execution time of N seconds exceeded
	PHPMemoryExhausted           // Allowed memory size of N bytes exhausted
	PHPOther                     // any other PHP message
)

// Event is one record of an error, FPM, MySQL or kernel log. Byte-slice
// fields alias the input line (single-line formats) or a buffer owned by the
// multi-line reader; they are valid until the next record is read.
//
// Line and Lines place the record in its input: its first physical line is
// Line, its last at least Line+Lines-1 (more when lines that are not its
// own fall inside it: another unit's lines in a journal the syslog router
// splits, skipped lines). A multi-line record is emitted when the next one
// starts or on Flush, so the num of the Feed call that emits it is not its
// line; Line is.
type Event struct {
	Time     int64 // Unix nanoseconds, UTC; 0 when the line carries no time
	Relative bool  // Time is seconds since boot (raw dmesg), not absolute
	Kind     Kind
	Type     EventType
	Level    Level
	PHP      PHPError
	PID      int64
	Num      [4]int64
	Pool     []byte // PHP-FPM pool
	Unit     []byte // systemd unit or syslog program (php8.2-fpm.service, mysqld)
	Client   []byte // nginx/Apache client address
	Request  []byte // request line ("POST /register HTTP/1.1")
	Upstream []byte
	Host     []byte
	Server   []byte // nginx "server:" (the server_name that handled the request)
	Conn     int64  // nginx connection number ("*N"), 0 when the line has none
	Code     int64  // Apache "AHnnnnn" message code, 0 when none
	Text     []byte // the message after the line's prefix
	Lines    int    // physical lines this record spans (1 for single-line formats)
	Line     int64  // 1-based number of the record's first physical line (the num given to Feed)
}

// Reset clears e for reuse.
func (e *Event) Reset() { *e = Event{} }
