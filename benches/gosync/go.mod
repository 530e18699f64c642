module gosyncbench

go 1.24
