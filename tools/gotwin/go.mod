module gomap/tools/gotwin

go 1.24
