package analyzer

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/postmortem/postmortem/parsers"
)

// SatInput is what the saturation detector reads: the access series, the
// aggregated events and the known limits.
type SatInput struct {
	Start, Step int64
	Points      []Point
	Events      []EventAgg
	Inputs      []InputInfo
	PoolSize    int64 // pm.max_children; 0 = unknown
	// PoolLogged is true when the FPM log states the pool's limit (then
	// the queueing knee below is not needed).
	PoolLogged bool
	// BaseHoldS is the baseline mean time a PHP request is held upstream
	// (busy-seconds per PHP request over the quiet period); 0 = unknown.
	BaseHoldS float64
	MySQLMax  int64 // max_connections; 0 = unknown
}

// SaturationConfig holds the saturation detector's thresholds.
type SaturationConfig struct {
	GapS        int64   // signals closer than this belong to one episode
	MemoryGapS  int64   // the same for OOM kills, which are sparse
	BadShare    float64 // 502/504 share of requests over WindowS that counts as saturation
	BadMinN     int64   // … with at least this many 502/504
	WindowS     int64   // window of the 502/504 share
	PlateauFrac float64 // busy workers ≥ PlateauFrac × pool size is the in-flight plateau
	// KneeFactor: with no logged limit, PHP requests held upstream (queue
	// included) KneeFactor times longer than at baseline, and at least
	// KneeAddS longer, over KneeS seconds, mean they queue for a worker.
	KneeFactor, KneeAddS float64
	KneeS                int64
	OngoingS             int64 // an episode ending this close to the end of the data is ongoing
}

// DefaultSaturationConfig are the thresholds used by Finish.
var DefaultSaturationConfig = SaturationConfig{GapS: 30, MemoryGapS: 300, BadShare: 0.05, BadMinN: 3, WindowS: 10, PlateauFrac: 0.98, OngoingS: 60,
	KneeFactor: 2.5, KneeAddS: 0.3, KneeS: 20}

func satInputOf(st *State) SatInput {
	in := SatInput{Start: st.Start, Step: st.Step, Points: st.Points, Events: st.Events, Inputs: st.Inputs, MySQLMax: st.MySQLMaxConns}
	// Pool size: the log says it, else the flag.
	for _, e := range st.Events {
		if e.Sample.Type == parsers.FPMMaxChildren && e.Sample.Num[0] > 0 {
			st.PoolSize, st.PoolSizeSource = e.Sample.Num[0], "log"
			in.PoolLogged = true
			break
		}
	}
	// Baseline hold time of PHP requests.
	if st.Baseline.To > st.Baseline.From {
		var busy float64
		var php int64
		for t := st.Baseline.From; t < st.Baseline.To; t += st.Step {
			p := &st.Points[st.idx(t)]
			busy += p.Busy * float64(st.Step)
			php += p.Req - p.Static
		}
		if php > 0 {
			in.BaseHoldS = busy / float64(php)
		}
	}
	if st.PoolSize == 0 && st.Opts != nil && st.Opts.FPMMaxChildren > 0 {
		st.PoolSize, st.PoolSizeSource = int64(st.Opts.FPMMaxChildren), "flag"
	}
	in.PoolSize = st.PoolSize
	return in
}

type satSignal struct {
	sec      int64
	logged   bool   // a log line said it
	evidence string // "" for repeated signals
	limit    int64
}

