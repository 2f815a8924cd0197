package analyzer

import (
	"time"

	"github.com/postmortem/postmortem/parsers"
)

// RestartConfig holds the restart detector's thresholds.
type RestartConfig struct {
	MassKillN     int64 // this many FPM children exiting on SIGKILL …
	MassKillS     int64 // … within this many seconds is a manual kill -9
	StartWithinS  int64 // a start this soon after a stop belongs to it
	OOMGroupS     int64 // OOM kills of one service this close form one event
	ReloadDedupeS int64 // reload lines this close are one reload
}

// DefaultRestartConfig are the thresholds used by Finish.
var DefaultRestartConfig = RestartConfig{MassKillN: 5, MassKillS: 5, StartWithinS: 600, OOMGroupS: 60, ReloadDedupeS: 10}

// restartFinding is a restart before its effect is measured.
type restartFinding struct {
	at, up   int64 // Unix ns of the first sign and of the service being back
	service  string
	kind     string
	evidence []string
}

// DetectRestarts finds restarts in the lifecycle events (sorted by time):
// FPM stop/start sequences, reloads, starts without a stop (crash), mass
// SIGKILL of children (a manual kill -9) and OOM kills; MySQL shutdown /
// crash / start / ready sequences with docker-entrypoint temporary servers
// (ready on port 0) ignored; nginx and Apache reloads and restarts. A child
// recycled after pm.max_requests (exit code 0) and a log reopened on
// rotation are no restart. The first start seen of a service is its boot,
// not a restart. Effects (before/after, relapse, verdict) are added by
// effects.
func DetectRestarts(events []EventAgg, inputs []InputInfo) []Restart {
	fs := detectRestarts(events, inputs, DefaultRestartConfig)
	out := make([]Restart, 0, len(fs))
	for _, f := range fs {
		r := Restart{At: time.Unix(0, f.at).UTC(), Service: f.service, Kind: f.kind, Evidence: f.evidence}
		if f.up > f.at {
			r.DownS = float64(f.up-f.at) / 1e9
		}
		out = append(out, r)
	}
	return out
}

type pending struct {
	at       int64
	kind     string
	evidence []string
}

