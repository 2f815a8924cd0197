package parsers

import (
	"strings"
	"testing"
)

// fingerprintCases are pt-query-digest's own expectations (percona-toolkit
// t/lib/QueryRewriter.t, fingerprint section) plus cases for the slow-log
// corpus statements. Deliberate differences from the Perl are marked.
var fingerprintCases = []struct {
	name, query, want string
}{
	{"complex comments",
		`UPDATE groups_search SET  charter = '   -------3\'\' XXXXXXXXX.` + "\n    \n    " + `-----------------------------------------------------', show_in_list = 'Y' WHERE group_id='aaaaaaaa'`,
		"update groups_search set charter = ?, show_in_list = ? where group_id=?"},
	{"mysqldump", "SELECT /*!40001 SQL_NO_CACHE */ * FROM `film`", "mysqldump"},
	{"stored procedure", "CALL foo(1, 2, 3)", "call foo"},
	{"admin command as itself", "administrator command: Init DB", "administrator command: Init DB"},
	{"pt-table-checksum", "REPLACE /*foo.bar:3/3*/ INTO checksum.checksum (db, tbl) SELECT 'foo', 'bar'", "percona-toolkit"},
	{"use", "use `foo`", "use ?"},
	{"use with semicolon", "USE sakila;", "use ?"},
	{"one-line comment", "select \n--bar\n foo", "select foo"},
	{"one-line comment without mushing", "select foo--bar\nfoo", "select foo foo"},
	// pt keeps the trailing space ("select foo "); we trim it.
	{"eol comment", "select foo -- bar\n", "select foo"},
	{"hash comment", "select foo # bar\nfrom t", "select foo from t"},
	{"dash comment with quote after is kept", "select '--' -- it's\nfrom t", "select ? ? it's from t"},
	{"perlmonks 728718", "select null, 5.001, 5001. from foo", "select ?, ?, ? from foo"},
	{"quoted strings", "select 'hello', '\nhello\n', \"hello\", '\\'' from foo", "select ?, ?, ?, ? from foo"},
	{"trailing newline", "select 'hello'\n", "select ?"},
	{"escaped backslash", `select '\\' from foo`, "select ? from foo"},
	{"collapse whitespace", "select   foo", "select foo"},
	{"lowercase and integer", "SELECT * from foo where a = 5", "select * from foo where a = ?"},
	{"floats", "select 0e0, +6e-30, -6.00 from foo where a = 5.5 or b=0.5 or c=.5", "select ?, ?, ? from foo where a = ? or b=? or c=?"},
	{"hex and bit", "select 0x0, x'123', 0b1010, b'10101' from foo", "select ?, ?, ?, ? from foo"},
	{"leading whitespace", " select  * from\nfoo where a = 5", "select * from foo where a = ?"},
	{"IN lists", "select * from foo where a in (5) and b in (5, 8,9 ,9 , 10)", "select * from foo where a in(?+) and b in(?+)"},
	{"numeric table names", "select foo_1 from foo_2_3", "select foo_? from foo_?_?"},
	{"numeric prefixes", "select 123foo from 123foo", "select ?oo from ?oo"},
	{"numeric prefixes with underscores", "select 123_foo from 123_foo", "select ?_foo from ?_foo"},
	{"no change", "insert into abtemp.coxed select foo.bar from foo", "insert into abtemp.coxed select foo.bar from foo"},
	{"VALUES list", "insert into foo(a, b, c) values(2, 4, 5)", "insert into foo(a, b, c) values(?+)"},
	{"VALUES lists with multiple ()", "insert into foo(a, b, c) values(2, 4, 5) , (2,4,5)", "insert into foo(a, b, c) values(?+)"},
	{"VALUE()", "insert into foo(a, b, c) value(2, 4, 5)", "insert into foo(a, b, c) value(?+)"},
	{"multi-row insert with functions", "INSERT INTO t (a,b) VALUES (NOW(), 1), (NOW(), 2), (NOW(), 3)", "insert into t (a,b) values (now(), ?)"},
	{"limit", "select * from foo limit 5", "select * from foo limit ?"},
	{"limit comma offset", "select * from foo limit 5, 10", "select * from foo limit ?"},
	{"limit offset", "select * from foo limit 5 offset 10", "select * from foo limit ?"},
	{"union", "select 1 union select 2 union select 4", "select ? /*repeat union*/"},
	{"union all", "select 1 union all select 2 union all select 4", "select ? /*repeat union all*/"},
	{"nested unions",
		"select * from (select 1 union all select 2 union all select 4) as x join (select 2 union select 2 union select 3) as y",
		"select * from (select ? /*repeat union all*/) as x join (select ? /*repeat union*/) as y"},
	{"remove ASC from ORDER BY", "select c from t where i=1 order by c asc", "select c from t where i=? order by c"},
	{"remove only ASC", "select * from t where i=1 order by a, b ASC, d DESC, e asc", "select * from t where i=? order by a, b, d desc, e"},
	{"spacey ORDER BY", "select * from t where i=1      order            by \n      a,  b          ASC, d    DESC,    \n                             \n                             e asc",
		"select * from t where i=? order by a, b, d desc, e"},
	{"ascending column kept", "select * from t order by ascent", "select * from t order by ascent"},
	{"load data infile", "LOAD DATA INFILE '/tmp/foo.txt' INTO db.tbl", "load data infile ? into db.tbl"},
	{"comment before select", "/* -- S++ SU ABORTABLE -- spd_user: rspadim */SELECT SQL_SMALL_RESULT SQL_CACHE DISTINCT centro_atividade FROM est_dia WHERE unidade_id=1001 AND item_id=67 AND item_id_red=573",
		"select sql_small_result sql_cache distinct centro_atividade from est_dia where unidade_id=? and item_id=? and item_id_red=?"},
	{"booleans", "SELECT * FROM tbl WHERE id=1 AND flag=true AND trueflag=FALSE", "select * from tbl where id=? and flag=? and trueflag=?"},
	{"version comment kept", "show /*!50002 GLOBAL */ status", "show /*!? global */ status"},
	// Slow-log corpus statements.
	{"slow029 IN list", "SELECT * FROM `events`     WHERE (`events`.`id` IN (51118,51129,50893))", "select * from `events` where (`events`.`id` in(?+))"},
	{"slow020 multi-line values", "INSERT INTO tbl\n\n\nVALUES\n\n               (1), (2),\n\n\n      (3);", "insert into tbl values(?+)"},
	{"slow004 numbers in names", "select 12_13_foo from (select 12foo from 123_bar) as 123baz", "select ?_?_foo from (select ?oo from ?_bar) as ?z"},
	{"slow023 leading comment", "/* SELECT count(*) FROM X instance */ select count(*) as A from X", "select count(*) as a from x"},
	{"slow010 comment to end", "SELECT foo -- file: /user.php, line: 417, url: d217d035a34ac9e693b41d4c2&limit=500&offset=0;", "select foo"},
	{"slow053 is not null", "SELECT * FROM blah WHERE id IS NOT NULL", "select * from blah where id is not ?"},
	{"slow043 percent", "select * from t where c = 'the %d looks like a sprintf code'", "select * from t where c = ?"},
	{"negative number", "select * from t where a > -1", "select * from t where a > ?"},
	{"unterminated string left as is", "select 'abc 12", "select 'abc ?"},
	{"empty", "", ""},
	{"only semicolons", " ;; ", ""},
}