// DetectSaturation finds, per resource, the episodes where it was at its
// limit: php-fpm (max_children, seems busy, nginx backlog full and upstream
// timeouts, a 502/504 share, busy workers at the pool size), mysql (Too
// many connections in PHP messages), nginx (worker_connections, open
// files), apache (MaxRequestWorkers) and memory (OOM kills). An episode
// whose only signals are the 502/504 share or the in-flight plateau is
// Inferred. Episodes are sorted by start, then resource.
func DetectSaturation(in SatInput, cfg SaturationConfig) []Saturation {
	sig := map[string][]satSignal{}
	add := func(res string, s satSignal) { sig[res] = append(sig[res], s) }
	down := map[int64]bool{} // seconds with FPM-down evidence (502 for another reason)
	for _, e := range in.Events {
		ev := evidenceLine(in.Inputs, &e.Sample)
		s := e.Sample
		switch s.Type {
		case parsers.FPMMaxChildren:
			add("php-fpm", satSignal{sec: e.Sec, logged: true, evidence: ev, limit: s.Num[0]})
		case parsers.FPMSeemsBusy:
			// "seems busy" means spawning with no idle worker; the pool is at
			// its limit only when the total has reached the pool size.
			if in.PoolSize > 0 && s.Num[2] >= in.PoolSize {
				add("php-fpm", satSignal{sec: e.Sec, logged: true, evidence: ev})
			}
		case parsers.FPMMaxProcesses, parsers.NginxConnectBacklog,
			parsers.NginxUpstreamTimeoutRead, parsers.NginxUpstreamTimeoutConnect, parsers.ApacheProxyTimeout:
			for t := e.First / 1e9; t <= e.Last/1e9; t++ {
				add("php-fpm", satSignal{sec: t, logged: true, evidence: ev})
				ev = ""
			}
		case parsers.NginxWorkerConns, parsers.NginxTooManyFiles:
			add("nginx", satSignal{sec: e.Sec, logged: true, evidence: ev})
		case parsers.ApacheMaxWorkers, parsers.ApacheScoreboardFull:
			add("apache", satSignal{sec: e.Sec, logged: true, evidence: ev})
		case parsers.KernelOOMKill, parsers.SystemdOOMKilled, parsers.MySQLOutOfMemory:
			add("memory", satSignal{sec: e.Sec, logged: true, evidence: ev})
		case parsers.NginxConnectRefused, parsers.NginxConnectNoSocket, parsers.NginxPrematureClose,
			parsers.NginxConnReset, parsers.NginxNoLiveUpstreams:
			for t := e.First/1e9 - 5; t <= e.Last/1e9+5; t++ {
				down[t] = true
			}
		}
		if s.PHP == parsers.PHPTooManyConns {
			add("mysql", satSignal{sec: e.Sec, logged: true, evidence: ev, limit: in.MySQLMax})
		}
	}
	// Seconds near a MySQL connection limit: PHP requests then wait for
	// the database, not for a worker, so the queueing knee says nothing.
	dbBusy := map[int64]bool{}
	for _, m := range sig["mysql"] {
		for t := m.sec - 30; t <= m.sec+30; t++ {
			dbBusy[t] = true
		}
	}
	// Inferred php-fpm signals from the access log.
	step := max(in.Step, 1)
	w := max(cfg.WindowS/step, 1)
	var badN, reqN int64
	firstBad, firstPlateau, firstKnee := true, true, true
	marked := -1
	kw := cfg.KneeS / step
	var holdBusy float64
	var holdPHP int64
	for i := range in.Points {
		p := &in.Points[i]
		badN += p.S502 + p.S504
		reqN += p.Req
		if i >= int(w) {
			q := &in.Points[i-int(w)]
			badN -= q.S502 + q.S504
			reqN -= q.Req
		}
		t := in.Start + int64(i)*step
		if badN >= cfg.BadMinN && reqN > 0 && float64(badN)/float64(reqN) >= cfg.BadShare {
			// Mark the seconds of the window that had 502/504 themselves.
			for j := max(i-int(w)+1, marked+1); j <= i; j++ {
				q := &in.Points[j]
				tj := in.Start + int64(j)*step
				if q.S502+q.S504 == 0 || down[tj] {
					continue
				}
				ev := ""
				if firstBad {
					ev = fmt.Sprintf("access log: %.0f%% of requests ended 502/504 around %s", 100*float64(badN)/float64(reqN), clock(tj))
					firstBad = false
				}
				add("php-fpm", satSignal{sec: tj, evidence: ev})
			}
			marked = i
		}
		if kw > 0 && !in.PoolLogged && in.BaseHoldS > 0 {
			holdBusy += p.Busy * float64(step)
			holdPHP += p.Req - p.Static
			if i >= int(kw) {
				q := &in.Points[i-int(kw)]
				holdBusy -= q.Busy * float64(step)
				holdPHP -= q.Req - q.Static
			}
			if holdPHP >= 10 {
				h := holdBusy / float64(holdPHP)
				if h >= math.Max(cfg.KneeFactor*in.BaseHoldS, in.BaseHoldS+cfg.KneeAddS) {
					ev := ""
					if firstKnee {
						ev = fmt.Sprintf("access log: PHP requests took %.1f s at %s against %.2f s normally: they queued for a free worker", h, clock(t), in.BaseHoldS)
						firstKnee = false
					}
					if !dbBusy[t] {
						add("php-fpm", satSignal{sec: t, evidence: ev})
					}
				}
			}
		}
		// The plateau is the signal of pools that do not log their limit;
		// where the FPM log says it, its lines are authoritative (busy
		// counts requests queued in the listen backlog too).
		if !in.PoolLogged && in.PoolSize > 0 && p.Busy >= cfg.PlateauFrac*float64(in.PoolSize) {
			ev := ""
			if firstPlateau {
				ev = fmt.Sprintf("access log: %.0f requests held by PHP at %s, at the pool size of %d workers (in-flight plateau)", p.Busy, clock(t), in.PoolSize)
				firstPlateau = false
			}
			add("php-fpm", satSignal{sec: t, evidence: ev})
		}
	}
	end := in.Start + int64(len(in.Points))*step - 1
	var out []Saturation
	for res, ss := range sig {
		sort.SliceStable(ss, func(i, j int) bool { return ss[i].sec < ss[j].sec })
		gap := cfg.GapS
		if res == "memory" {
			gap = cfg.MemoryGapS
		}
		for i := 0; i < len(ss); {
			j := i
			for j+1 < len(ss) && ss[j+1].sec-ss[j].sec <= gap {
				j++
			}
			sat := Saturation{Resource: res, Start: time.Unix(ss[i].sec, 0).UTC(), Inferred: true}
			if e := ss[j].sec + 1; len(in.Points) == 0 || e < end-cfg.OngoingS {
				t := time.Unix(e, 0).UTC()
				sat.End = &t
			}
			var limit int64
			for k := i; k <= j; k++ {
				if ss[k].logged {
					sat.Inferred = false
				}
				if ss[k].limit > 0 {
					limit = ss[k].limit
				}
				if ss[k].evidence != "" && len(sat.Evidence) < 4 && !contains(sat.Evidence, ss[k].evidence) {
					sat.Evidence = append(sat.Evidence, ss[k].evidence)
				}
			}
			if limit == 0 && res == "php-fpm" && in.PoolSize > 0 {
				limit = in.PoolSize
			}
			if limit > 0 {
				l := limit
				sat.Limit = &l
			}
			if sat.Inferred {
				sat.Evidence = append(sat.Evidence, "inferred: no log line states this limit was reached (pm = static pools and missing FPM logs never do)")
			}
			out = append(out, sat)
			i = j + 1
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].Resource < out[j].Resource
	})
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// evidenceLine is "file:line: text" for an event sample.
func evidenceLine(inputs []InputInfo, s *EventSample) string {
	name := fmt.Sprintf("input%d", s.Input)
	if s.Input >= 0 && s.Input < len(inputs) {
		name = inputs[s.Input].Name
	}
	return fmt.Sprintf("%s:%d: %s", name, s.Line, s.Text)
}

// clock renders a Unix second as 15:04:05 UTC for evidence lines.
func clock(t int64) string { return time.Unix(t, 0).UTC().Format("15:04:05") }

func round1(x float64) float64 { return math.Round(x*10) / 10 }
