package analyzer

import (
	"fmt"
	"sort"
	"time"

	"github.com/postmortem/postmortem/parsers"
)

// collapseGapS: repeats of one message closer than this are one entry.
const collapseGapS = 60

// maxTimeline bounds the timeline; info entries are dropped first.
const maxTimeline = 1000

type evDesc struct {
	kind, sev, msg string
}

// describe names an event type for the timeline.
func describe(s *EventSample, aux int64) evDesc {
	switch s.PHP {
	case parsers.PHPTooManyConns:
		return evDesc{"mysql-too-many-connections", "error", "PHP could not connect to MySQL: Too many connections"}
	case parsers.PHPConnRefused:
		return evDesc{"mysql-unreachable", "error", "PHP could not reach MySQL (connection refused)"}
	case parsers.PHPGoneAway, parsers.PHPLostConnection:
		return evDesc{"mysql-gone-away", "error", "PHP lost its MySQL connection"}
	case parsers.PHPMaxExecutionTime:
		return evDesc{"php-timeout", "error", "PHP script hit its maximum execution time"}
	case parsers.PHPMemoryExhausted:
		return evDesc{"php-memory", "error", "PHP script ran out of memory_limit"}
	case parsers.PHPLockWait, parsers.PHPDeadlock:
		return evDesc{"mysql-lock", "warning", "MySQL lock wait timeout or deadlock"}
	}
	switch s.Type {
	case parsers.FPMMaxChildren:
		return evDesc{"fpm-max-children", "warning", fmt.Sprintf("PHP-FPM pool reached pm.max_children (%d): every worker busy", s.Num[0])}
	case parsers.FPMSeemsBusy:
		return evDesc{"fpm-seems-busy", "warning", "PHP-FPM pool seems busy, spawning workers"}
	case parsers.FPMMaxProcesses:
		return evDesc{"fpm-process-max", "warning", "PHP-FPM reached process.max"}
	case parsers.FPMChildExited:
		switch aux {
		case 0:
			return evDesc{"fpm-child-exit", "info", "PHP-FPM worker exited"}
		case 9:
			return evDesc{"fpm-child-killed", "critical", "PHP-FPM worker killed (SIGKILL)"}
		case 11:
			return evDesc{"fpm-child-segfault", "error", "PHP-FPM worker crashed (SIGSEGV)"}
		}
		return evDesc{"fpm-child-signal", "warning", fmt.Sprintf("PHP-FPM worker exited on signal %d", aux)}
	case parsers.FPMChildStarted:
		return evDesc{"fpm-child-start", "info", "PHP-FPM worker started"}
	case parsers.FPMFailedThreshold:
		return evDesc{"fpm-emergency-restart", "critical", "PHP-FPM failed-processes threshold reached: emergency restart"}
	case parsers.FPMTimedOut:
		return evDesc{"fpm-timeout", "error", "PHP-FPM terminated a request that ran too long"}
	case parsers.FPMTooSlow:
		return evDesc{"fpm-slow", "warning", "PHP request executing too slow"}
	case parsers.FPMSlowTrace:
		return evDesc{"fpm-slow-trace", "info", "stack trace of a slow PHP request (slow log)"}
	case parsers.FPMSaid:
		return evDesc{"fpm-worker-output", "info", "PHP-FPM worker wrote to stderr"}
	case parsers.FPMRunning, parsers.FPMReady:
		return evDesc{"fpm-start", "info", "PHP-FPM started"}
	case parsers.FPMTerminating, parsers.FPMFinishing:
		return evDesc{"fpm-stop", "warning", "PHP-FPM stopping"}
	case parsers.FPMReloading:
		return evDesc{"fpm-reload", "info", "PHP-FPM reloading"}
	case parsers.FPMLogReopened:
		return evDesc{"fpm-log-reopen", "info", "PHP-FPM reopened its logs (rotation)"}
	case parsers.FPMExiting:
		return evDesc{"fpm-exit", "warning", "PHP-FPM master exited"}
	case parsers.FPMInitFailed:
		return evDesc{"fpm-init-failed", "critical", "PHP-FPM failed to start"}
	case parsers.NginxUpstreamTimeoutRead:
		return evDesc{"nginx-upstream-timeout", "error", "nginx gave up waiting for PHP (upstream timed out, 504)"}
	case parsers.NginxUpstreamTimeoutConnect:
		return evDesc{"nginx-connect-timeout", "error", "nginx could not connect to PHP in time"}
	case parsers.NginxConnectBacklog:
		return evDesc{"nginx-backlog-full", "error", "PHP-FPM listen queue full: nginx turned requests away (502)"}
	case parsers.NginxConnectRefused, parsers.NginxConnectNoSocket:
		return evDesc{"nginx-upstream-down", "error", "PHP-FPM not listening: nginx got connection refused (502)"}
	case parsers.NginxConnectPermission, parsers.NginxConnectOther:
		return evDesc{"nginx-connect-failed", "error", "nginx could not connect to PHP-FPM"}
	case parsers.NginxNoLiveUpstreams:
		return evDesc{"nginx-no-live-upstreams", "error", "nginx: no live upstreams"}
	case parsers.NginxPrematureClose, parsers.NginxConnReset:
		return evDesc{"nginx-upstream-closed", "error", "PHP worker died mid-request (upstream closed the connection)"}
	case parsers.NginxWorkerConns:
		return evDesc{"nginx-worker-connections", "critical", "nginx ran out of worker_connections"}
	case parsers.NginxTooManyFiles:
		return evDesc{"nginx-too-many-files", "critical", "nginx ran out of file descriptors"}
	case parsers.NginxLimitReq, parsers.NginxLimitConn:
		return evDesc{"nginx-rate-limit", "warning", "nginx rate limit rejected requests"}
	case parsers.NginxClientClosed:
		return evDesc{"nginx-client-closed", "info", "client closed the connection before the answer"}
	case parsers.NginxPHPMessage, parsers.ApachePHPMessage:
		return evDesc{"php-message", "warning", "PHP message"}
	case parsers.NginxSignal, parsers.NginxReconfiguring:
		return evDesc{"nginx-signal", "info", "nginx received a signal / reloaded"}
	case parsers.NginxShuttingDown, parsers.NginxWorkerExited, parsers.NginxStartWorker:
		return evDesc{"nginx-lifecycle", "info", "nginx process lifecycle"}
	case parsers.ApacheMaxWorkers:
		return evDesc{"apache-max-workers", "warning", "Apache reached MaxRequestWorkers"}
	case parsers.ApacheScoreboardFull:
		return evDesc{"apache-scoreboard-full", "warning", "Apache scoreboard full"}
	case parsers.ApacheChildSignal:
		return evDesc{"apache-child-signal", "error", "Apache child died on a signal"}
	case parsers.ApacheStarted, parsers.ApacheShutdown, parsers.ApacheGraceful:
		return evDesc{"apache-lifecycle", "info", "Apache start/stop/restart"}
	case parsers.ApacheProxyConnect, parsers.ApacheProxyTimeout, parsers.ApacheProxyHeader:
		return evDesc{"apache-proxy-error", "error", "Apache could not get an answer from PHP-FPM"}
	case parsers.MySQLStarting:
		return evDesc{"mysql-start", "info", "MySQL starting"}
	case parsers.MySQLReady:
		if aux == 0 {
			return evDesc{"mysql-temp-server", "info", "MySQL temporary server of the docker entrypoint (ignored)"}
		}
		return evDesc{"mysql-ready", "info", "MySQL ready for connections"}
	case parsers.MySQLShutdownRequest:
		return evDesc{"mysql-shutdown", "warning", "MySQL shutdown requested"}
	case parsers.MySQLShutdownComplete:
		return evDesc{"mysql-shutdown-complete", "warning", "MySQL shut down"}
	case parsers.MySQLAborting:
		return evDesc{"mysql-aborting", "critical", "MySQL aborted its start"}
	case parsers.MySQLGotSignal, parsers.MySQLAssertion:
		return evDesc{"mysql-crash", "critical", "MySQL crashed"}
	case parsers.MySQLCrashRecovery:
		return evDesc{"mysql-crash-recovery", "warning", "MySQL crash recovery (it was not shut down cleanly)"}
	case parsers.MySQLAbortedConn:
		return evDesc{"mysql-aborted-connection", "warning", "MySQL aborted connections"}
	case parsers.MySQLPageCleaner:
		return evDesc{"mysql-page-cleaner", "warning", "InnoDB page cleaner fell behind"}
	case parsers.MySQLOutOfMemory:
		return evDesc{"mysql-out-of-memory", "critical", "MySQL out of memory"}
	case parsers.MySQLDeadlock:
		return evDesc{"mysql-deadlock", "warning", "InnoDB deadlock"}
	case parsers.MySQLBufferPoolLoaded:
		return evDesc{"mysql-warm", "info", "MySQL buffer pool loaded (cache warm again)"}
	case parsers.MySQLEntrypoint:
		return evDesc{"mysql-entrypoint", "info", "docker entrypoint"}
	case parsers.KernelOOMInvoked, parsers.KernelOOMConstraint, parsers.KernelOOMReaped:
		return evDesc{"oom", "warning", "kernel out of memory"}
	case parsers.KernelOOMKill, parsers.SystemdOOMKilled:
		return evDesc{"oom-kill", "critical", fmt.Sprintf("kernel OOM killer killed %s", svcOrProcess(aux))}
	case parsers.SystemdMainExited, parsers.SystemdFailed:
		return evDesc{"systemd-failed", "error", fmt.Sprintf("systemd: %s main process exited / failed", svcOrProcess(aux))}
	case parsers.SystemdStarting, parsers.SystemdStarted, parsers.SystemdStopping, parsers.SystemdStopped:
		return evDesc{"systemd-lifecycle", "info", fmt.Sprintf("systemd: %s start/stop", svcOrProcess(aux))}
	}
	switch {
	case s.Level >= parsers.LevelCritical:
		return evDesc{"other", "critical", "other critical message"}
	case s.Level >= parsers.LevelError:
		return evDesc{"other", "error", "other error"}
	case s.Level >= parsers.LevelWarning:
		return evDesc{"other", "warning", "other warning"}
	}
	return evDesc{"other", "info", "other message"}
}

