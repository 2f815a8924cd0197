// Package sources reads inputs and yields their bytes with their origin; it
// does not know log formats.
//
// An Input is one logical log: a file, a rotated set of files read oldest
// first (access.log.3.gz, access.log.2.gz, access.log.1, access.log), stdin,
// or one Loki stream. Expand turns command-line paths (files, globs,
// directories, "-") into inputs; LokiInputs turns LogQL queries into inputs.
// Both open into the same Reader, which hands out chunks of whole lines for a
// parallel parser:
//
//	r, err := in.Open(ctx)
//	buf := make([]byte, 1<<20)
//	for {
//		c, err := r.NextChunk(buf)
//		if err == io.EOF {
//			break
//		}
//		// c.Data holds whole lines, each ending in '\n'
//	}
//
// Compression (gzip, zstd, bzip2) is detected from the first bytes of each
// file, never from its name. A damaged archive yields the lines before the
// damage plus a warning; a line longer than MaxLineLen is counted, not
// delivered. Memory stays bounded: nothing reads a whole file into memory,
// and Loki results are spooled to unlinked temporary files.
package sources
