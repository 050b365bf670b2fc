// Package pushdown turns a lake table, a pinned snapshot and the predicates the planner
// found for it into a ScanSpec: exactly the data files (and the delete files that apply
// to them) that can hold matching rows, with counts of what was considered and skipped.
package pushdown
