package analyzer

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/postmortem/postmortem/parsers"
)

// ea is one event aggregate at t0+sec seconds.
func ea(sec int64, typ parsers.EventType, aux, count int64) EventAgg {
	return EventAgg{Sec: t0 + sec, Aux: aux, Count: count, First: (t0 + sec) * 1e9, Last: (t0 + sec) * 1e9,
		Sample: EventSample{Time: (t0 + sec) * 1e9, Line: sec + 1, Type: typ, Text: fmt.Sprintf("%v line", typ)}}
}

func TestDetectRestarts(t *testing.T) {
	type got struct {
		At      int64
		Service string
		Kind    string
		Down    int64
	}
	kills := func(at int64, n int) []EventAgg {
		var out []EventAgg
		for i := 0; i < n; i++ {
			out = append(out, ea(at+int64(i%3), parsers.FPMChildExited, 9, 1))
		}
		return append(out, ea(at+3, parsers.FPMChildStarted, 0, int64(n)))
	}
	cat := func(parts ...[]EventAgg) []EventAgg {
		var out []EventAgg
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name string
		evs  []EventAgg
		want []got
	}{
		{"fpm boot only", []EventAgg{ea(0, parsers.FPMRunning, 0, 1), ea(0, parsers.FPMReady, 0, 1)}, nil},
		{"fpm manual restart", []EventAgg{ea(0, parsers.FPMRunning, 0, 1), ea(100, parsers.FPMTerminating, 0, 1), ea(101, parsers.FPMExiting, 0, 1),
			ea(104, parsers.FPMRunning, 0, 1), ea(104, parsers.FPMReady, 0, 1)}, []got{{100, "php-fpm", "manual", 4}}},
		{"fpm reload", []EventAgg{ea(0, parsers.FPMRunning, 0, 1), ea(50, parsers.FPMReloading, 0, 1), ea(51, parsers.FPMRunning, 0, 1), ea(51, parsers.FPMReady, 0, 1)},
			[]got{{50, "php-fpm", "reload", 0}}},
		{"fpm start without stop is a crash", []EventAgg{ea(0, parsers.FPMRunning, 0, 1), ea(300, parsers.FPMRunning, 0, 1)}, []got{{300, "php-fpm", "crash", 0}}},
		{"log reopen and max_requests recycling are no restart", []EventAgg{ea(0, parsers.FPMRunning, 0, 1), ea(60, parsers.FPMLogReopened, 0, 1),
			ea(70, parsers.FPMChildExited, 0, 30), ea(70, parsers.FPMChildStarted, 0, 30)}, nil},
		{"mass SIGKILL of children", cat([]EventAgg{ea(0, parsers.FPMRunning, 0, 1)}, kills(200, 20)), []got{{200, "php-fpm", "manual", 3}}},
		{"a few SIGKILLs are no mass kill", cat([]EventAgg{ea(0, parsers.FPMRunning, 0, 1)}, kills(200, 2)), nil},
		{"mysql clean restart", []EventAgg{ea(0, parsers.MySQLStarting, 0, 1), ea(2, parsers.MySQLReady, 3306, 1), ea(500, parsers.MySQLShutdownRequest, 0, 1),
			ea(503, parsers.MySQLShutdownComplete, 0, 1), ea(505, parsers.MySQLStarting, 0, 1), ea(508, parsers.MySQLReady, 3306, 1)},
			[]got{{500, "mysql", "manual", 8}}},
		{"mysql crash with got signal", []EventAgg{ea(0, parsers.MySQLReady, 3306, 1), ea(400, parsers.MySQLGotSignal, 11, 1),
			ea(410, parsers.MySQLStarting, 0, 1), ea(411, parsers.MySQLCrashRecovery, 0, 1), ea(430, parsers.MySQLReady, 3306, 1)},
			[]got{{400, "mysql", "crash", 30}}},
		{"mysql killed silently (MySQL 8 verbosity 2)", []EventAgg{ea(0, parsers.MySQLReady, 3306, 1), ea(600, parsers.MySQLStarting, 0, 1), ea(612, parsers.MySQLReady, 3306, 1)},
			[]got{{600, "mysql", "crash", 12}}},
		{"docker entrypoint temp server ignored", []EventAgg{ea(0, parsers.MySQLEntrypoint, 0, 1), ea(1, parsers.MySQLStarting, 0, 1), ea(3, parsers.MySQLReady, 0, 1),
			ea(10, parsers.MySQLShutdownRequest, 0, 1), ea(11, parsers.MySQLShutdownComplete, 0, 1), ea(12, parsers.MySQLStarting, 0, 1), ea(14, parsers.MySQLReady, 3306, 1)}, nil},
		{"mysql OOM-killed", []EventAgg{ea(0, parsers.MySQLReady, 3306, 1), ea(700, parsers.KernelOOMKill, svcMySQL, 1), ea(705, parsers.MySQLStarting, 0, 1),
			ea(720, parsers.MySQLReady, 3306, 1)}, []got{{700, "mysql", "oom", 20}}},
		{"php-fpm workers OOM-killed", []EventAgg{ea(0, parsers.FPMRunning, 0, 1), ea(900, parsers.KernelOOMKill, svcFPM, 1), ea(930, parsers.KernelOOMKill, svcFPM, 1)},
			[]got{{900, "php-fpm", "oom", 0}}},
		{"nginx reload", []EventAgg{ea(10, parsers.NginxSignal, 1, 1), ea(10, parsers.NginxReconfiguring, 0, 1), ea(11, parsers.NginxStartWorker, 0, 4),
			ea(11, parsers.NginxShuttingDown, 0, 4)}, []got{{10, "nginx", "reload", 0}}},
		{"apache graceful and crash", []EventAgg{ea(0, parsers.ApacheStarted, 0, 1), ea(100, parsers.ApacheGraceful, 0, 1), ea(400, parsers.ApacheStarted, 0, 1)},
			[]got{{100, "apache", "reload", 0}, {400, "apache", "crash", 0}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := DetectRestarts(tc.evs, nil)
			var g []got
			for _, r := range rs {
				g = append(g, got{At: r.At.Unix() - t0, Service: r.Service, Kind: r.Kind, Down: int64(r.DownS)})
				if len(r.Evidence) == 0 {
					t.Errorf("restart %+v has no evidence", r)
				}
			}
			if diff := cmp.Diff(tc.want, g); diff != "" {
				t.Errorf("restarts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDetectRestartsStillDown(t *testing.T) {
	rs := DetectRestarts([]EventAgg{ea(0, parsers.MySQLReady, 3306, 1), ea(900, parsers.KernelOOMKill, svcMySQL, 1), ea(900, parsers.SystemdMainExited, svcMySQL, 1)}, nil)
	if len(rs) != 1 || rs[0].Service != "mysql" || rs[0].Kind != "oom" || rs[0].At.Unix() != t0+900 {
		t.Fatalf("restarts = %+v, want one mysql oom at +900 s", rs)
	}
	if got := rs[0].Evidence[len(rs[0].Evidence)-1]; got != "no start line before the end of the logs: still down" {
		t.Errorf("last evidence %q", got)
	}
}
