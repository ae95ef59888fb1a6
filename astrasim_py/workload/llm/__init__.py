"""LLM workloads: transformer trace generator (training and inference) and the STG trace reader."""
