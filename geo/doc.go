// Package geo is ecospace's domain: layers, zones, sites, project categories,
// rules and verdicts, and the geometry helpers they need (CRS transforms to
// CGCS2000 / 3-degree Gauss-Kruger CM 120E, EPSG:4549; distances and areas).
//
// geo does no I/O. The stores in package data answer spatial relations; geo
// turns relations into verdicts with the same code for every store. The
// geometry of "how far to move" is here too (MoveField: move.go,
// move_translate.go); server/check builds it from a store and verifies
// its candidates with real checks.
package geo
