//go:build !goexperiment.swissmap

package main

// swissMap reports that this binary's maps are Swiss tables, whose header hmap does not mirror.
const swissMap = false
