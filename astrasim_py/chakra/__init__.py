"""Chakra execution traces: schema, reader/writer, validation, feeder, generators, converters."""