func TestFingerprint(t *testing.T) {
	for _, tc := range fingerprintCases {
		t.Run(tc.name, func(t *testing.T) {
			got := string(Fingerprint(nil, []byte(tc.query)))
			if got != tc.want {
				t.Errorf("Fingerprint(%q)\n got %q\nwant %q", tc.query, got, tc.want)
			}
		})
	}
}

func TestFingerprintAppends(t *testing.T) {
	dst := []byte("prefix:")
	got := string(Fingerprint(dst, []byte("SELECT 1 IN (1,2)")))
	if got != "prefix:select ? in(?+)" {
		t.Fatalf("got %q", got)
	}
}

func TestFingerprintHugeInsert(t *testing.T) {
	var b strings.Builder
	b.WriteString("INSERT INTO the_universe VALUES ")
	for i := 0; i < 20000; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(1, 'a', 2.5)")
	}
	got := string(Fingerprint(nil, []byte(b.String())))
	if got != "insert into the_universe values(?+)" {
		t.Fatalf("got %q", got)
	}
}

func TestFingerprintAllocs(t *testing.T) {
	q := []byte("SELECT * FROM foo WHERE id IN (1,2,3) AND name = 'x' ORDER BY a ASC LIMIT 10")
	dst := make([]byte, 0, 1024)
	allocs := testing.AllocsPerRun(100, func() { dst = Fingerprint(dst[:0], q) })
	if allocs != 0 {
		t.Fatalf("Fingerprint with a reused dst allocates %v times", allocs)
	}
	if string(dst) != "select * from foo where id in(?+) and name = ? order by a limit ?" {
		t.Fatalf("got %q", dst)
	}
}
