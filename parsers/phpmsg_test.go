package parsers

import "testing"

func TestClassifyPHP(t *testing.T) {
	for _, c := range []struct {
		msg  string
		want PHPError
	}{
		{`PHP message: PHP Warning:  mysqli::__construct(): (HY000/1040): Too many connections in /var/www/db.php on line 12`, PHPTooManyConns},
		{`PHP message: PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [1040] Too many connections in /var/www/db.php:9`, PHPTooManyConns},
		{`PHP message: PDOException: SQLSTATE[HY000] [2002] Connection refused`, PHPConnRefused},
		{`PHP message: PDOException: SQLSTATE[HY000] [2002] No such file or directory`, PHPConnRefused},
		{`PHP Warning:  mysqli::__construct(): (HY000/2002): Can't connect to local MySQL server through socket '/run/mysqld/mysqld.sock' (2)`, PHPConnRefused},
		{`PHP message: SQLSTATE[HY000] [2006] MySQL server has gone away`, PHPGoneAway},
		{`PHP message: PHP Warning:  Error while sending QUERY packet. PID=12 in x.php; mysqli::query(): MySQL server has gone away`, PHPGoneAway},
		{`PHP message: SQLSTATE[HY000]: General error: 2013 Lost connection to MySQL server during query`, PHPLostConnection},
		{`PHP message: SQLSTATE[HY000]: General error: 1205 Lock wait timeout exceeded; try restarting transaction`, PHPLockWait},
		{`PHP message: SQLSTATE[40001]: Serialization failure: 1213 Deadlock found when trying to get lock; try restarting transaction`, PHPDeadlock},
		{`PHP message: PHP Fatal error:  Maximum execution time of 30 seconds exceeded in /var/www/a.php on line 5`, PHPMaxExecutionTime},
		{`PHP message: PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes)`, PHPMemoryExhausted},
		{`PHP message: PHP Fatal error:  Out of memory (allocated 2097152) (tried to allocate 4096 bytes)`, PHPMemoryExhausted},
		{`PHP message: PHP Notice:  Undefined index: id in /var/www/a.php on line 3`, PHPOther},
		{`Primary script unknown`, PHPOther},
		{``, PHPNone},
		{"  \t", PHPNone},
	} {
		if got := classifyPHP([]byte(c.msg)); got != c.want {
			t.Errorf("%q: %s, want %s", c.msg, got, c.want)
		}
	}
}

func TestClassifyPHPAllocs(t *testing.T) {
	msg := []byte(`PHP message: PHP Notice:  Undefined index: id in /var/www/a.php on line 3`)
	if n := testing.AllocsPerRun(100, func() { classifyPHP(msg) }); n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
}

func TestLevelWord(t *testing.T) {
	for in, want := range map[string]Level{
		"debug": LevelDebug, "info": LevelInfo, "notice": LevelNotice, "warn": LevelWarning, "WARNING": LevelWarning,
		"error": LevelError, "crit": LevelCritical, "alert": LevelAlert, "emerg": LevelEmergency, "trace3": LevelDebug,
		"Note": LevelInfo, "System": LevelInfo, "ALERT": LevelAlert,
	} {
		if got, ok := levelWord([]byte(in)); !ok || got != want {
			t.Errorf("%s: %s %v, want %s", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "x", "loud", "trace9", "warningwarning"} {
		if _, ok := levelWord([]byte(in)); ok {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestEventTypeNames(t *testing.T) {
	seen := map[string]EventType{}
	for typ := EventOther; typ <= MySQLSlowQuery; typ++ {
		n := typ.String()
		if n == "" || n[0] == 'e' && n != "other" {
			t.Errorf("type %d has no name: %q", typ, n)
		}
		if prev, dup := seen[n]; dup {
			t.Errorf("%s named twice (%d, %d)", n, prev, typ)
		}
		seen[n] = typ
	}
}
