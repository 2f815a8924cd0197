package analyzer

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/postmortem/postmortem/parsers"
)

func TestDetectSaturation(t *testing.T) {
	type got struct {
		Resource   string
		Start, End int64 // seconds from t0; End −1 = ongoing
		Limit      int64
		Inferred   bool
	}
	// points builds n seconds of 20 rps; f may change a point.
	points := func(n int, f func(i int, p *Point)) []Point {
		ps := make([]Point, n)
		for i := range ps {
			ps[i] = Point{Req: 20, S2xx: 20, Busy: 5}
			if f != nil {
				f(i, &ps[i])
			}
		}
		return ps
	}
	bad := func(from, to int) func(int, *Point) {
		return func(i int, p *Point) {
			if i >= from && i < to {
				p.S502, p.S5xx, p.S2xx = 4, 4, 16
			}
		}
	}
	mc := ea(100, parsers.FPMMaxChildren, 0, 1)
	mc.Sample.Num[0] = 40
	tmc := ea(300, parsers.NginxPHPMessage, 0, 3)
	tmc.Sample.PHP = parsers.PHPTooManyConns
	var backlog []EventAgg
	for s := int64(100); s < 400; s += 5 {
		backlog = append(backlog, ea(s, parsers.NginxConnectBacklog, 0, 3))
	}
	tests := []struct {
		name string
		in   SatInput
		want []got
	}{
		{"healthy", SatInput{Start: t0, Step: 1, Points: points(1000, nil)}, nil},
		{"max_children then backlog full", SatInput{Start: t0, Step: 1, Points: points(1000, nil), Events: append([]EventAgg{mc}, backlog...)},
			[]got{{"php-fpm", 100, 396, 40, false}}},
		{"static pool: only 502s, inferred", SatInput{Start: t0, Step: 1, Points: points(1000, bad(200, 500))},
			[]got{{"php-fpm", 200, 500, 0, true}}},
		{"static pool: in-flight plateau at the pool size", SatInput{Start: t0, Step: 1, PoolSize: 30, Points: points(1000, func(i int, p *Point) {
			if i >= 600 && i < 700 {
				p.Busy = 30
			}
		})}, []got{{"php-fpm", 600, 700, 30, true}}},
		{"502s while FPM is down are no saturation", SatInput{Start: t0, Step: 1, Points: points(1000, bad(200, 230)),
			Events: []EventAgg{ea(195, parsers.NginxConnectRefused, 0, 5), ea(205, parsers.NginxConnectRefused, 0, 5), ea(215, parsers.NginxConnectRefused, 0, 5), ea(225, parsers.NginxConnectRefused, 0, 5), ea(235, parsers.NginxConnectRefused, 0, 5)}}, nil},
		{"mysql too many connections, ongoing", SatInput{Start: t0, Step: 1, MySQLMax: 151, Points: points(330, nil), Events: []EventAgg{tmc, ea(320, parsers.NginxPHPMessage, 0, 1)}},
			[]got{{"mysql", 300, -1, 151, false}}},
		{"OOM kills are memory saturation", SatInput{Start: t0, Step: 1, Points: points(2000, nil), Events: []EventAgg{ea(500, parsers.KernelOOMKill, svcFPM, 1), ea(700, parsers.KernelOOMKill, svcFPM, 1)}},
			[]got{{"memory", 500, 701, 0, false}}},
	}
	tests[5].in.Events[1].Sample.PHP = parsers.PHPTooManyConns
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var g []got
			for _, s := range DetectSaturation(tc.in, DefaultSaturationConfig) {
				x := got{Resource: s.Resource, Start: s.Start.Unix() - t0, End: -1, Inferred: s.Inferred}
				if s.End != nil {
					x.End = s.End.Unix() - t0
				}
				if s.Limit != nil {
					x.Limit = *s.Limit
				}
				if len(s.Evidence) == 0 {
					t.Errorf("%s saturation without evidence", s.Resource)
				}
				g = append(g, x)
			}
			if diff := cmp.Diff(tc.want, g); diff != "" {
				t.Errorf("saturation (-want +got):\n%s", diff)
			}
		})
	}
}
