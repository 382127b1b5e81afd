"""msgspec Structs at the API edge, one module per resource."""
