module gomap/tools/gohash

go 1.24
