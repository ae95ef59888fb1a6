"""PyTorch execution traces (+ Kineto) -> Chakra: streaming reader, linker, converter, collector."""
