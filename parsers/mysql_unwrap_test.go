package parsers

import "testing"

func TestMySQLUnwrap(t *testing.T) {
	cases := []struct {
		in, inner, prog string
		ok              bool
	}{
		{"Sep 16 21:30:26 catinthehat mysqld: 130916 21:30:26 [Warning] x", "130916 21:30:26 [Warning] x", "mysqld", true},
		{"Oct  1 10:45:59 srv mariadbd[1273]: 2023-10-01 10:45:59 1194 [Warning] x", "2023-10-01 10:45:59 1194 [Warning] x", "mariadbd", true},
		{"2019-09-06T01:45:18 srv mysqld: 2019-09-06  1:45:18 1 [Warning] x", "2019-09-06  1:45:18 1 [Warning] x", "mysqld", true},
		{"2024-11-21T10:15:02.5+01:00 db1 mysqld[7]: [System] [MY-010116] x", "[System] [MY-010116] x", "mysqld", true},
		{"2024-11-21T10:15:02.123456789Z 2024-11-21T10:15:02.123456Z 0 [System] x", "2024-11-21T10:15:02.123456Z 0 [System] x", "", true},
		{"db-1  | 2024-11-21T10:15:03.5Z 0 [System] x", "2024-11-21T10:15:03.5Z 0 [System] x", "", true},
		{"db-1  | Oct 21 10:45:59 srv mariadbd[1]: Version: '1'", "Version: '1'", "mariadbd", true},
		// Bare MySQL lines are not wrapped.
		{"2021-04-21T10:48:54.682734Z 0 [Note] InnoDB: x", "", "", false},
		{"2016-02-24T15:26:18.237955 6 [Note] Access denied", "", "", false},
		{"2024-11-21 10:15:00+00:00 [Note] [Entrypoint]: x", "", "", false},
		{"130324  0:04:00 [Warning] x", "", "", false},
		{"Version: '5.7.44'  socket: '/s'  port: 3306", "", "", false},
		{"Oct 21 10:45:59 srv no tag here", "", "", false},
	}
	for _, tc := range cases {
		inner, prog, ok := mysqlUnwrap([]byte(tc.in))
		if ok != tc.ok || ok && (string(inner) != tc.inner || string(prog) != tc.prog) {
			t.Errorf("mysqlUnwrap(%q) = %q %q %v, want %q %q %v", tc.in, inner, prog, ok, tc.inner, tc.prog, tc.ok)
		}
	}
}
