"""Domain logic, free of HTTP: the API modules and plugins call these."""
