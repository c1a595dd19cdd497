"""SED JSON at the edge: the mappings of each SED type, both ways."""
