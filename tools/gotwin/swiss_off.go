//go:build !goexperiment.swissmap

package main

// swissMap reports that this binary's maps are Swiss tables, whose header hmap does not mirror.
const swissMap = false

// runSwiss is never called in this build (its maps are classic); see swiss.go.
func runSwiss(opts options, selftest bool) int { return 2 }
