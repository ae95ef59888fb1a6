# Web-search flow sizes (Alizadeh et al., DCTCP, SIGCOMM 2010), as used by the DCQCN and HPCC
# evaluations. Columns: flow size [bytes], cumulative probability. Sizes between two points are
# drawn uniformly (piecewise-linear CDF). Mean 1.71 MB.
0 0.0
10000 0.15
20000 0.20
30000 0.30
50000 0.40
80000 0.53
200000 0.60
1000000 0.70
2000000 0.80
5000000 0.90
10000000 0.97
30000000 1.0
