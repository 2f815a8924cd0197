package parsers

import "testing"

func TestParseMySQLStamp(t *testing.T) {
	cases := []struct {
		name, in string
		ok       bool
		want     mysqlStamp
		rest     string
	}{
		{"5.5 padded hour", "130324  0:04:00 [Warning] x", true,
			mysqlStamp{shape: stampYYMMDD, y: 2013, mo: 3, d: 24, h: 0, mi: 4, s: 0, padded: true}, " [Warning] x"},
		{"mysqld_safe zero-padded", "080721 03:03:57  mysqld started", true,
			mysqlStamp{shape: stampYYMMDD, y: 2008, mo: 7, d: 21, h: 3, mi: 3, s: 57}, "  mysqld started"},
		{"no space before InnoDB", "091119 22:27:11InnoDB: Warning", true,
			mysqlStamp{shape: stampYYMMDD, y: 2009, mo: 11, d: 19, h: 22, mi: 27, s: 11}, "InnoDB: Warning"},
		{"5.6", "2015-10-07 06:09:42 5907 [Warning] x", true,
			mysqlStamp{shape: stampDateSpace, y: 2015, mo: 10, d: 7, h: 6, mi: 9, s: 42}, " 5907 [Warning] x"},
		{"mariadb padded", "2015-10-07  8:25:38 139845235329792 [Warning]", true,
			mysqlStamp{shape: stampDateSpace, y: 2015, mo: 10, d: 7, h: 8, mi: 25, s: 38, padded: true}, " 139845235329792 [Warning]"},
		{"entrypoint offset", "2024-11-21 10:15:00+00:00 [Note] [Entrypoint]: x", true,
			mysqlStamp{shape: stampDateSpace, y: 2024, mo: 11, d: 21, h: 10, mi: 15, s: 0, hasOff: true}, " [Note] [Entrypoint]: x"},
		{"5.7 Z", "2021-04-21T10:48:54.682734Z 0 [Note] x", true,
			mysqlStamp{shape: stampISO, y: 2021, mo: 4, d: 21, h: 10, mi: 48, s: 54, nsec: 682734000, hasOff: true}, " 0 [Note] x"},
		{"5.7 offset", "2021-04-21T10:48:54.682734+08:00 0 [Note] x", true,
			mysqlStamp{shape: stampISO, y: 2021, mo: 4, d: 21, h: 10, mi: 48, s: 54, nsec: 682734000, hasOff: true, off: 8 * 3600}, " 0 [Note] x"},
		{"5.7 local", "2016-02-24T15:26:18.237955 6 [Note] x", true,
			mysqlStamp{shape: stampISO, y: 2016, mo: 2, d: 24, h: 15, mi: 26, s: 18, nsec: 237955000}, " 6 [Note] x"},
		{"8.x crash", "2024-02-14T19:24:28Z UTC - mysqld got signal 11 ;", true,
			mysqlStamp{shape: stampISO, y: 2024, mo: 2, d: 14, h: 19, mi: 24, s: 28, hasOff: true}, " UTC - mysqld got signal 11 ;"},
		{"time-only crash", "06:08:23 UTC - mysqld got signal 11 ;", true,
			mysqlStamp{shape: stampTimeOnly, h: 6, mi: 8, s: 23, hasOff: true}, " UTC - mysqld got signal 11 ;"},
		{"continuation", "Version: '5.7.44'  socket: ''", false, mysqlStamp{}, ""},
		{"digits then text", "341759  mpb_wordpress.wp_TABLE", false, mysqlStamp{}, ""},
		{"bad month", "2024-13-21T10:15:02Z 0 [Note] x", false, mysqlStamp{}, ""},
		{"nginx stamp", "2024/11/21 10:15:02 [error] 1#1: x", false, mysqlStamp{}, ""},
		{"time without UTC", "06:08:23 - mysqld", false, mysqlStamp{}, ""},
		{"short", "2024-11", false, mysqlStamp{}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, rest, ok := parseMySQLStamp([]byte(tc.in))
			if ok != tc.ok || ok && (st != tc.want || string(rest) != tc.rest) {
				t.Errorf("parseMySQLStamp(%q) = %+v %q %v, want %+v %q %v", tc.in, st, rest, ok, tc.want, tc.rest, tc.ok)
			}
		})
	}
}

func TestTimeOnlyUnix(t *testing.T) {
	st := mysqlStamp{shape: stampTimeOnly, h: 0, mi: 0, s: 5}
	if _, ok := (mysqlDayAnchor{}).timeOnlyUnix(st); ok {
		t.Error("time-only stamp without an anchor has a time")
	}
	prev := civilToUnix(2024, 11, 21, 23, 59, 58)
	got, ok := mysqlDayAnchor{unix: prev, set: true}.timeOnlyUnix(st)
	if !ok || got != civilToUnix(2024, 11, 22, 0, 0, 5) {
		t.Errorf("after midnight: %d, want next day", got)
	}
	st.h = 23
	st.mi = 59
	st.s = 30 // slightly before the anchor: same day
	got, _ = mysqlDayAnchor{unix: prev, set: true}.timeOnlyUnix(st)
	if got != civilToUnix(2024, 11, 21, 23, 59, 30) {
		t.Errorf("same day: %d", got)
	}
}
