// Package simulate models an nginx → PHP-FPM → MySQL stack under load and
// writes every log it would leave behind (access, nginx error, PHP-FPM master
// and slow log, MySQL error and slow log, syslog) in the real formats, plus
// truth.json: the ground truth the analyzer's detectors are held to.
//
// The model is event-driven and deterministic: one seeded PCG generator, a
// time-ordered event heap with a sequence tie-breaker, no map iteration, no
// clock. The same scenario and seed give the same bytes.
//
// What it models: arrivals (a daily baseline plus scripted surges with their
// own referrers, user agents, landing paths and clients), page views pulling
// static assets, nginx (static files, the FPM unix socket with a listen
// backlog, fastcgi_read_timeout, limit_req, a microcache, a waiting room),
// the PHP-FPM pool (dynamic or static, edge-triggered warnings, slow log,
// request_terminate_timeout), MySQL (max_connections, contention, slow log,
// restart with a cold buffer pool, crash), clients (patience, retries,
// registrations committed before the response), the kernel (OOM kills) and
// operator actions at scripted times.
//
// It does not parse logs and it does not analyse them: it is only the source
// of outages whose truth is known.
package simulate
