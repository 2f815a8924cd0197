package parsers

import "strconv"

// eventTypeNames are the stable names of the event types, used in the JSON
// timeline and in test tables.
var eventTypeNames = [...]string{
	EventOther:                  "other",
	FPMMaxChildren:              "fpm-max-children",
	FPMSeemsBusy:                "fpm-seems-busy",
	FPMMaxProcesses:             "fpm-max-processes",
	FPMChildExited:              "fpm-child-exited",
	FPMChildStarted:             "fpm-child-started",
	FPMFailedThreshold:          "fpm-failed-threshold",
	FPMTimedOut:                 "fpm-timed-out",
	FPMTooSlow:                  "fpm-too-slow",
	FPMSaid:                     "fpm-said",
	FPMRunning:                  "fpm-running",
	FPMReady:                    "fpm-ready",
	FPMTerminating:              "fpm-terminating",
	FPMFinishing:                "fpm-finishing",
	FPMReloading:                "fpm-reloading",
	FPMLogReopened:              "fpm-log-reopened",
	FPMExiting:                  "fpm-exiting",
	FPMInitFailed:               "fpm-init-failed",
	FPMSlowTrace:                "fpm-slow-trace",
	NginxUpstreamTimeoutRead:    "nginx-upstream-timeout-read",
	NginxUpstreamTimeoutConnect: "nginx-upstream-timeout-connect",
	NginxConnectBacklog:         "nginx-connect-backlog",
	NginxConnectRefused:         "nginx-connect-refused",
	NginxConnectNoSocket:        "nginx-connect-no-socket",
	NginxConnectPermission:      "nginx-connect-permission",
	NginxConnectOther:           "nginx-connect-other",
	NginxNoLiveUpstreams:        "nginx-no-live-upstreams",
	NginxPrematureClose:         "nginx-premature-close",
	NginxConnReset:              "nginx-conn-reset",
	NginxWorkerConns:            "nginx-worker-conns",
	NginxTooManyFiles:           "nginx-too-many-files",
	NginxLimitReq:               "nginx-limit-req",
	NginxLimitConn:              "nginx-limit-conn",
	NginxClientClosed:           "nginx-client-closed",
	NginxPHPMessage:             "nginx-php-message",
	NginxSignal:                 "nginx-signal",
	NginxReconfiguring:          "nginx-reconfiguring",
	NginxShuttingDown:           "nginx-shutting-down",
	NginxWorkerExited:           "nginx-worker-exited",
	NginxStartWorker:            "nginx-start-worker",
	ApacheMaxWorkers:            "apache-max-workers",
	ApacheScoreboardFull:        "apache-scoreboard-full",
	ApacheChildSignal:           "apache-child-signal",
	ApacheStarted:               "apache-started",
	ApacheShutdown:              "apache-shutdown",
	ApacheGraceful:              "apache-graceful",
	ApacheProxyConnect:          "apache-proxy-connect",
	ApacheProxyTimeout:          "apache-proxy-timeout",
	ApacheProxyHeader:           "apache-proxy-header",
	ApachePHPMessage:            "apache-php-message",
	MySQLStarting:               "mysql-starting",
	MySQLReady:                  "mysql-ready",
	MySQLShutdownRequest:        "mysql-shutdown-request",
	MySQLShutdownComplete:       "mysql-shutdown-complete",
	MySQLAborting:               "mysql-aborting",
	MySQLGotSignal:              "mysql-got-signal",
	MySQLAssertion:              "mysql-assertion",
	MySQLCrashRecovery:          "mysql-crash-recovery",
	MySQLAbortedConn:            "mysql-aborted-conn",
	MySQLPageCleaner:            "mysql-page-cleaner",
	MySQLOutOfMemory:            "mysql-out-of-memory",
	MySQLDeadlock:               "mysql-deadlock",
	MySQLBufferPoolLoaded:       "mysql-buffer-pool-loaded",
	MySQLEntrypoint:             "mysql-entrypoint",
	KernelOOMInvoked:            "kernel-oom-invoked",
	KernelOOMConstraint:         "kernel-oom-constraint",
	KernelOOMKill:               "kernel-oom-kill",
	KernelOOMReaped:             "kernel-oom-reaped",
	SystemdOOMKilled:            "systemd-oom-killed",
	SystemdMainExited:           "systemd-main-exited",
	SystemdFailed:               "systemd-failed",
	SystemdStarting:             "systemd-starting",
	SystemdStarted:              "systemd-started",
	SystemdStopping:             "systemd-stopping",
	SystemdStopped:              "systemd-stopped",
	MySQLSlowQuery:              "mysql-slow-query",
}

// String returns the event type's stable name ("fpm-max-children",
// "nginx-connect-backlog", "kernel-oom-kill").
func (t EventType) String() string {
	if int(t) < len(eventTypeNames) && eventTypeNames[t] != "" {
		return eventTypeNames[t]
	}
	return "event(" + strconv.Itoa(int(t)) + ")"
}

var phpErrorNames = [...]string{
	PHPNone:             "none",
	PHPTooManyConns:     "too-many-connections",
	PHPConnRefused:      "db-connection-refused",
	PHPGoneAway:         "db-gone-away",
	PHPLostConnection:   "db-lost-connection",
	PHPLockWait:         "lock-wait-timeout",
	PHPDeadlock:         "deadlock",
	PHPMaxExecutionTime: "max-execution-time",
	PHPMemoryExhausted:  "memory-exhausted",
	PHPOther:            "other",
}

// String returns the PHP message class's stable name ("too-many-connections").
func (p PHPError) String() string {
	if int(p) < len(phpErrorNames) {
		return phpErrorNames[p]
	}
	return "php(" + strconv.Itoa(int(p)) + ")"
}
