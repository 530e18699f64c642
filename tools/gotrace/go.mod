module gomap/tools/gotrace

go 1.24
