// Package pushdown turns a lake table, a pinned snapshot and the predicates the planner
// found for it into a ScanSpec: exactly the data files (and the delete files that apply
// to them) that can hold matching rows, with counts of what was considered and skipped.
//
// Pruning runs at three levels, each counted in PruneStats:
//
//  1. manifests, by the partition summaries in the manifest list (the filter projected
//     onto each partition spec);
//  2. data files, by their partition values and the column bounds, null and value
//     counts in the manifests;
//  3. Parquet row groups, by the footer statistics of each remaining file, read with
//     parquet-go through the table's IO. A file none of whose row groups can match is
//     not handed to the engine.
//
// Append-only snapshots are planned by manifests.go, which keeps decoded manifest lists
// and manifests in the shared cache (keyed by their immutable locations) and evaluates
// manifests in parallel; snapshots with delete manifests are planned by iceberg-go's
// scan, which pairs delete files with data files. Every level answers "might match"
// whenever statistics are missing or not understood: pruning may keep too much, never
// too little, and the engine applies the full predicate to what it reads.
//
// Format v3 deletion vectors (deletionvectors.go) reach the engine as ordinary
// position delete files: each Puffin blob is decoded once, with iceberg-go's reader,
// into a small Parquet file of (file_path, pos) in DeletionVectorDir, named by the
// blob, and reused by later plans. A data file's deletion vector replaces its older
// position delete files, as the spec says.
package pushdown
