"""awsmith code generator: models/*.json -> src/awsmith/<service>/."""
