# Data-mining flow sizes (Greenberg et al., VL2, SIGCOMM 2009), as used by pFabric, DCQCN and
# HPCC style studies; the published points are in 1460-byte packets, written here in bytes.
# Columns: flow size [bytes], cumulative probability; piecewise-linear between points.
# Heavy-tailed: half the flows are one packet, 1% carry most bytes (mean 7.47 MB).
1460 0.0
1460 0.50
2920 0.60
4380 0.70
10220 0.80
389820 0.90
3076220 0.95
97333820 0.99
973333820 1.0
