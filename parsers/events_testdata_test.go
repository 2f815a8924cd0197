package parsers

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestEventTestdata sniffs each sample file under testdata/ by content, reads
// it with NewEventReader, and checks that every line parses and the
// incident's key events are found.
func TestEventTestdata(t *testing.T) {
	for _, c := range []struct {
		file   string
		kind   Kind
		format string
		want   map[EventType]int
		kinds  map[Kind]int // events per kind, when the input mixes kinds
	}{
		{"nginx-error/incident.log", KindNginxError, "nginx", map[EventType]int{
			NginxSignal: 1, NginxReconfiguring: 1, NginxStartWorker: 2, NginxShuttingDown: 1, NginxUpstreamTimeoutRead: 1,
			NginxUpstreamTimeoutConnect: 1, NginxConnectBacklog: 1, NginxPHPMessage: 2, NginxPrematureClose: 1, NginxConnectNoSocket: 1,
			NginxConnectRefused: 1, NginxLimitReq: 2, NginxWorkerConns: 1, NginxTooManyFiles: 1, NginxNoLiveUpstreams: 1,
			NginxClientClosed: 1, NginxWorkerExited: 1, EventOther: 1}, nil},
		{"nginx-error/crlf.log", KindNginxError, "nginx", map[EventType]int{NginxReconfiguring: 1, NginxStartWorker: 1}, nil},
		{"apache-error/incident.log", KindApacheError, "apache 2.4", map[EventType]int{
			ApacheMaxWorkers: 2, ApachePHPMessage: 1, ApacheProxyTimeout: 1, ApacheProxyConnect: 1, ApacheProxyHeader: 1,
			ApacheChildSignal: 1, ApacheScoreboardFull: 1, ApacheGraceful: 1, ApacheShutdown: 1, ApacheStarted: 2, EventOther: 3}, nil},
		{"fpm/incident.log", KindFPM, "php-fpm 7.x/8.x", map[EventType]int{
			FPMRunning: 2, FPMReady: 2, FPMSeemsBusy: 1, FPMMaxChildren: 1, FPMSaid: 1, FPMTooSlow: 1, FPMTimedOut: 1,
			FPMChildExited: 4, FPMChildStarted: 1, FPMFailedThreshold: 1, FPMReloading: 1, FPMLogReopened: 1,
			FPMTerminating: 1, FPMExiting: 1, FPMInitFailed: 2, EventOther: 6}, nil},
		{"fpm/docker.log", KindFPM, "php-fpm 7.x/8.x (docker)", map[EventType]int{FPMRunning: 1, FPMReady: 1, FPMMaxChildren: 1, FPMFinishing: 1, EventOther: 1}, nil},
		{"fpm/journal.log", KindFPM, "php-fpm 7.x/8.x (syslog)", map[EventType]int{FPMRunning: 1, FPMReady: 1, FPMMaxChildren: 1, FPMChildExited: 1}, nil},
		{"fpm/debug.log", KindFPM, "php-fpm debug", map[EventType]int{FPMChildStarted: 1, FPMMaxChildren: 1, EventOther: 1}, nil},
		{"fpm-slow/incident.log", KindFPMSlow, "php-fpm slowlog", map[EventType]int{FPMSlowTrace: 3}, nil},
		{"kernel/syslog.log", KindKernel, "syslog", map[EventType]int{
			KernelOOMInvoked: 1, KernelOOMConstraint: 1, KernelOOMKill: 1, KernelOOMReaped: 1, SystemdOOMKilled: 1,
			SystemdMainExited: 1, SystemdFailed: 1, SystemdStopping: 1, SystemdStopped: 2, SystemdStarting: 2, SystemdStarted: 2,
			FPMMaxChildren: 1, NginxConnectBacklog: 1},
			map[Kind]int{KindFPM: 1, KindNginxError: 1}},
		{"kernel/dmesg.log", KindKernel, "dmesg", map[EventType]int{KernelOOMInvoked: 1, KernelOOMConstraint: 1, KernelOOMKill: 1, EventOther: 3}, nil},
		{"kernel/dmesg-T.log", KindKernel, "dmesg -T", map[EventType]int{KernelOOMKill: 1, EventOther: 1}, nil},
		{"kernel/journal.json", KindKernel, "journal json", map[EventType]int{KernelOOMInvoked: 1, KernelOOMKill: 1, SystemdOOMKilled: 1, FPMChildExited: 1, EventOther: 1},
			map[Kind]int{KindKernel: 4, KindFPM: 1}},
	} {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
			kind, format, err := Sniff(lines)
			if err != nil || kind != c.kind || format != c.format {
				t.Fatalf("Sniff = %s %q, %v; want %s %q", kind, format, err, c.kind, c.format)
			}
			r, err := NewEventReader(kind, format, testOpts)
			if err != nil {
				t.Fatal(err)
			}
			got := map[EventType]int{}
			kinds := map[Kind]int{}
			emit := func(e *Event) {
				got[e.Type]++
				kinds[e.Kind]++
			}
			for i, l := range lines {
				if err := r.Feed(l, int64(i+1), emit); err != nil {
					t.Errorf("line %d: %v", i+1, err)
				}
			}
			r.Flush(emit)
			for typ, n := range c.want {
				if got[typ] != n {
					t.Errorf("%s: %d events, want %d", typ, got[typ], n)
				}
			}
			if c.kind != KindKernel && len(got) != len(c.want) {
				t.Errorf("event types %v, want %v", got, c.want)
			}
			if got[KernelOOMKill] > 1 {
				t.Errorf("%d OOM kills: the task table must not count", got[KernelOOMKill])
			}
			for k, n := range c.kinds {
				if kinds[k] != n {
					t.Errorf("%s events: %d, want %d (%v)", k, kinds[k], n, kinds)
				}
			}
		})
	}
}
