package analyzer

import "github.com/postmortem/postmortem/parsers"

// Temporary no-op components until the capacity engineer's files
// (writes.go, retry.go, capacity.go) land; they delete this file.

type writesAgg struct{}

func newWritesAgg(o *Options) *writesAgg                                { return &writesAgg{} }
func (w *writesAgg) addAccess(input int, line int64, r *parsers.Access) {}
func (w *writesAgg) addEvent(e *parsers.Event)                          {}
func (w *writesAgg) merge(o *writesAgg)                                 {}
func (w *writesAgg) finish(rep *Report, st *State)                      {}

type capacityAgg struct{}

func newCapacityAgg(o *Options) *capacityAgg                     { return &capacityAgg{} }
func (c *capacityAgg) addAccess(r *parsers.Access)               {}
func (c *capacityAgg) merge(o *capacityAgg)                      {}
func (c *capacityAgg) finish(rep *Report, st *State, o *Options) {}
