module gomapbench

go 1.24
