//go:build goexperiment.synchashtriemap

package main

// syncMapImpl names the sync.Map this binary was built with (Go 1.24's default).
const syncMapImpl = "hashtriemap"
