// Package tpch generates TPC-H data in Go, following dbgen's rules (TPC-H
// specification 4.2.3), writes it as Iceberg tables and loads it into
// PostgreSQL, and holds the 22 queries.
//
// The rows are deterministic for a scale factor and a seed but not
// byte-identical to dbgen's: dbgen's random streams are not reproduced, and
// comments are cut from a text pool made with the specification's grammar and
// word lists. Keys, dates, prices and every value distribution the queries
// select on (nations, regions, segments, priorities, ship modes, brands,
// types, containers, part-name colours, discount/tax/quantity ranges, the
// return flag and line status rules, the order status) follow the
// specification, so the queries select realistic fractions.
package tpch
