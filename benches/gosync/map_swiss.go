//go:build goexperiment.swissmap

package main

// mapImpl names the runtime map this binary was built with (Go 1.24's default).
const mapImpl = "swiss"
