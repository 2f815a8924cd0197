package parsers

import "bytes"

// phpPatterns are the overload and database messages of domain.md A.2, most
// specific first: each entry is a class and the phrases that reveal it,
// as PDO ("SQLSTATE[HY000] [1040] Too many connections"), mysqli
// ("(HY000/1040): Too many connections") and the PHP engine write them.
var phpPatterns = [...]struct {
	class   PHPError
	phrases []string
}{
	{PHPTooManyConns, []string{"Too many connections", "[1040]", "/1040)"}},
	{PHPGoneAway, []string{"server has gone away", "[2006]", "/2006)"}},
	{PHPLostConnection, []string{"Lost connection to MySQL server", "Lost connection to server", "[2013]", "/2013)"}},
	{PHPConnRefused, []string{"[2002]", "/2002)", "Can't connect to local MySQL server", "Can't connect to MySQL server", "Can't connect to local server"}},
	{PHPLockWait, []string{"Lock wait timeout exceeded", "1205 Lock wait"}},
	{PHPDeadlock, []string{"Deadlock found when trying to get lock", "1213 Deadlock"}},
	{PHPMaxExecutionTime, []string{"Maximum execution time of"}},
	{PHPMemoryExhausted, []string{"Allowed memory size of", "Out of memory (allocated"}},
}

// classifyPHP returns the class of a PHP message relayed by nginx ("PHP
// message: …"), Apache (AH01071) or the FPM master ("said into stderr").
// Messages we do not single out are PHPOther; an empty one is PHPNone. It
// does not allocate.
func classifyPHP(msg []byte) PHPError {
	if len(bytes.TrimSpace(msg)) == 0 {
		return PHPNone
	}
	for _, p := range phpPatterns {
		for _, ph := range p.phrases {
			if containsString(msg, ph) {
				return p.class
			}
		}
	}
	return PHPOther
}
