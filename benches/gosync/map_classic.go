//go:build !goexperiment.swissmap

package main

// mapImpl names the runtime map this binary was built with (GOEXPERIMENT=noswissmap).
const mapImpl = "classic"
