//go:build !goexperiment.synchashtriemap

package main

// syncMapImpl names the sync.Map this binary was built with (GOEXPERIMENT=nosynchashtriemap).
const syncMapImpl = "classic"