func svcOrProcess(aux int64) string {
	if aux > 0 && int(aux) < len(svcNames) && aux != svcOther {
		return svcLabel(svcNames[aux])
	}
	return "a process"
}

var sevRank = map[string]int{"info": 0, "warning": 1, "error": 2, "critical": 3}

// buildTimeline collapses the events into entries (repeats of one message
// from one input within collapseGapS become one entry with a count and an
// until) and adds the analysis' own milestones: incidents, saturation,
// restarts and relapses.
func buildTimeline(st *State, rep *Report) []TimelineEntry {
	type key struct {
		input int
		kind  string
		aux   int64
	}
	open := map[key]int{}
	var out []TimelineEntry
	lastAt := map[key]int64{}
	for i := range st.Events {
		e := &st.Events[i]
		s := &e.Sample
		if s.Type == parsers.MySQLSlowQuery || (s.Type == parsers.EventOther && s.Level < parsers.LevelWarning) {
			continue
		}
		d := describe(s, e.Aux)
		k := key{s.Input, d.kind, e.Aux}
		if j, ok := open[k]; ok && e.First-lastAt[k] <= collapseGapS*1e9 {
			t := &out[j]
			t.Count += e.Count
			u := time.Unix(0, e.Last).UTC()
			t.Until = &u
			if e.Last > lastAt[k] {
				lastAt[k] = e.Last
			}
			continue
		}
		src := s.Kind.String()
		if s.Input < len(st.Inputs) {
			src = st.Inputs[s.Input].Name
		}
		msg := d.msg
		if d.kind == "php-message" || d.kind == "other" {
			msg = d.msg + ": " + s.Text
		}
		t := TimelineEntry{At: time.Unix(0, e.First).UTC(), Source: src, Kind: d.kind, Severity: d.sev, Count: e.Count, Message: msg, Evidence: evidenceLine(st.Inputs, s)}
		if e.Last > e.First {
			u := time.Unix(0, e.Last).UTC()
			t.Until = &u
		}
		out = append(out, t)
		open[k] = len(out) - 1
		lastAt[k] = e.Last
	}
	// A collapsed entry whose until equals its at needs none.
	for i := range out {
		if out[i].Until != nil && out[i].Until.Equal(out[i].At) {
			out[i].Until = nil
		}
	}
	// Milestones of the analysis.
	for i, inc := range rep.Incidents {
		out = append(out, TimelineEntry{At: inc.Start, Source: "analysis", Kind: "incident-start", Severity: "critical", Count: 1,
			Message: fmt.Sprintf("Incident %d starts (%s)", i+1, inc.Trigger.Kind), Until: inc.End})
		if inc.End != nil {
			out = append(out, TimelineEntry{At: *inc.End, Source: "analysis", Kind: "incident-end", Severity: "info", Count: 1,
				Message: fmt.Sprintf("Incident %d ends", i+1)})
		}
	}
	for _, s := range st.Saturations {
		ev := ""
		if len(s.Evidence) > 0 {
			ev = s.Evidence[0]
		}
		m := fmt.Sprintf("%s saturated", s.Resource)
		if s.Inferred {
			m += " (inferred)"
		}
		out = append(out, TimelineEntry{At: s.Start, Until: s.End, Source: "analysis", Kind: "saturation", Severity: "error", Count: 1, Message: m, Evidence: ev})
	}
	for _, r := range st.Restarts {
		ev := ""
		if len(r.Evidence) > 0 {
			ev = r.Evidence[0]
		}
		out = append(out, TimelineEntry{At: r.At, Source: "analysis", Kind: "restart", Severity: "warning", Count: 1, Message: r.Verdict, Evidence: ev})
		if r.RelapseAfterS != nil {
			out = append(out, TimelineEntry{At: r.At.Add(time.Duration(*r.RelapseAfterS) * time.Second), Source: "analysis", Kind: "relapse", Severity: "error", Count: 1,
				Message: fmt.Sprintf("The problem returned after the %s %s", svcLabel(r.Service), kindWord(r.Kind))})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		if out[i].Source != out[j].Source {
			return out[i].Source < out[j].Source
		}
		return out[i].Kind < out[j].Kind
	})
	if len(out) > maxTimeline {
		kept := out[:0:0]
		for _, t := range out {
			if sevRank[t.Severity] > 0 || t.Source == "analysis" {
				kept = append(kept, t)
			}
		}
		if len(kept) > maxTimeline {
			kept = kept[:maxTimeline]
		}
		out = kept
	}
	return out
}