func detectRestarts(events []EventAgg, inputs []InputInfo, cfg RestartConfig) []restartFinding {
	var out []restartFinding
	ev := func(e *EventAgg) string { return evidenceLine(inputs, &e.Sample) }
	emit := func(p *pending, service string, up int64, more string) {
		f := restartFinding{at: p.at, up: up, service: service, kind: p.kind, evidence: p.evidence}
		if more != "" && len(f.evidence) < 5 {
			f.evidence = append(f.evidence, more)
		}
		out = append(out, f)
	}

	// PHP-FPM.
	var fpmStop *pending
	fpmSeen := false           // any FPM lifecycle event before (so a start is not the boot)
	var reloadUntil int64      // starts until then belong to a reload
	var killUntil int64        // SIGKILL exits until then belong to a reported mass kill
	lastKill := -1             // index in out of the last mass kill
	oomAt := map[int64]int64{} // service → last OOM kill ns
	var lastFPMOOM pending
	for i := range events {
		e := &events[i]
		s := &e.Sample
		switch s.Type {
		case parsers.KernelOOMKill, parsers.SystemdOOMKilled:
			svc := e.Aux
			if prev, ok := oomAt[svc]; ok && e.First-prev < cfg.OOMGroupS*1e9 {
				oomAt[svc] = e.First
				continue
			}
			oomAt[svc] = e.First
			switch svc {
			case svcFPM:
				lastFPMOOM = pending{at: e.First, kind: "oom", evidence: []string{ev(e)}}
				out = append(out, restartFinding{at: e.First, up: e.First, service: "php-fpm", kind: "oom", evidence: []string{ev(e)}})
			}
		case parsers.FPMTerminating, parsers.FPMFinishing:
			if fpmStop == nil {
				fpmStop = &pending{at: e.First, kind: "manual", evidence: []string{ev(e)}}
			}
			fpmSeen = true
		case parsers.SystemdStopping:
			if e.Aux == svcFPM && fpmStop == nil {
				fpmStop = &pending{at: e.First, kind: "manual", evidence: []string{ev(e)}}
			}
		case parsers.FPMReloading:
			if e.First > reloadUntil {
				out = append(out, restartFinding{at: e.First, up: e.First, service: "php-fpm", kind: "reload", evidence: []string{ev(e)}})
			}
			reloadUntil = e.First + 60e9
			fpmStop = nil
			fpmSeen = true
		case parsers.FPMChildExited:
			fpmSeen = true
			if e.Aux != 9 || e.First <= killUntil {
				continue
			}
			// Count SIGKILL exits within MassKillS.
			var n int64
			for j := i; j < len(events) && events[j].First < e.First+cfg.MassKillS*1e9; j++ {
				if events[j].Sample.Type == parsers.FPMChildExited && events[j].Aux == 9 {
					n += events[j].Count
				}
			}
			if n < cfg.MassKillN {
				continue
			}
			kind := "manual"
			if lastFPMOOM.at != 0 && abs64(e.First-lastFPMOOM.at) < 10e9 {
				kind = "oom"
			}
			killUntil = e.First + 30e9
			f := restartFinding{at: e.First, up: e.First, service: "php-fpm", kind: kind,
				evidence: []string{ev(e), itoa(n) + " PHP-FPM workers killed with SIGKILL within " + itoa(cfg.MassKillS) + " s"}}
			// Up again at the first child started after the burst.
			for j := i + 1; j < len(events) && events[j].First < e.First+60e9; j++ {
				if t := events[j].Sample.Type; t == parsers.FPMChildStarted || t == parsers.FPMReady || t == parsers.FPMRunning {
					f.up = events[j].First
					break
				}
			}
			if kind == "oom" {
				// The OOM kill was already reported: refine it.
				for k := len(out) - 1; k >= 0; k-- {
					if out[k].service == "php-fpm" && out[k].kind == "oom" && abs64(out[k].at-e.First) < 10e9 {
						out[k].evidence = append(out[k].evidence, f.evidence[1])
						break
					}
				}
				continue
			}
			out = append(out, f)
			lastKill = len(out) - 1
		case parsers.FPMRunning, parsers.FPMReady:
			if s.Type == parsers.FPMReady && i > 0 && events[i-1].Sample.Type == parsers.FPMRunning && e.First-events[i-1].First < 5e9 {
				continue // the second line of the same start
			}
			if e.First <= reloadUntil {
				continue
			}
			switch {
			case fpmStop != nil && e.First-fpmStop.at <= cfg.StartWithinS*1e9:
				emit(fpmStop, "php-fpm", e.First, ev(e))
			case lastKill >= 0 && e.First-out[lastKill].at <= 120e9:
				// The master restarted after the mass kill: same event.
				out[lastKill].up = e.First
				out[lastKill].evidence = append(out[lastKill].evidence, ev(e))
			case lastFPMOOM.at != 0 && e.First-lastFPMOOM.at <= 120e9:
				// Restart after an OOM kill: already reported as oom.
			case fpmSeen:
				p := pending{at: e.First, kind: "crash", evidence: []string{"no stop line before this start: " + ev(e)}}
				emit(&p, "php-fpm", e.First, "")
			}
			fpmStop = nil
			fpmSeen = true
		case parsers.FPMExiting:
			fpmSeen = true
			if fpmStop != nil && len(fpmStop.evidence) < 3 {
				fpmStop.evidence = append(fpmStop.evidence, ev(e))
			}
		}
	}

	// MySQL / MariaDB.
	var myStop *pending
	var starting int64
	readySeen, temp := false, false
	for i := range events {
		e := &events[i]
		switch e.Sample.Type {
		case parsers.KernelOOMKill, parsers.SystemdOOMKilled:
			if e.Aux == svcMySQL && (myStop == nil || myStop.kind != "oom") {
				myStop = &pending{at: e.First, kind: "oom", evidence: []string{ev(e)}}
			}
		case parsers.MySQLEntrypoint:
			if !readySeen {
				temp = true
			}
		case parsers.MySQLShutdownRequest:
			if temp {
				continue
			}
			if myStop == nil {
				myStop = &pending{at: e.First, kind: "manual", evidence: []string{ev(e)}}
			}
		case parsers.SystemdStopping:
			if e.Aux == svcMySQL && myStop == nil && !temp {
				myStop = &pending{at: e.First, kind: "manual", evidence: []string{ev(e)}}
			}
		case parsers.MySQLGotSignal, parsers.MySQLAssertion:
			if myStop == nil || myStop.kind == "manual" {
				myStop = &pending{at: e.First, kind: "crash", evidence: []string{ev(e)}}
			}
		case parsers.MySQLShutdownComplete:
			if myStop != nil && len(myStop.evidence) < 3 {
				myStop.evidence = append(myStop.evidence, ev(e))
			}
		case parsers.MySQLStarting:
			starting = e.First
		case parsers.MySQLReady:
			if e.Aux == 0 {
				temp = true // docker-entrypoint temporary server
				myStop = nil
				continue
			}
			if temp {
				// The real server after the entrypoint's temporary one: boot.
				temp, myStop, readySeen = false, nil, true
				continue
			}
			switch {
			case myStop != nil:
				emit(myStop, "mysql", e.First, ev(e))
			case readySeen:
				at := starting
				if at == 0 || at > e.First {
					at = e.First
				}
				p := pending{at: at, kind: "crash", evidence: []string{"started without a shutdown line (killed or crashed): " + ev(e)}}
				emit(&p, "mysql", e.First, "")
			}
			myStop, readySeen, starting = nil, true, 0
		}
	}

	// A stop with no start before the logs end: still a restart event
	// (crash, OOM kill or stop), with the service down at the end.
	for _, p := range []*pending{fpmStop, myStop} {
		if p == nil {
			continue
		}
		svc := "mysql"
		if p == fpmStop {
			svc = "php-fpm"
		}
		emit(p, svc, p.at, "no start line before the end of the logs: still down")
	}

	// nginx and Apache.
	var lastReload = map[string]int64{}
	var webStop = map[string]*pending{}
	webSeen := map[string]bool{}
	for i := range events {
		e := &events[i]
		svc := ""
		var kind string
		switch e.Sample.Type {
		case parsers.NginxReconfiguring:
			svc, kind = "nginx", "reload"
		case parsers.NginxSignal:
			switch e.Aux {
			case 1:
				svc, kind = "nginx", "reload"
			case 3, 15, 2:
				svc, kind = "nginx", "stop"
			}
		case parsers.NginxShuttingDown:
			svc, kind = "nginx", "stop"
		case parsers.NginxStartWorker:
			svc, kind = "nginx", "start"
		case parsers.ApacheGraceful:
			svc, kind = "apache", "reload"
		case parsers.ApacheShutdown:
			svc, kind = "apache", "stop"
		case parsers.ApacheStarted:
			svc, kind = "apache", "start"
		}
		if svc == "" {
			continue
		}
		switch kind {
		case "reload":
			if last, ok := lastReload[svc]; !ok || e.First-last > cfg.ReloadDedupeS*1e9 {
				out = append(out, restartFinding{at: e.First, up: e.First, service: svc, kind: "reload", evidence: []string{ev(e)}})
			}
			lastReload[svc] = e.First
			webSeen[svc] = true
		case "stop":
			if last, ok := lastReload[svc]; ok && e.First-last <= cfg.ReloadDedupeS*1e9 {
				continue // old workers shutting down during a reload
			}
			if webStop[svc] == nil {
				webStop[svc] = &pending{at: e.First, kind: "manual", evidence: []string{ev(e)}}
			}
			webSeen[svc] = true
		case "start":
			if last, ok := lastReload[svc]; ok && e.First-last <= cfg.ReloadDedupeS*1e9 {
				continue
			}
			if p := webStop[svc]; p != nil {
				emit(p, svc, e.First, ev(e))
				webStop[svc] = nil
			} else if webSeen[svc] && svc == "apache" {
				p := pending{at: e.First, kind: "crash", evidence: []string{"started without a stop line: " + ev(e)}}
				emit(&p, svc, e.First, "")
			}
			webSeen[svc] = true
		}
	}
	sortFindings(out)
	return out
}

func sortFindings(fs []restartFinding) {
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && (fs[j].at < fs[j-1].at || (fs[j].at == fs[j-1].at && fs[j].service < fs[j-1].service)); j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
